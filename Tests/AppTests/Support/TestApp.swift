import App
import Configuration
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// The bootstrap admin every test app starts with.
enum Admin {
    static let email = "admin@example.com"
    static let password = "admin-password"
}

/// Builds the real application on a throwaway database of `backend` and runs `body` against it
/// through HummingbirdTesting (`.router` by default: the full middleware stack, no sockets).
func withApp(
    _ backend: TestBackend,
    settings: [String: String] = [:],
    mode: TestingSetup = .router,
    _ body: @escaping @Sendable (any TestClientProtocol, TestDatabase) async throws -> Void
) async throws {
    try await withTestDatabase(backend) { database in
        let app = try await buildTestApplication(database: database, settings: settings)
        try await app.test(mode) { client in
            try await body(client, database)
        }
    }
}

/// The real application on `database`, configured as a test wants it (cheap bcrypt, quiet logs).
func buildTestApplication(
    database: TestDatabase, settings: [String: String] = [:], handEncodedRoutes: Bool = true
) async throws -> some ApplicationProtocol {
        var values: [String: String] = [
            "database.url": database.url,
            "port": "0",
            "bcrypt.cost": "10",
            "admin.email": Admin.email,
            "admin.password": Admin.password,
            "log.level": "warning",
            // VMs reach their state as fast as the worker can write it; tests that need time set a delay.
            "simulated.delay.ms": "0",
            "job.retry.delay.ms": "20",
            "reconcile.interval.seconds": "3600",
        ]
        values.merge(settings) { $1 }
        let provider = InMemoryProvider(
            values: Dictionary(uniqueKeysWithValues: values.map { key, value in
                (AbsoluteConfigKey(["virtualstack"] + key.split(separator: ".").map(String.init)), ConfigValue(.string(value), isSecret: false))
            })
        )
        return try await buildApplication(reader: ConfigReader(provider: provider), handEncodedRoutes: handEncodedRoutes)
}

/// A decoded JSON response body.
struct JSONBody: @unchecked Sendable {
    let value: Any

    init(_ response: TestResponse) throws {
        value = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView), options: [.fragmentsAllowed])
    }

    subscript(key: String) -> Any? { (value as? [String: Any])?[key] }
    var array: [Any]? { value as? [Any] }
}

extension TestClientProtocol {
    func json(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, apiKey: String? = nil, tenant: String? = nil,
        body: Any? = nil, headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let apiKey { headers[HTTPField.Name("X-API-Key")!] = apiKey }
        if let tenant { headers[HTTPField.Name("X-Tenant-ID")!] = tenant }
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body, options: [.fragmentsAllowed])))
        }
        return try await execute(uri: path, method: method, headers: headers, body: buffer)
    }

    /// Logs in and returns the access token; fails the test when login does not succeed.
    func login(_ email: String = Admin.email, _ password: String = Admin.password) async throws -> String {
        let response = try await json(.post, "/api/v1/auth/token", body: ["username": email, "password": password])
        #expect(response.status == .ok, "login as \(email) failed: \(String(buffer: response.body))")
        return try #require(JSONBody(response)["access_token"] as? String)
    }
}

/// Asserts an error response: the status, a JSON `detail` string that is not empty.
func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(response.status == status, "body: \(String(buffer: response.body))", sourceLocation: sourceLocation)
    let detail = try JSONBody(response)["detail"] as? String
    #expect(detail?.isEmpty == false, "detail missing in \(String(buffer: response.body))", sourceLocation: sourceLocation)
}
