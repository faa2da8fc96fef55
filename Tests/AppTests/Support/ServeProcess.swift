import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `virtualstack serve` process of the real binary on a free port, for tests that kill it, start it
/// again, or run two at once on one database.
final class ServeProcess: @unchecked Sendable {
    private(set) var process = Process()
    private(set) var port = 0
    let environment: [String: String]
    let log: OutputFile
    var base: String { "http://127.0.0.1:\(port)" }

    init(environment: [String: String]) throws {
        self.environment = environment
        log = try OutputFile()
    }

    /// Starts the process on a free port and waits until `/health` answers. A port taken meanwhile by
    /// something else (the process exits saying so) is tried again with another.
    func start() async throws {
        for _ in 0..<5 {
            port = try Self.freePort()
            process = Process()
            process.executableURL = try LiveServerTests.binary
            process.arguments = ["serve", "--port", String(port)]
            process.environment = ["PATH": "/usr/bin:/bin", "VIRTUALSTACK_LOG_LEVEL": "warning"].merging(environment) { $1 }
            process.standardError = log.handle
            process.standardOutput = log.handle
            try process.run()
            for _ in 0..<300 {
                if let (status, _) = try? await LiveServerTests.request("\(base)/health"), status == 200, process.isRunning { return }
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            guard log.contents.contains("Address already in use") else { break }
        }
        throw LiveServerTests.LiveError.notReady(log.contents)
    }

    /// A port the kernel just handed out and nobody listens on: bound to port 0, read back, closed.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LiveServerTests.LiveError.notReady("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw LiveServerTests.LiveError.notReady("could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
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
    func json(
        _ method: String, _ path: String, token: String? = nil, tenant: String? = nil, body: Any? = nil, headers extra: [String: String] = [:]
    ) async throws -> (Int, Any?) {
        var headers = extra.merging(["Content-Type": "application/json"]) { $1 }
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

/// Two `serve` processes on one database, as two replicas behind a load balancer, both stopped when
/// `body` returns.
func withTwoServeProcesses<R>(
    _ database: TestDatabase, delayMS: Int = 20, _ body: (ServeProcess, ServeProcess) async throws -> R
) async throws -> R {
    let environment = JobDurabilityTests.environment(database, delayMS: delayMS)
    let one = try ServeProcess(environment: environment)
    defer { one.stop() }
    try await one.start()
    let two = try ServeProcess(environment: environment)
    defer { two.stop() }
    try await two.start()
    return try await body(one, two)
}
