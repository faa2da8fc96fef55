import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// The edges of HTTP: headers every response carries, bodies that say one thing twice, connections
/// that never finish their request, and requests too large to parse.
@Suite("HTTP hardening")
struct HTTPHardeningTests {
    @Test("Every response says nosniff; answers with secrets are not to be stored", arguments: [TestBackend.sqlite])
    func securityHeaders(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Headers", token: root)
            let responses = try await [
                ("token", client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": Admin.password])),
                ("api key", client.json(.post, "/api/v1/api-keys", token: root, body: ["name": "k"])),
                ("invitation", client.json(.post, "/api/v1/invitations", token: root, tenant: tenant, body: ["email": "i@example.com", "role_id": SystemRoleID.readOnly])),
                ("list", client.json(.get, "/api/v1/users", token: root, tenant: tenant)),
                ("401", client.json(.get, "/api/v1/users/me")),
                ("404", client.json(.get, "/api/v1/nowhere")),
                ("health", client.json(.get, "/health")),
            ]
            for (name, response) in responses {
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(name)")
                #expect(response.headers[.cacheControl] == "no-store", "\(name)")
            }
            #expect(responses.prefix(3).allSatisfy { $0.1.status == .created || $0.1.status == .ok })
        }
    }

    @Test("A JSON body that repeats a key is 400 and one with a null member 422; nothing is changed", arguments: TestBackend.available)
    func duplicateKeys(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            for body in [#"{"name": "First", "name": "Second"}"#, #"{"name": "Third", "description": "d", "\u006eame": "Fourth"}"#] {
                let response = try await client.execute(
                    uri: "/api/v1/tenants", method: .post,
                    headers: [.authorization: "Bearer \(root)", .contentType: "application/json"], body: ByteBuffer(string: body)
                )
                try expectError(response, .badRequest)
                #expect(String(buffer: response.body).contains("name"))
            }
            let tenants = try JSONBody(await client.json(.get, "/api/v1/tenants", token: root)).array as? [[String: Any]]
            #expect(tenants?.map { $0["name"] as? String } == ["Default"])
            // The same key in two objects is fine.
            let role = try await client.json(
                .post, "/api/v1/tenants", token: root, body: ["name": "Nested", "description": "{\"name\": 1, \"name\": 2}"]
            )
            #expect(role.status == .created)
            // A null member is 422, not a silent "leave unchanged".
            let nulled = try await client.execute(
                uri: "/api/v1/users/me", method: .patch,
                headers: [.authorization: "Bearer \(root)", .contentType: "application/json"], body: ByteBuffer(string: #"{"first_name": null}"#)
            )
            try expectError(nulled, .unprocessableContent)
        }
    }

    @Test("Required nullable fields are sent as null, never left out", arguments: TestBackend.available)
    func nullsAreSent(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            _ = try await client.createTenant("Bare", token: root)
            let tenants = try #require(try JSONBody(await client.json(.get, "/api/v1/tenants", token: root)).array as? [[String: Any]])
            let tenant = try #require(tenants.first { $0["name"] as? String == "Bare" })
            #expect(tenant.keys.contains("description"), "\(tenant)")
            #expect(tenant["description"] is NSNull)
            let roles = try #require(
                try JSONBody(await client.json(.get, "/api/v1/roles", token: root, tenant: tenant["id"] as? String)).array as? [[String: Any]]
            )
            let system = try #require(roles.first { $0["is_system_role"] as? Bool == true })
            #expect(system["tenant_id"] is NSNull, "\(system)")
            let custom = try JSONBody(
                await client.json(.post, "/api/v1/roles", token: root, tenant: tenant["id"] as? String, body: ["name": "No description"])
            )
            #expect(custom["description"] is NSNull, "\(custom.value)")
        }
    }

    @Test("A silent connection is closed within the idle timeout, a trickled body within the body timeout")
    func slowClients() async throws {
        try await withApp(.sqlite, settings: ["http.idle.timeout": "2", "http.body.timeout": "3"], mode: .live) { client, _ in
            let port = try #require(client.port)
            let start = Date()
            let silent = try RawConnection(port: port)
            #expect(silent.readUntilClosed(timeout: 8) == "", "a silent connection stayed open")
            #expect(Date().timeIntervalSince(start) < 6)

            let halfHead = try RawConnection(port: port)
            try halfHead.send("GET /health HTTP/1.1\r\nHost: localhost\r\n")
            #expect(halfHead.readUntilClosed(timeout: 8) != nil, "a request head that never ends kept the connection open")

            // One byte every 0.3 s keeps the connection from going idle, but not beyond the body timeout.
            let trickle = try RawConnection(port: port)
            try trickle.send("POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
            let trickleStart = Date()
            for _ in 0..<40 where !trickle.receivedText.hasPrefix("HTTP/1.1") {
                try? trickle.send(" ")
                if trickle.read(timeout: 0.3) { break }
            }
            let answered = trickle.receivedText
            #expect(!answered.isEmpty, "a trickled body kept the connection for 10 s")
            #expect(Date().timeIntervalSince(trickleStart) < 8)
            #expect(answered.hasPrefix("HTTP/1.1 408"), "\(answered)")
        }
    }

    @Test("A 100 KB header is 400 with a detail")
    func hugeHeader() async throws {
        try await withApp(.sqlite, mode: .live) { client, _ in
            let connection = try RawConnection(port: try #require(client.port))
            try connection.send("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n")
            let answer = try #require(connection.readUntilClosed(timeout: 5))
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(200))")
            let body = try #require(answer.components(separatedBy: "\r\n\r\n").last)
            let detail = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String]
            #expect(detail?["detail"]?.isEmpty == false, "\(answer)")
        }
    }
}
