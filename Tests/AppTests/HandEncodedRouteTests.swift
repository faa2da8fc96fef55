import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

/// The hand-encoded handlers (`APIHandlers.handEncodedRoutes`) must answer exactly like the handlers
/// generated from openapi.yaml: two applications on one database, one with each, get the same requests.
@Suite("Hand-encoded routes")
struct HandEncodedRouteTests {
    @Test("GET /users answers like the generated handler: pages, searches, escapes, errors", arguments: TestBackend.available)
    func listUsers(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            let handEncoded = try await buildTestApplication(database: database)
            let generated = try await buildTestApplication(database: database, handEncodedRoutes: false)
            try await handEncoded.test(.router) { fast in
                let root = try await fast.login()
                let tenant = try await fast.createTenant("Escapes", token: root)
                let other = try await fast.createTenant("Other", token: root)
                let names = ["Zoë \"Z\" O'Brien\\", "Renée tab", "東京 🚀", "</script>", "Ada", "Lovelace"]
                for (index, name) in names.enumerated() {
                    let email = "user\(index)@example.com"
                    let response = try await fast.json(
                        .post, "/api/v1/users", token: root, tenant: tenant,
                        body: [
                            "email": email, "password": "password-\(email)", "first_name": name,
                            "last_name": "Last \(index)",
                            "role_ids": index.isMultiple(of: 2) ? [SystemRoleID.readOnly, SystemRoleID.vmOperator] : [],
                        ]
                    )
                    #expect(response.status == .created)
                }

                try await generated.test(.router) { reference in
                    let queries = [
                        "", "?limit=2", "?limit=2&page=2", "?page=2&page=3&limit=1", "?limit=100", "?page=99",
                        "?search=ada", "?search=REN%C3%A9E", "?search=o%27brien", "?search=%5C", "?search=+Last+1",
                        "?search=", "?search=nobody", "?limit=0", "?page=0", "?page=9223372036854775807", "?page=1000001", "?limit=101", "?limit=abc", "?limit=",
                        "?limit=-1",
                    ]
                    for query in queries {
                        try await expectSameAnswer(fast, reference, "/api/v1/users" + query, token: root, tenant: tenant)
                    }
                    try await expectSameAnswer(fast, reference, "/api/v1/users", token: root, tenant: tenant, accept: "text/plain")
                    try await expectSameAnswer(fast, reference, "/api/v1/users", token: root, tenant: tenant, accept: "application/*;q=0.1")
                    try await expectSameAnswer(fast, reference, "/api/v1/users", token: nil, tenant: tenant)
                    try await expectSameAnswer(fast, reference, "/api/v1/users", token: "not-a-token", tenant: tenant)
                    try await expectSameAnswer(fast, reference, "/api/v1/users", token: root, tenant: "not-a-uuid")
                    try await expectSameAnswer(fast, reference, "/api/v1/users", token: root, tenant: other)

                    let member = try await fast.loginAs("user1@example.com")  // no roles: no user:read
                    try await expectSameAnswer(fast, reference, "/api/v1/users", token: member, tenant: tenant)
                }
            }
        }
    }

    private func expectSameAnswer(
        _ fast: some TestClientProtocol, _ reference: some TestClientProtocol, _ path: String, token: String?, tenant: String,
        accept: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var headers = HTTPFields()
        if let accept { headers[.accept] = accept }
        let expected = try await reference.json(.get, path, token: token, tenant: tenant, headers: headers)
        let actual = try await fast.json(.get, path, token: token, tenant: tenant, headers: headers)
        #expect(actual.status == expected.status, "\(path): \(String(buffer: actual.body))", sourceLocation: sourceLocation)
        if expected.status == .ok {
            #expect(actual.headers[.contentType] == expected.headers[.contentType], sourceLocation: sourceLocation)
            let same = try JSONBody(actual).value as? NSDictionary == JSONBody(expected).value as? NSDictionary
            #expect(same, "\(path):\n\(String(buffer: actual.body))\n\(String(buffer: expected.body))", sourceLocation: sourceLocation)
        } else {
            try expectError(actual, actual.status, sourceLocation: sourceLocation)
        }
    }
}
