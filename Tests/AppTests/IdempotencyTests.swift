import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import SQLPersistence
import TestSupport
import Testing

/// Safe retries through HTTP: repeats get the first answer and do nothing again, in one process and
/// across two; a key reused for another request is refused; secrets are not kept.
@Suite("Idempotency keys")
struct IdempotencyTests {
    static let key = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotency-Replayed")!

    static func post(
        _ client: some TestClientProtocol, _ path: String, key: String, token: String, tenant: String? = nil, body: Any
    ) async throws -> TestResponse {
        try await client.json(.post, path, token: token, tenant: tenant, body: body, headers: [Self.key: key])
    }

    static func iso(_ name: String) -> [String: Any] {
        ["name": name, "iso_url": "https://example.com/boot.iso", "cpu": 1, "memory_gb": 1, "disk_gb": 10]
    }

    static func vmCount(_ client: some TestClientProtocol, in tenant: String, token: String) async throws -> Int? {
        try JSONBody(try await client.json(.get, "/api/v1/vms", token: token, tenant: tenant))["total"] as? Int
    }

    @Test("A repeat gets the first answer and does nothing again; another body with the key is 422", arguments: TestBackend.available)
    func sequentialRepeats(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Retries", token: root)
            let first = try await Self.post(client, "/api/v1/vms", key: "create-web-1", token: root, tenant: tenant, body: Self.iso("web-1"))
            #expect(first.status == .accepted)
            #expect(first.headers[Self.replayed] == nil)
            let again = try await Self.post(client, "/api/v1/vms", key: "create-web-1", token: root, tenant: tenant, body: Self.iso("web-1"))
            #expect(again.status == .accepted)
            #expect(again.headers[Self.replayed] == "true")
            #expect(Data(again.body.readableBytesView) == Data(first.body.readableBytesView), "the first answer, byte for byte")
            #expect(try await Self.vmCount(client, in: tenant, token: root) == 1)

            try expectError(
                try await Self.post(client, "/api/v1/vms", key: "create-web-1", token: root, tenant: tenant, body: Self.iso("web-2")),
                .unprocessableContent
            )
            try expectError(
                try await Self.post(client, "/api/v1/tenants", key: "create-web-1", token: root, body: ["name": "Other"]),
                .unprocessableContent
            )
            let otherTenant = try await client.createTenant("Elsewhere", token: root)
            try expectError(
                try await Self.post(client, "/api/v1/vms", key: "create-web-1", token: root, tenant: otherTenant, body: Self.iso("web-1")),
                .unprocessableContent
            )
            #expect(try await Self.vmCount(client, in: tenant, token: root) == 1)
            #expect(try await Self.vmCount(client, in: otherTenant, token: root) == 0)

            // Without a key, a repeat is a new request (here refused: the name is taken).
            try expectError(try await client.json(.post, "/api/v1/vms", token: root, tenant: tenant, body: Self.iso("web-1")), .conflict)
        }
    }

    @Test("Keys are the caller's own: two users' equal keys are two requests", arguments: TestBackend.available)
    func keysBelongToTheirCaller(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let f = try await TwoTenants(client)
            let a = try await Self.post(client, "/api/v1/vms", key: "same", token: f.tokenA, tenant: f.tenantA, body: Self.iso("vm"))
            let b = try await Self.post(client, "/api/v1/vms", key: "same", token: f.tokenB, tenant: f.tenantB, body: Self.iso("vm"))
            #expect(a.status == .accepted && b.status == .accepted)
            #expect(b.headers[Self.replayed] == nil)
            #expect(try JSONBody(a)["id"] as? String != JSONBody(b)["id"] as? String)
        }
    }

    @Test("A refusal is an answer too: it is given again, even once the request would pass", arguments: TestBackend.available)
    func refusalsAreKept(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Refused", token: root)
            let limits: [String: Any] = ["vms": 0, "vcpus": NSNull(), "memory_gb": NSNull(), "disk_gb": NSNull()]
            _ = try await client.json(.put, "/api/v1/tenants/\(tenant)/quota", token: root, body: limits)
            let refused = try await Self.post(client, "/api/v1/vms", key: "k", token: root, tenant: tenant, body: Self.iso("vm"))
            try expectError(refused, .conflict)
            _ = try await client.json(.put, "/api/v1/tenants/\(tenant)/quota", token: root, body: limits.merging(["vms": NSNull()]) { $1 })
            let repeated = try await Self.post(client, "/api/v1/vms", key: "k", token: root, tenant: tenant, body: Self.iso("vm"))
            try expectError(repeated, .conflict)
            #expect(repeated.headers[Self.replayed] == "true")
            #expect(try await Self.post(client, "/api/v1/vms", key: "k2", token: root, tenant: tenant, body: Self.iso("vm")).status == .accepted)
        }
    }

    @Test("20 concurrent repeats of one create make one VM and all get its answer", arguments: TestBackend.available)
    func concurrentRepeats(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Stampede", token: root)
            let answers = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let response = try await Self.post(client, "/api/v1/vms", key: "once", token: root, tenant: tenant, body: Self.iso("once"))
                        return (response.status, try JSONBody(response)["id"] as? String)
                    }
                }
                return try await group.reduce(into: [(HTTPResponse.Status, String?)]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.0 == .accepted }, "\(answers.map { "\($0.0) \($0.1 ?? "-")" })")
            #expect(Set(answers.map(\.1)).count == 1)
            #expect(try await Self.vmCount(client, in: tenant, token: root) == 1)
        }
    }

    @Test("Two serve processes: concurrent repeats sent to both make one VM", arguments: TestBackend.available)
    func twoProcesses(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            try await withTwoServeProcesses(database) { one, two in
                let token = try await one.login()
                let ids = try await withThrowingTaskGroup(of: String?.self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            let server = index % 2 == 0 ? one : two
                            let (status, body) = try await server.json("POST", "/vms", token: token, body: Self.iso("shared"), headers: [Self.key.rawName: "shared-key"])
                            return status == 202 ? (body as? [String: Any])?["id"] as? String : "status \(status)"
                        }
                    }
                    return try await group.reduce(into: [String?]()) { $0.append($1) }
                }
                #expect(Set(ids).count == 1, "\(ids)")
                let (_, page) = try await two.json("GET", "/vms", token: token)
                #expect((page as? [String: Any])?["total"] as? Int == 1)
            }
        }
    }

    @Test("An answer that showed a secret is not kept: its repeat is 409 and makes no second key", arguments: TestBackend.available)
    func secretsAreNotKept(backend: TestBackend) async throws {
        try await withApp(backend) { client, database in
            let root = try await client.login()
            let created = try await Self.post(client, "/api/v1/api-keys", key: "new-key", token: root, body: ["name": "ci"])
            #expect(created.status == .created)
            let secret = try #require(JSONBody(created)["key"] as? String)
            let repeated = try await Self.post(client, "/api/v1/api-keys", key: "new-key", token: root, body: ["name": "ci"])
            try expectError(repeated, .conflict)
            #expect(!String(buffer: repeated.body).contains(secret))
            let keys = try JSONBody(try await client.json(.get, "/api/v1/api-keys", token: root))
            #expect(keys["total"] as? Int == 1)
            let stored = try await withClient(database) { client in
                try await client.sql.raw("SELECT COALESCE(body, '') AS body FROM idempotency_keys").all().map { try $0.decode(column: "body", as: String.self) }
            }
            #expect(stored.count == 1 && !stored.contains { $0.contains(secret) })
        }
    }

    @Test("A key is 1 to 255 printable ASCII characters; public operations ignore it", arguments: TestBackend.available)
    func keyRules(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            for bad in [String(repeating: "k", count: 256), "tab\there", "ключ"] {
                try expectError(try await Self.post(client, "/api/v1/tenants", key: bad, token: root, body: ["name": "T \(bad.count)"]), .badRequest)
            }
            let longest = String(repeating: "k", count: 255)
            #expect(try await Self.post(client, "/api/v1/tenants", key: longest, token: root, body: ["name": "Longest"]).status == .created)
            #expect(try await Self.post(client, "/api/v1/tenants", key: "with space ~", token: root, body: ["name": "Spaced"]).status == .created)
            try expectError(try await Self.post(client, "/api/v1/tenants", key: "x", token: "not-a-token", body: ["name": "X"]), .unauthorized)
            for _ in 0..<2 {
                let login = try await client.json(
                    .post, "/api/v1/auth/token", body: ["username": Admin.email, "password": Admin.password], headers: [Self.key: "login"]
                )
                #expect(login.status == .ok && login.headers[Self.replayed] == nil, "a login is never replayed")
            }
        }
    }

    @Test("A key is forgotten after its retention; an abandoned claim is taken over, a live one is waited for", arguments: TestBackend.available)
    func retentionAndAbandonedClaims(backend: TestBackend) async throws {
        try await withApp(backend) { client, database in
            let root = try await client.login()
            let tenant = try await client.createTenant("Aging", token: root)
            let first = try JSONBody(try await Self.post(client, "/api/v1/vms", key: "old", token: root, tenant: tenant, body: Self.iso("a")))
            let id = try #require(first["id"] as? String)
            _ = try await client.json(.delete, "/api/v1/vms/\(id)", token: root, tenant: tenant)
            try await withClient(database) { client in
                try await client.sql.raw("UPDATE idempotency_keys SET created_at = \(bind: Date().addingTimeInterval(-90_000))").run()
            }
            let later = try await Self.post(client, "/api/v1/vms", key: "old", token: root, tenant: tenant, body: Self.iso("a"))
            #expect(later.status == .accepted && later.headers[Self.replayed] == nil)
            #expect(try JSONBody(later)["id"] as? String != id)

            try await withClient(database) { client in
                let store = SQLIdempotencyStore(client: client)
                let request = IdempotentRequest(caller: "user:test", key: "k", fingerprint: "f")
                let now = Date()
                let dead = UUID()
                #expect(try await store.claim(request, token: dead, now: now, staleBefore: now - 120, expiredBefore: now - 86_400) == .claimed)
                let live = UUID()
                #expect(try await store.claim(request, token: live, now: now + 10, staleBefore: now - 110, expiredBefore: now - 86_400) == .inProgress)
                let other = IdempotentRequest(caller: "user:test", key: "k", fingerprint: "g")
                #expect(try await store.claim(other, token: live, now: now + 10, staleBefore: now - 110, expiredBefore: now - 86_400) == .mismatch)
                #expect(try await store.claim(request, token: live, now: now + 200, staleBefore: now + 80, expiredBefore: now - 86_400) == .claimed)
                // The dead claimant's late answer is not kept: the claim is no longer its.
                try await store.finish(request, token: dead, with: RecordedAnswer(status: 201, contentType: nil, location: nil, body: Array("dead".utf8)))
                let answer = RecordedAnswer(status: 202, contentType: "application/json", location: nil, body: Array("{}".utf8))
                try await store.finish(request, token: live, with: answer)
                #expect(try await store.claim(request, token: UUID(), now: now + 300, staleBefore: now, expiredBefore: now - 86_400) == .answered(answer))
                #expect(try await store.prune(usedBefore: now + 1) >= 1)
                #expect(try await store.claim(request, token: UUID(), now: now + 400, staleBefore: now, expiredBefore: now - 86_400) == .claimed)
            }
        }
    }
}
