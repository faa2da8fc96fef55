import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Numbers and strings from clients stay within bounds: nothing a client sends can trap the process,
/// and out-of-range values are `422` with a detail.
@Suite("Input bounds")
struct InputBoundsTests {
    @Test("Pages beyond 1,000,000 are 422 on every paginated list, never an overflow trap", arguments: TestBackend.available)
    func pageOverflow(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let tenant = try await client.createTenant("Paging", token: root)
            // A user with no role: /api-keys needs no permission at all.
            _ = try await client.createUser("nobody@example.com", in: tenant, token: root)
            let nobody = try await client.loginAs("nobody@example.com")
            let lists: [(path: String, token: String)] = [
                ("/api/v1/api-keys", nobody), ("/api/v1/users", root), ("/api/v1/invitations", root),
                ("/api/v1/tenants/\(tenant)/users", root),
            ]
            for (path, token) in lists {
                for page in ["9223372036854775807", "9223372036854775807&limit=100", "92233720368547759", "1000001"] {
                    try expectError(try await client.json(.get, "\(path)?page=\(page)", token: token, tenant: tenant), .unprocessableContent)
                }
                // Beyond Int64: not an integer we can hold, also 422.
                try expectError(try await client.json(.get, "\(path)?page=99999999999999999999", token: token, tenant: tenant), .unprocessableContent)
                let last = try await client.json(.get, "\(path)?page=1000000&limit=100", token: token, tenant: tenant)
                #expect(last.status == .ok, "\(path): \(String(buffer: last.body))")
                #expect(try JSONBody(last).items.isEmpty)
            }
            // The service is still there.
            #expect(try await client.json(.get, "/api/v1/users/me", token: nobody).status == .ok)
        }
    }

    @Test("A password containing NUL is 422 wherever a password is set; the prefix before it never logs in", arguments: TestBackend.available)
    func nulInPasswords(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            let nul = "ab" + String(repeating: "\u{0}", count: 6)
            let create = try await client.json(
                .post, "/api/v1/users", token: root, tenant: tenant,
                body: ["email": "nul@example.com", "password": nul, "first_name": "N", "last_name": "U"]
            )
            let change = try await client.json(
                .patch, "/api/v1/users/me", token: root, body: ["password": "long-password\u{0}", "current_password": Admin.password]
            )
            let invitation = try await client.invite("invitee@example.com", role: SystemRoleID.readOnly, in: tenant, token: root)
            let accept = try await client.json(
                .post, "/api/v1/invitations/accept",
                body: ["token": try #require(invitation["token"] as? String), "password": nul, "first_name": "I", "last_name": "P"]
            )

            try expectError(create, .unprocessableContent)
            try expectError(change, .unprocessableContent)
            try expectError(accept, .unprocessableContent)
            try expectError(try await client.json(.post, "/api/v1/auth/token", body: ["username": "nul@example.com", "password": "ab"]), .unauthorized)
            // The password is unchanged, and a NUL appended to the right one does not match either.
            _ = try await client.login()
            try expectError(
                try await client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": Admin.password + "\u{0}x"]),
                .unauthorized
            )
        }
    }

    @Test("Control and invisible formatting characters in emails, names and descriptions are 422", arguments: TestBackend.available)
    func controlCharacters(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            let tricks = ["\u{0}", "\u{7}", "\u{1B}[31m", "\u{85}", "\u{200B}", "\u{202E}", "\u{2066}", "\u{FEFF}", "\u{AD}", "\u{2028}", "\u{E0041}"]
            // In the middle: at either end, the whitespace among them (U+0085, U+2028) is trimmed like spaces.
            for trick in tricks {
                let requests: [(HTTPRequest.Method, String, [String: Any])] = [
                    (.post, "/api/v1/users", ["email": "admina@x.com\(trick)y", "password": "long-password", "first_name": "A", "last_name": "B"]),
                    (.post, "/api/v1/users", ["email": "a\(trick)@x.com", "password": "long-password", "first_name": "A", "last_name": "B"]),
                    (.post, "/api/v1/users", ["email": "c@x.com", "password": "long-password", "first_name": "Ad\(trick)a", "last_name": "B"]),
                    (.post, "/api/v1/users", ["email": "d@x.com", "password": "long-password", "first_name": "Ada", "last_name": "B\(trick)C"]),
                    (.patch, "/api/v1/users/me", ["first_name": "Ro\(trick)ot"]),
                    (.post, "/api/v1/roles", ["name": "Tenant\(trick)Admin"]),
                    (.post, "/api/v1/roles", ["name": "Auditors", "description": "reads\(trick)all"]),
                    (.post, "/api/v1/tenants", ["name": "Ac\(trick)me"]),
                    (.post, "/api/v1/tenants", ["name": "Other", "description": "x\(trick)y"]),
                    (.patch, "/api/v1/tenants/\(tenant)", ["name": "Ac\(trick)me"]),
                    (.post, "/api/v1/api-keys", ["name": "c\(trick)i"]),
                    (.post, "/api/v1/invitations", ["email": "inv\(trick)@x.com", "role_id": SystemRoleID.readOnly]),
                ]
                for (method, path, body) in requests {
                    let response = try await client.json(method, path, token: root, tenant: tenant, body: body)
                    #expect(response.status == .unprocessableContent, "\(method) \(path) \(body): \(String(buffer: response.body))")
                }
            }
            // The examples from the report: a NUL at the end is not trimmed away like whitespace.
            try expectError(try await client.json(.post, "/api/v1/roles", token: root, tenant: tenant, body: ["name": "Tenant Admin\u{0}"]), .unprocessableContent)
            try expectError(try await client.json(.post, "/api/v1/tenants", token: root, body: ["name": "Acme\u{0}"]), .unprocessableContent)
            // Descriptions are prose: line feeds are fine. Names still work with any visible script.
            let described = try await client.json(
                .post, "/api/v1/roles", token: root, tenant: tenant, body: ["name": "Ærø 東京", "description": "Line one\nline two"]
            )
            #expect(described.status == .created)
            #expect(try JSONBody(described)["description"] as? String == "Line one\nline two")
            #expect(try await client.json(.get, "/api/v1/tenants", token: root).status == .ok)
        }
    }

    @Test("Searches with control characters match nobody instead of everyone; longer than 254 is 422", arguments: TestBackend.available)
    func searchWithControlCharacters(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            _ = try await client.createUser("ada@example.com", in: tenant, token: root)
            for search in ["%00", "a%00", "%E2%80%8B", "%1B", "%C2%84"] {
                let response = try await client.json(.get, "/api/v1/users?search=\(search)", token: root, tenant: tenant)
                #expect(response.status == .ok, "search=\(search)")
                #expect(try JSONBody(response)["total"] as? Int == 0, "search=\(search)")
            }
            try expectError(
                try await client.json(.get, "/api/v1/users?search=\(String(repeating: "a", count: 255))", token: root, tenant: tenant),
                .unprocessableContent
            )
            let nobody = try JSONBody(try await client.json(.get, "/api/v1/users?search=zzz", token: root, tenant: tenant))
            #expect(nobody["total"] as? Int == 0)
        }
    }

    @Test("Emails are printable ASCII: a Kelvin sign or a Cyrillic look-alike is 422, so what is stored is what is compared", arguments: TestBackend.available)
    func emailLookAlikes(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            _ = try await client.createUser("kim@example.com", in: tenant, token: root)
            for lookAlike in ["\u{212A}im@example.com", "\u{43A}im@example.com", "kim@ex\u{430}mple.com", "ｋim@example.com"] {
                let response = try await client.json(
                    .post, "/api/v1/users", token: root, tenant: tenant,
                    body: ["email": lookAlike, "password": "long-password", "first_name": "K", "last_name": "S"]
                )
                try expectError(response, .unprocessableContent)
                try expectError(
                    try await client.json(.post, "/api/v1/auth/token", body: ["username": lookAlike, "password": InputBoundsTests.kimPassword]),
                    .unauthorized
                )
            }
            // Case still does not matter, and the spelling given is shown.
            let upper = try await client.json(.post, "/api/v1/auth/token", body: ["username": "KIM@example.com", "password": InputBoundsTests.kimPassword])
            #expect(upper.status == .ok)
        }
    }

    static let kimPassword = "password-kim@example.com"

    @Test("Names are stored composed (NFC): two spellings of one name are one name", arguments: TestBackend.available)
    func composedNames(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let decomposed = try await client.json(.post, "/api/v1/tenants", token: root, body: ["name": "E\u{301}mile"])
            let composed = try await client.json(.post, "/api/v1/tenants", token: root, body: ["name": "\u{C9}mile"])

            #expect(decomposed.status == .created)
            // Compared scalar by scalar: Swift's `==` would call the two spellings equal anyway.
            #expect((try JSONBody(decomposed)["name"] as? String).map { Array($0.unicodeScalars) } == Array("\u{C9}mile".unicodeScalars))
            try expectError(composed, .conflict)
        }
    }

    /// Inserts `count` rows straight into the database (much faster than as many requests), with
    /// timestamps in the engine's own representation.
    static func seed(_ database: TestDatabase, _ count: Int, row: (Int, String) -> String, into table: String, columns: String) async throws {
        let epoch = database.backend == .postgres ? "TIMESTAMPTZ 'epoch'" : "0"
        let future = database.backend == .postgres ? "TIMESTAMPTZ '2999-01-01'" : "32472144000"
        let rows = (0..<count).map { row($0, UUID().uuidString.lowercased()).replacingOccurrences(of: "EPOCH", with: epoch)
            .replacingOccurrences(of: "FUTURE", with: future) }
        try await withClient(database) { client in
            try await execute("INSERT INTO \(table) (\(columns)) VALUES " + rows.joined(separator: ", "), on: client)
        }
    }

    @Test("Descriptions longer than 1000 characters are 422", arguments: TestBackend.available)
    func descriptionLength(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            let long = String(repeating: "d", count: 1001)
            let longest = String(repeating: "d", count: 1000)

            try expectError(try await client.json(.post, "/api/v1/roles", token: root, tenant: tenant, body: ["name": "R", "description": long]), .unprocessableContent)
            try expectError(try await client.json(.post, "/api/v1/tenants", token: root, body: ["name": "T", "description": long]), .unprocessableContent)
            try expectError(try await client.json(.patch, "/api/v1/tenants/\(tenant)", token: root, body: ["description": long]), .unprocessableContent)
            #expect(try await client.json(.post, "/api/v1/roles", token: root, tenant: tenant, body: ["name": "R", "description": longest]).status == .created)
            let role = try await client.createRole("S", permissions: [], in: tenant, token: root)
            try expectError(try await client.json(.patch, "/api/v1/roles/\(role)", token: root, tenant: tenant, body: ["description": long]), .unprocessableContent)
        }
    }

    @Test("A tenant holds at most 1000 custom roles, also when requests race for the last place", arguments: TestBackend.available)
    func customRoleLimit(backend: TestBackend) async throws {
        try await withApp(backend) { client, database in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            try await Self.seed(
                database, 998, row: { index, id in "('\(id)', '\(tenant)', 'Seeded \(index)', 'seeded \(index)', NULL, EPOCH, EPOCH)" },
                into: "roles", columns: "id, tenant_id, name, name_key, description, created_at, updated_at"
            )
            let last = try await client.createRole("Role 999", permissions: [], in: tenant, token: root)

            // 999 roles: of several concurrent creations, exactly one may take the last place.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await client.json(.post, "/api/v1/roles", token: root, tenant: tenant, body: ["name": "Racer \(index)"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 5, "\(statuses)")
            try expectError(try await client.json(.post, "/api/v1/roles", token: root, tenant: tenant, body: ["name": "One more"]), .conflict)
            #expect(try await client.json(.delete, "/api/v1/roles/\(last)", token: root, tenant: tenant).status == .noContent)
            #expect(try await client.json(.post, "/api/v1/roles", token: root, tenant: tenant, body: ["name": "One more"]).status == .created)
            // Another tenant is not affected.
            let other = try await client.createTenant("Other", token: root)
            #expect(try await client.json(.post, "/api/v1/roles", token: root, tenant: other, body: ["name": "One more"]).status == .created)
        }
    }

    @Test("A user holds at most 100 API keys", arguments: TestBackend.available)
    func apiKeyLimit(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            for index in 0..<100 { _ = try await client.createAPIKey("key \(index)", token: root) }

            let refused = try await client.json(.post, "/api/v1/api-keys", token: root, body: ["name": "one too many"])
            try expectError(refused, .conflict)
            let listed = try JSONBody(try await client.json(.get, "/api/v1/api-keys?limit=100", token: root))
            #expect(listed["total"] as? Int == 100)
            let first = try #require(listed.items.first?["id"] as? String)
            #expect(try await client.json(.delete, "/api/v1/api-keys/\(first)", token: root).status == .noContent)
            #expect(try await client.json(.post, "/api/v1/api-keys", token: root, body: ["name": "replacement"]).status == .created)
        }
    }

    @Test("A tenant holds at most 1000 pending invitations", arguments: TestBackend.available)
    func pendingInvitationLimit(backend: TestBackend) async throws {
        try await withApp(backend) { client, database in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            try await Self.seed(
                database, 999,
                row: { index, id in
                    "('\(id)', '\(tenant)', 'seeded\(index)@example.com', '\(SystemRoleID.readOnly)', 'digest-\(id)', EPOCH, FUTURE)"
                },
                into: "invitations", columns: "id, tenant_id, email, role_id, token_hash, created_at, expires_at"
            )
            _ = try await client.invite("last@example.com", role: SystemRoleID.readOnly, in: tenant, token: root)

            let refused = try await client.json(
                .post, "/api/v1/invitations", token: root, tenant: tenant, body: ["email": "late@example.com", "role_id": SystemRoleID.readOnly]
            )
            try expectError(refused, .conflict)
            let pending = try JSONBody(try await client.json(.get, "/api/v1/invitations?status=pending&limit=1", token: root, tenant: tenant))
            #expect(pending["total"] as? Int == 1000)
        }
    }

    @Test("expires_at: impossible dates and times are 422, and a key lives at most ten years", arguments: TestBackend.available)
    func apiKeyExpiry(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            for expiresAt in [
                "\(year + 1)-02-30T00:00:00Z", "\(year + 1)-01-01T24:00:00Z", "\(year + 1)-01-01T23:59:60Z", "\(year + 1)-01-01T23:60:00Z",
                "99999-01-01T00:00:00Z", "\(year + 11)-01-01T00:00:00Z",
            ] {
                let response = try await client.json(.post, "/api/v1/api-keys", token: root, body: ["name": "k", "expires_at": expiresAt])
                try expectError(response, .unprocessableContent)
            }
            let nineYears = "\(year + 9)-06-30T12:00:00.250Z"
            #expect(try await client.json(.post, "/api/v1/api-keys", token: root, body: ["name": "k", "expires_at": nineYears]).status == .created)
        }
    }
}
