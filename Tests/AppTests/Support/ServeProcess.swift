import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `virtualstack serve` process of the real binary on a free port, for tests that kill it, start it
/// again, or run two at once on one database.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: OutputFile
    var base: String { "http://127.0.0.1:\(port)" }

    init(environment: [String: String]) throws {
        port = Int.random(in: 20_000...60_000)
        log = try OutputFile()
        process.executableURL = try LiveServerTests.binary
        process.arguments = ["serve", "--port", String(port)]
        process.environment = ["PATH": "/usr/bin:/bin", "VIRTUALSTACK_LOG_LEVEL": "warning"].merging(environment) { $1 }
        process.standardError = log.handle
        process.standardOutput = log.handle
    }

    /// Starts the process and waits until `/health` answers.
    func start() async throws {
        try process.run()
        for _ in 0..<300 {
            if let (status, _) = try? await LiveServerTests.request("\(base)/health"), status == 200 { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw LiveServerTests.LiveError.notReady(log.contents)
    }

    /// SIGKILL: no graceful shutdown, no lease released, exactly as a crash.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for the exit.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        log.remove()
    }

    /// Sends a JSON request; answers the status and the decoded body.
    func json(_ method: String, _ path: String, token: String? = nil, tenant: String? = nil, body: Any? = nil) async throws -> (Int, Any?) {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if let tenant { headers["X-Tenant-ID"] = tenant }
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let (status, response) = try await LiveServerTests.request("\(base)/api/v1\(path)", method: method, body: data, headers: headers)
        return (status, try? JSONSerialization.jsonObject(with: response, options: [.fragmentsAllowed]))
    }

    func login(_ email: String = Admin.email, _ password: String = Admin.password) async throws -> String {
        let (status, body) = try await json("POST", "/auth/token", body: ["username": email, "password": password])
        #expect(status == 200)
        return try #require((body as? [String: Any])?["access_token"] as? String)
    }
}
