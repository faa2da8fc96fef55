import Foundation

extension TestDatabase {
    /// Runs `sql` in another process, the engine's own shell (`sqlite3` or `psql`), as an operator
    /// would: a commit the service learns of only through the database itself.
    public func executeInAnotherProcess(_ sql: String) async throws {
        let (tool, arguments): (String, [String])
        switch backend {
        case .sqlite:
            let path = String(url.dropFirst("sqlite://".count))
            tool = "sqlite3"
            arguments = ["-bail", "-cmd", ".timeout 10000", path, sql]
        case .postgres:
            tool = "psql"
            arguments = ["--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", "--dbname", url, "--command", sql]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        guard status == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw OutsideWriteFailed(description: "\(tool) exited with \(status): \(message)")
        }
    }
}

public struct OutsideWriteFailed: Error, CustomStringConvertible {
    public let description: String
}
