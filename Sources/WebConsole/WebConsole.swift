import Foundation

/// The web console's files (`Assets/`: HTML, CSS and JavaScript modules, no build step), copied into the
/// package's resources so that `virtualstack serve` needs nothing beside its build.
public enum WebConsole {
    /// Where the built-in files are.
    public static var directory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Assets")
    }
}
