import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("Member search")
struct SearchTests {
    /// Percent-encodes everything but ASCII letters and digits.
    static func query(_ term: String) -> String {
        term.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))!
    }

    static func emails(_ response: TestResponse) throws -> [String] {
        try JSONBody(response).items.compactMap { $0["email"] as? String }
    }

    @Test("Search is case-insensitive beyond ASCII, with the same results on both engines", arguments: TestBackend.available)
    func nonASCIISearch(backend: TestBackend) async throws {
        try await withApp(backend) { client, _ in
            let (root, tenant) = try await client.loginWithTenant("Acme")
            let people = [
                ("emile@example.com", "Émile", "Zola"), ("ada@example.com", "Ada", "ÖZTÜRK"), ("olga@example.com", "Ольга", "Смирнова"),
                ("decomposed@example.com", "E\u{301}lodie", "Ång"),
            ]
            for (email, first, last) in people {
                let response = try await client.json(
                    .post, "/api/v1/users", token: root, tenant: tenant,
                    body: ["email": email, "password": "long-password", "first_name": first, "last_name": last]
                )
                #expect(response.status == .created)
            }
            let cases: [(String, [String])] = [
                ("émile", ["emile@example.com"]), ("ÉMILE", ["emile@example.com"]), ("öztürk", ["ada@example.com"]),
                ("ОЛЬГА", ["olga@example.com"]), ("смирн", ["olga@example.com"]),
                // The decomposed spelling was stored composed, and the term is composed too.
                ("élodie", ["decomposed@example.com"]), ("E\u{301}LODIE", ["decomposed@example.com"]), ("ång", ["decomposed@example.com"]),
                ("EXAMPLE.COM", people.map(\.0)), ("zola", ["emile@example.com"]), ("nobody", []),
            ]
            for (term, expected) in cases {
                let response = try await client.json(.get, "/api/v1/users?search=\(Self.query(term))&limit=100", token: root, tenant: tenant)
                #expect(Set(try Self.emails(response)) == Set(expected), "\(term)")
            }
            // A rename moves the search with it.
            let olga = try #require(try JSONBody(try await client.json(.get, "/api/v1/users?search=olga", token: root, tenant: tenant)).items.first?["id"] as? String)
            _ = try await client.json(.patch, "/api/v1/users/\(olga)", token: root, tenant: tenant, body: ["last_name": "Ïvanova"])
            let renamed = try await client.json(.get, "/api/v1/users?search=\(Self.query("ÏVANOVA"))", token: root, tenant: tenant)
            let oldName = try await client.json(.get, "/api/v1/users?search=\(Self.query("смирн"))", token: root, tenant: tenant)
            #expect(try Self.emails(renamed) == ["olga@example.com"])
            #expect(try Self.emails(oldName).isEmpty)
        }
    }
}
