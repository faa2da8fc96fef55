import Foundation

/// govmomi's simulator as `scripts/vcsim-setup.sh` describes it in the environment. Without it (no Go
/// or govmomi sources installed) the tests that need it are skipped.
package enum SimulatorEnvironment {
    static let environment = ProcessInfo.processInfo.environment
    package static var available: Bool { environment["VIRTUALSTACK_VCSIM_URL"] != nil }
    package static var url: String { environment["VIRTUALSTACK_VCSIM_URL"] ?? "" }
    package static var username: String { environment["VIRTUALSTACK_VCSIM_USERNAME"] ?? "" }
    package static var password: String { environment["VIRTUALSTACK_VCSIM_PASSWORD"] ?? "" }
    /// The SHA-256 fingerprint of the simulator's (self-signed) certificate, `AB:CD:…`.
    package static var thumbprint: String { environment["VIRTUALSTACK_VCSIM_THUMBPRINT"] ?? "" }
    /// The template every test clones.
    package static var template: String { environment["VIRTUALSTACK_VCSIM_TEMPLATE"] ?? "vs-template" }
    /// The simulator's certificate, which is its own CA.
    package static var caPEM: String { pem("VIRTUALSTACK_VCSIM_CA") }
    /// A certificate with the same names that nobody trusts.
    package static var otherCAPEM: String { pem("VIRTUALSTACK_VCSIM_OTHER_CA") }

    static func pem(_ variable: String) -> String {
        (try? String(contentsOfFile: environment[variable] ?? "", encoding: .utf8)) ?? ""
    }

    /// A fresh AES-GCM key, as 64 hex characters.
    package static func randomKey() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
