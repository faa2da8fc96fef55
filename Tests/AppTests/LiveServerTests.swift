import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real `virtualstack` executable, started as an operator would, spoken to over TCP.
@Suite("The virtualstack process", .serialized)
struct LiveServerTests {
    static var binary: URL {
        get throws {
            if let override = ProcessInfo.processInfo.environment["VIRTUALSTACK_BINARY"] {
                return URL(fileURLWithPath: override)
            }
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let candidate = root.appendingPathComponent(".build/debug/virtualstack")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
                throw LiveError.binaryMissing(candidate.path)
            }
            return candidate
        }
    }

    enum LiveError: Error {
        case binaryMissing(String)
        case notReady(String)
    }

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs the binary to completion with a clean environment plus `environment`.
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) async throws -> Outcome {
        let process = Process()
        process.executableURL = try binary
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        // Files rather than pipes: reading a pipe while the child exits can fail with EINTR.
        let (out, err) = (try OutputFile(), try OutputFile())
        defer { out.remove(); err.remove() }
        process.standardOutput = out.handle
        process.standardError = err.handle
        try process.run()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: out.contents, stderr: err.contents)
    }

    static func request(_ url: String, method: String = "GET", body: Data? = nil, headers: [String: String] = [:]) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    @Test("--help lists every subcommand")
    func help() async throws {
        let outcome = try await Self.run(["--help"])

        #expect(outcome.status == 0)
        for command in ["serve", "migrate", "bootstrap"] {
            #expect(outcome.stdout.contains(command), "\(command) missing from: \(outcome.stdout)")
        }
    }

    @Test("Invalid configuration stops the process with one clear line", arguments: [
        (["serve", "--port", "99999"], [:]),
        (["serve", "--port", "eighty"], [:]),
        (["migrate"], ["VIRTUALSTACK_DATABASE_URL": "mysql://nope"]),
        (["serve"], ["VIRTUALSTACK_LOG_LEVEL": "loud"]),
        (["serve"], ["VIRTUALSTACK_ACCESS_TOKEN_TTL": "-5"]),
        (["serve"], ["VIRTUALSTACK_INVITATION_TTL": "0"]),
        (["serve"], ["VIRTUALSTACK_PUBLIC_BASE_URL": "ftp://example.com"]),
    ] as [([String], [String: String])])
    func invalidConfiguration(arguments: [String], environment: [String: String]) async throws {
        let outcome = try await Self.run(arguments, environment: environment)

        #expect(outcome.status != 0)
        let lines = outcome.stderr.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(outcome.stderr)")
        #expect(lines.first?.contains("configuration error") == true)
    }

    @Test("migrate and bootstrap are idempotent and never overwrite a password")
    func migrateAndBootstrap() async throws {
        try await withTestDatabase(.sqlite) { database in
            let env = ["VIRTUALSTACK_DATABASE_URL": database.url, "VIRTUALSTACK_BCRYPT_COST": "10"]

            let firstMigrate = try await Self.run(["migrate"], environment: env)
            let secondMigrate = try await Self.run(["migrate"], environment: env)
            let created = try await Self.run(["bootstrap", "--email", "root@example.com", "--password", "first-password"], environment: env)
            let again = try await Self.run(["bootstrap", "--email", "ROOT@example.com", "--password", "other-password"], environment: env)
            let weak = try await Self.run(["bootstrap", "--email", "x@example.com", "--password", "short"], environment: env)

            #expect(firstMigrate.status == 0 && firstMigrate.stdout.contains("Applied migrations"))
            #expect(secondMigrate.status == 0 && secondMigrate.stdout.contains("up to date"))
            #expect(created.status == 0 && created.stdout.contains("Created superuser"), "\(created.stderr)")
            #expect(again.status == 0 && again.stdout.contains("already exists"))
            #expect(weak.status != 0 && weak.stderr.contains("password"))

            try await Self.serving(database: database, environment: env) { base in
                let first = try await Self.request(
                    "\(base)/api/v1/auth/token", method: "POST", body: Data(#"{"username":"root@example.com","password":"first-password"}"#.utf8),
                    headers: ["Content-Type": "application/json"]
                )
                let other = try await Self.request(
                    "\(base)/api/v1/auth/token", method: "POST", body: Data(#"{"username":"root@example.com","password":"other-password"}"#.utf8),
                    headers: ["Content-Type": "application/json"]
                )
                #expect(first.0 == 200)
                #expect(other.0 == 401)
            }
        }
    }

    @Test("serve answers over TCP: health, login, /users/me, and stops cleanly on SIGTERM")
    func smoke() async throws {
        try await withTestDatabase(.sqlite) { database in
            let env = [
                "VIRTUALSTACK_DATABASE_URL": database.url, "VIRTUALSTACK_BCRYPT_COST": "10",
                "VIRTUALSTACK_ADMIN_EMAIL": "admin@example.com", "VIRTUALSTACK_ADMIN_PASSWORD": "admin-password",
            ]
            try await Self.serving(database: database, environment: env) { base in
                let health = try await Self.request("\(base)/health")
                let login = try await Self.request(
                    "\(base)/api/v1/auth/token", method: "POST", body: Data("username=admin%40example.com&password=admin-password".utf8),
                    headers: ["Content-Type": "application/x-www-form-urlencoded"]
                )
                let token = try #require(try JSONSerialization.jsonObject(with: login.1) as? [String: Any])["access_token"] as? String
                let me = try await Self.request("\(base)/api/v1/users/me", headers: ["Authorization": "Bearer \(token ?? "")"])

                #expect(health.0 == 200)
                #expect(login.0 == 200)
                #expect(me.0 == 200)
                #expect(String(decoding: me.1, as: UTF8.self).contains("admin@example.com"))
            }
        }
    }

    /// Starts `virtualstack serve` on a free port, waits for /health, runs `body`, then sends SIGTERM
    /// and expects a clean exit.
    static func serving(database: TestDatabase, environment: [String: String], _ body: (String) async throws -> Void) async throws {
        let port = try ServeProcess.freePort()
        let process = Process()
        process.executableURL = try binary
        process.arguments = ["serve", "--port", String(port)]
        process.environment = ["PATH": "/usr/bin:/bin", "VIRTUALSTACK_LOG_LEVEL": "warning"].merging(environment) { $1 }
        let err = try OutputFile()
        defer { err.remove() }
        process.standardError = err.handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<100 where !ready {
            if let (status, _) = try? await request("\(base)/health"), status == 200 { ready = true } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        guard ready else {
            process.terminate()
            throw LiveError.notReady(err.contents)
        }
        try await body(base)
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "exit status after SIGTERM")
    }
}

/// A temporary file that captures a child process's output.
struct OutputFile {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("virtualstack-\(UUID().uuidString).log")
    let handle: FileHandle

    init() throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }

    var contents: String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }

    func remove() {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}
