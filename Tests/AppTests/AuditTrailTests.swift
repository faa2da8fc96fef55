import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import SQLPersistence
import SecurityAdapters
import TestSupport
import Testing

/// The audit trail from outside: what is recorded for each kind of change and login, who may read
/// which events, that no secret is kept, and that `virtualstack audit verify` catches tampering.
@Suite("Audit trail")
struct AuditTrailTests {
    /// Seals every 20 ms, so that tests need not wait long for the chain.
    static let settings = ["audit.seal.interval.ms": "20"]

    static func events(
        _ client: some TestClientProtocol, token: String, tenant: String? = nil, query: String = ""
    ) async throws -> [[String: Any]] {
        let response = try await client.json(.get, "/api/v1/audit-events?limit=100\(query)", token: token, tenant: tenant)
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try #require(JSONBody(response)["items"] as? [[String: Any]])
    }

    static func operations(_ events: [[String: Any]]) -> [String] {
        events.compactMap { $0["operation"] as? String }
    }

    @Test("Changes, logins and the system's own changes are recorded with who, where and how they ended", arguments: TestBackend.available)
    func whatIsRecorded(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings, mode: .live) { client, _ in
            try expectError(try await client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": "wrong"]), .unauthorized)
            try expectError(
                try await client.json(.post, "/api/v1/auth/token", body: ["username": "nobody@example.com", "password": "wrong"]), .unauthorized
            )
            let root = try await client.login()
            let created = try await client.json(.post, "/api/v1/tenants", token: root, body: ["name": "Audited"])
            let tenant = try #require(JSONBody(created)["id"] as? String)
            let requestID = try #require(created.headers[.xRequestID])
            _ = try await client.createUser("someone@example.com", in: tenant, token: root)
            _ = try await client.createRole("Auditors", permissions: ["audit:read"], in: tenant, token: root)
            let vm = try await client.createVM("app", in: tenant, token: root)
            try await client.waitForVM(vm, status: "RUNNING", in: tenant, token: root)
            _ = try await client.act("stop", on: vm, in: tenant, token: root)
            try await client.waitForVM(vm, status: "STOPPED", in: tenant, token: root)
            _ = try await client.json(.delete, "/api/v1/vms/\(vm)", token: root, tenant: tenant)

            let all = try await Self.events(client, token: root)
            let operations = Self.operations(all)
            for expected in [
                "auth.login", "tenant.create", "user.create", "role.create", "vm.create", "vm.job.create", "vm.stop", "vm.job.stop", "vm.delete",
            ] {
                #expect(operations.contains(expected), "\(expected) missing from \(operations)")
            }
            let logins = all.filter { $0["operation"] as? String == "auth.login" }
            #expect(logins.filter { $0["outcome"] as? String == "failure" }.count == 2)
            #expect(logins.contains { $0["outcome"] as? String == "success" })
            #expect(logins.contains { $0["outcome"] as? String == "failure" && $0["actor_id"] is NSNull }, "an unknown email names nobody")
            #expect(!logins.contains { ($0["details"] as? [String: Any])?.isEmpty == false })

            let tenantEvent = try #require(all.first { $0["operation"] as? String == "tenant.create" })
            #expect(tenantEvent["request_id"] as? String == requestID)
            #expect(tenantEvent["client_address"] as? String == "127.0.0.1")
            #expect(tenantEvent["actor_type"] as? String == "user")
            #expect(tenantEvent["tenant_id"] as? String == tenant)
            #expect(tenantEvent["target_id"] as? String == tenant)
            #expect(tenantEvent["outcome"] as? String == "success")
            let job = try #require(all.first { $0["operation"] as? String == "vm.job.create" })
            #expect(job["actor_type"] as? String == "system" && job["actor_id"] is NSNull && job["request_id"] is NSNull)
            #expect(job["tenant_id"] as? String == tenant && job["target_id"] as? String == vm)

            let dates = all.compactMap { $0["occurred_at"] as? String }
            #expect(dates == dates.sorted(by: >), "newest first")
        }
    }

    @Test("Every kind of change through the API leaves its event, in the tenant it belongs to", arguments: TestBackend.available)
    func everyKindOfChange(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, _ in
            let root = try await client.login()
            func call(_ method: HTTPRequest.Method, _ path: String, tenant: String? = nil, body: Any? = nil) async throws -> JSONBody? {
                let response = try await client.json(method, "/api/v1\(path)", token: root, tenant: tenant, body: body)
                #expect(response.status.kind == .successful, "\(method) \(path): \(String(buffer: response.body))")
                return response.body.readableBytes > 0 ? try JSONBody(response) : nil
            }
            let tenant = try await client.createTenant("Everything", token: root)
            _ = try await call(.patch, "/tenants/\(tenant)", body: ["description": "all kinds"])
            let limits: [String: Any] = ["vms": 5, "vcpus": NSNull(), "memory_gb": NSNull(), "disk_gb": NSNull()]
            _ = try await call(.put, "/tenants/\(tenant)/quota", body: limits)
            let user = try await client.createUser("kinds@example.com", in: tenant, token: root)
            _ = try await call(.patch, "/users/\(user)", tenant: tenant, body: ["first_name": "Kind"])
            let role = try await client.createRole("Kinds", permissions: ["vm:read"], in: tenant, token: root)
            _ = try await call(.patch, "/roles/\(role)", tenant: tenant, body: ["description": "changed"])
            _ = try await call(.post, "/users/\(user)/roles", tenant: tenant, body: ["role_id": role])
            _ = try await call(.delete, "/users/\(user)/roles/\(role)", tenant: tenant)
            _ = try await call(.put, "/roles/\(role)/users", tenant: tenant, body: ["user_ids": [user]])
            _ = try await call(.put, "/roles/\(role)/users", tenant: tenant, body: ["user_ids": [String]()])
            _ = try await call(.delete, "/roles/\(role)", tenant: tenant)
            _ = try await call(.delete, "/users/\(user)", tenant: tenant)
            let revoked = try #require(try await call(.post, "/invitations", tenant: tenant, body: ["email": "a@example.com", "role_id": SystemRoleID.readOnly])?["id"] as? String)
            _ = try await call(.delete, "/invitations/\(revoked)", tenant: tenant)
            let token = try #require(try await call(.post, "/invitations", tenant: tenant, body: ["email": "b@example.com", "role_id": SystemRoleID.readOnly])?["token"] as? String)
            let accepted = try await client.json(
                .post, "/api/v1/invitations/accept", body: ["token": token, "password": "b-password-1", "first_name": "B", "last_name": "B"]
            )
            #expect(accepted.status.kind == .successful, "\(String(buffer: accepted.body))")
            let key = try #require(try await call(.post, "/api-keys", body: ["name": "kinds"])?["id"] as? String)
            _ = try await call(.delete, "/api-keys/\(key)")
            let template = try #require(
                try await call(.post, "/vm-templates", body: ["name": "Kinds", "cpu": 1, "memory_gb": 1, "disk_gb": 1, "images": [String: String]()])?["id"] as? String
            )
            _ = try await call(.delete, "/vm-templates/\(template)")
            let host = try #require(try await call(.post, "/hosts", body: ["name": "kinds", "driver": "simulated", "uri": "simulated://kinds"])?["id"] as? String)
            _ = try await call(.patch, "/hosts/\(host)", body: ["enabled": false])
            _ = try await call(.delete, "/hosts/\(host)")
            let vm = try await client.createVM("kinds", in: tenant, token: root)
            try await client.waitForVM(vm, status: "RUNNING", in: tenant, token: root)
            _ = try await call(.patch, "/vms/\(vm)", tenant: tenant, body: ["name": "kinds-2"])
            _ = try await call(.post, "/vms/\(vm)/actions", tenant: tenant, body: ["action": "restart"])
            try await client.waitForVM(vm, status: "RUNNING", in: tenant, token: root)
            _ = try await call(.delete, "/vms/\(vm)", tenant: tenant)
            try await client.waitForHostsEmpty(rootToken: root)
            _ = try await call(.patch, "/users/me", body: ["first_name": "Root"])
            let other = try await client.createTenant("Short-lived", token: root)
            _ = try await call(.delete, "/tenants/\(other)")

            let response = try JSONBody(try await client.json(.get, "/api/v1/audit-events?limit=100", token: root))
            let events = try #require(response["items"] as? [[String: Any]])
            var byOperation: [String: [[String: Any]]] = [:]
            for event in events { byOperation[event["operation"] as? String ?? "", default: []].append(event) }
            let inTenant = [
                "tenant.create", "tenant.update", "quota.update", "user.create", "user.update", "role.create", "role.update",
                "user.role.assign", "user.role.unassign", "role.holders.set", "role.delete", "user.remove", "invitation.create",
                "invitation.revoke", "invitation.accept", "vm.create", "vm.job.create", "vm.rename", "vm.restart", "vm.job.restart",
                "vm.delete", "vm.job.delete",
            ]
            for operation in inTenant {
                #expect(byOperation[operation]?.contains { $0["tenant_id"] as? String == tenant } == true, "\(operation) in the tenant")
            }
            for operation in [
                "api_key.create", "api_key.revoke", "template.create", "template.delete", "host.create", "host.update", "host.delete",
                "user.profile.update", "auth.login",
            ] {
                #expect(byOperation[operation]?.contains { $0["tenant_id"] is NSNull } == true, "\(operation) outside tenants")
            }
            #expect(byOperation["tenant.delete"]?.contains { $0["target_id"] as? String == other } == true)
        }
    }

    @Test("A tenant reads its own events only; audit:read is needed; superusers read all and filter", arguments: TestBackend.available)
    func isolation(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, _ in
            let f = try await TwoTenants(client)
            let vmB = try await client.createVM("b-vm", in: f.tenantB, token: f.tokenB)
            _ = try await client.createVM("a-vm", in: f.tenantA, token: f.tokenA)

            let seenByA = try await Self.events(client, token: f.tokenA, tenant: f.tenantA)
            #expect(!seenByA.isEmpty)
            #expect(seenByA.allSatisfy { $0["tenant_id"] as? String == f.tenantA })
            #expect(try await Self.events(client, token: f.tokenA, tenant: f.tenantA, query: "&target_id=\(vmB)").isEmpty)
            try expectError(try await client.json(.get, "/api/v1/audit-events", token: f.tokenA, tenant: f.tenantB), .forbidden)
            try expectError(try await client.json(.get, "/api/v1/audit-events?tenant_id=\(f.tenantB)", token: f.tokenA, tenant: f.tenantA), .forbidden)

            _ = try await client.createUser("auditor@example.com", in: f.tenantA, roles: [f.roleA], token: f.rootToken)
            let withoutPermission = try await client.loginAs("auditor@example.com")
            try expectError(try await client.json(.get, "/api/v1/audit-events", token: withoutPermission, tenant: f.tenantA), .forbidden)
            try expectError(try await client.json(.get, "/api/v1/audit-events"), .unauthorized)

            let everything = try await Self.events(client, token: f.rootToken)
            #expect(Set(everything.compactMap { $0["tenant_id"] as? String }).isSuperset(of: [f.tenantA, f.tenantB]))
            #expect(everything.contains { $0["tenant_id"] is NSNull }, "logins belong to no tenant")
            let onlyB = try await Self.events(client, token: f.rootToken, query: "&tenant_id=\(f.tenantB)")
            #expect(!onlyB.isEmpty && onlyB.allSatisfy { $0["tenant_id"] as? String == f.tenantB })
        }
    }

    @Test("Filters, pages and bad input", arguments: TestBackend.available)
    func filtersAndInput(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, _ in
            let root = try await client.login()
            let before = Date().addingTimeInterval(-1)
            let tenant = try await client.createTenant("Filtered", token: root)
            for index in 0..<3 { _ = try await client.createRole("Role \(index)", permissions: [], in: tenant, token: root) }
            let roles = try await Self.events(client, token: root, query: "&operation=role.create")
            #expect(roles.count == 3)
            let actor = try #require(roles.first?["actor_id"] as? String)
            #expect(try await Self.events(client, token: root, query: "&actor_id=\(actor)&operation=role.create").count == 3)
            let since = ISO8601DateFormatter().string(from: before)
            #expect(try await Self.events(client, token: root, query: "&operation=role.create&since=\(since)").count == 3)
            #expect(try await Self.events(client, token: root, query: "&operation=role.create&until=\(since)").isEmpty)
            let page = try JSONBody(try await client.json(.get, "/api/v1/audit-events?operation=role.create&limit=2&page=2", token: root))
            #expect(page["total"] as? Int == 3 && (page["items"] as? [Any])?.count == 1 && page["page"] as? Int == 2)

            let now = ISO8601DateFormatter().string(from: Date())
            #expect(try await Self.events(client, token: root, query: "&since=\(now)&until=\(since)").isEmpty)
            for bad in ["tenant_id=nope", "limit=0", "limit=101", "page=0", "operation=\(String(repeating: "x", count: 256))"] {
                try expectError(try await client.json(.get, "/api/v1/audit-events?\(bad)", token: root), .unprocessableContent)
            }
            for bad in ["since=yesterday", "until=2026-13-01T00:00:00Z"] {
                let response = try await client.json(.get, "/api/v1/audit-events?\(bad)", token: root)
                #expect([.badRequest, .unprocessableContent].contains(response.status), "\(bad)")
                try expectError(response, response.status)
            }
        }
    }

    @Test("No secret is ever kept in an event; a refused change leaves no event", arguments: TestBackend.available)
    func noSecrets(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, database in
            let root = try await client.login()
            let tenant = try await client.createTenant("Secretive", token: root)
            let password = "Member-Password-4711"
            _ = try await client.json(
                .post, "/api/v1/users", token: root, tenant: tenant,
                body: ["email": "member@example.com", "password": password, "first_name": "M", "last_name": "M"]
            )
            let key = try #require(JSONBody(try await client.json(.post, "/api/v1/api-keys", token: root, body: ["name": "ci"]))["key"] as? String)
            let invitation = try JSONBody(
                try await client.json(
                    .post, "/api/v1/invitations", token: root, tenant: tenant,
                    body: ["email": "invited@example.com", "role_id": SystemRoleID.readOnly]
                )
            )
            let token = try #require(invitation["token"] as? String)
            let newPassword = "Root-New-Password-0815"
            _ = try await client.json(
                .patch, "/api/v1/users/me", token: root, body: ["password": newPassword, "current_password": Admin.password]
            )
            _ = try await client.json(.post, "/api/v1/auth/token", body: ["username": Admin.email, "password": "typed-by-mistake-\(password)"])

            // The password change revoked the old token.
            let renewed = try await client.login(Admin.email, newPassword)
            let before = try await withClient(database) { try await $0.sql.raw("SELECT COUNT(*) AS n FROM audit_events").first()?.decode(column: "n", as: Int.self) }
            try expectError(try await client.json(.post, "/api/v1/tenants", token: renewed, body: ["name": "Secretive"]), .conflict)
            try expectError(try await client.json(.delete, "/api/v1/roles/\(SystemRoleID.readOnly)", token: renewed, tenant: tenant), .conflict)
            let after = try await withClient(database) { try await $0.sql.raw("SELECT COUNT(*) AS n FROM audit_events").first()?.decode(column: "n", as: Int.self) }
            #expect(before == after, "refused changes recorded nothing")

            let rows = try await withClient(database) { client in
                try await client.sql.raw("SELECT * FROM audit_events").all().map { row in
                    try row.allColumns.map { column in (try? row.decode(column: column, as: String?.self)) ?? nil }.compactMap { $0 }.joined(separator: "|")
                }
            }
            #expect(rows.count > 5)
            for secret in [password, key, token, newPassword, Admin.password, "typed-by-mistake"] {
                #expect(!rows.contains { $0.contains(secret) }, "a secret in an event")
            }
        }
    }

    /// Runs `virtualstack audit verify` on the database: its exit status and what it printed.
    static func verify(_ database: TestDatabase) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = try LiveServerTests.binary
        process.arguments = ["audit", "verify"]
        process.environment = ["PATH": "/usr/bin:/bin", "VIRTUALSTACK_DATABASE_URL": database.url, "VIRTUALSTACK_LOG_LEVEL": "error"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func waitUntilSealed(_ database: TestDatabase) async throws {
        for _ in 0..<250 {
            let unsealed = try await withClient(database) {
                try await $0.sql.raw("SELECT COUNT(*) AS n FROM audit_events WHERE position IS NULL").first()?.decode(column: "n", as: Int.self)
            }
            if unsealed == 0 { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("events were not sealed")
    }

    @Test("audit verify passes an intact chain and names the first event changed or removed", arguments: TestBackend.available)
    func verifyCatchesTampering(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, database in
            let root = try await client.login()
            let tenant = try await client.createTenant("Chained", token: root)
            for index in 0..<4 { _ = try await client.createRole("Role \(index)", permissions: [], in: tenant, token: root) }
            try await Self.waitUntilSealed(database)
            let (intact, report) = try await Self.verify(database)
            #expect(intact == 0, "\(report)")
            #expect(report.contains("intact"), "\(report)")

            func run(_ statement: String) async throws {
                try await withClient(database) { try await execute(statement, on: $0) }
            }
            try await run("UPDATE audit_events SET outcome = 'failure' WHERE position = 3")
            let (edited, editReport) = try await Self.verify(database)
            #expect(edited == 1 && editReport.contains("position 3") && editReport.contains("changed"), "\(editReport)")
            try await run("UPDATE audit_events SET outcome = 'success' WHERE position = 3")
            #expect(try await Self.verify(database).0 == 0, "restored")

            try await run("DELETE FROM audit_events WHERE position = 2")
            let (removed, removeReport) = try await Self.verify(database)
            #expect(removed == 1 && removeReport.contains("position 2") && removeReport.contains("removed"), "\(removeReport)")
        }
    }

    @Test("The newest events removed are caught too", arguments: TestBackend.available)
    func verifyCatchesTruncation(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, database in
            let root = try await client.login()
            _ = try await client.createTenant("Truncated", token: root)
            try await Self.waitUntilSealed(database)
            try await withClient(database) { try await execute("DELETE FROM audit_events WHERE position = (SELECT MAX(position) FROM audit_events)", on: $0) }
            let (status, report) = try await Self.verify(database)
            #expect(status == 1 && report.contains("removed"), "\(report)")
        }
    }

    @Test("Retention drops a sealed segment behind a checkpoint, and the chain still verifies", arguments: TestBackend.available)
    func retention(backend: TestBackend) async throws {
        try await withApp(backend, settings: Self.settings) { client, database in
            let root = try await client.login()
            let tenant = try await client.createTenant("Retained", token: root)
            for index in 0..<3 { _ = try await client.createRole("Old \(index)", permissions: [], in: tenant, token: root) }
            try await Self.waitUntilSealed(database)
            let dropped = try await withClient(database) { client in
                let later = CoreEnvironment(now: { Date().addingTimeInterval(2 * 86_400) }, newUUID: UUID.init)
                return try await AuditTrail(store: SQLAuditTrail(client: client), digests: SHA256SecretTokens(), environment: later, retention: 86_400)
                    .applyRetention()
            }
            #expect(dropped >= 5)
            #expect(try await Self.events(client, token: root, query: "&operation=role.create").isEmpty)
            _ = try await client.createRole("New", permissions: [], in: tenant, token: root)
            try await Self.waitUntilSealed(database)
            let (status, report) = try await Self.verify(database)
            #expect(status == 0 && report.contains("intact"), "\(report)")
            #expect(try await Self.events(client, token: root, query: "&operation=role.create").count == 1)
        }
    }

    @Test("Sealers in two processes and concurrent appenders make one unbroken chain", arguments: TestBackend.available)
    func concurrentSealing(backend: TestBackend) async throws {
        try await withApp(backend, settings: ["audit.seal.interval.ms": "3600000"]) { _, database in
            let environment = CoreEnvironment.live
            try await withClient(database) { first in
                try await withClient(database) { second in
                    let trails = [first, second].map {
                        AuditTrail(store: SQLAuditTrail(client: $0), digests: SHA256SecretTokens(), environment: environment)
                    }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for writer in 0..<4 {
                            group.addTask {
                                let log = SQLAuditTrail(client: writer.isMultiple(of: 2) ? first : second)
                                for index in 0..<50 {
                                    let event = AuditEvent(
                                        id: environment.newID(), occurredAt: Date(), tenantID: nil, actor: .system, operation: "test.append",
                                        targetType: "test", targetID: "\(writer)-\(index)", outcome: .success, requestID: nil, clientAddress: nil
                                    )
                                    try await log.appendAuditEvents([event])
                                }
                            }
                        }
                        for trail in trails {
                            group.addTask {
                                for _ in 0..<20 {
                                    try await trail.seal()
                                    try await Task.sleep(for: .milliseconds(5))
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    try await trails[0].seal()
                    let verification = try await trails[1].verify()
                    guard case .intact(let sealed, let through, let unsealed) = verification else {
                        Issue.record("chain broken: \(verification)")
                        return
                    }
                    #expect(unsealed == 0)
                    #expect(sealed == through && sealed >= 200)
                }
            }
        }
    }
}
