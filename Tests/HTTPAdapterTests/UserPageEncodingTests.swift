import APIContract
import Core
import Foundation
import NIOCore
import Testing

@testable import HTTPAdapter

/// The hand-written JSON of `GET /users` (`Page<Member>.writeUserPage`) against the generated
/// `Components.Schemas.UserPage` encoded as the OpenAPI runtime encodes responses: the same value,
/// no database, compared as parsed JSON.
@Suite("Hand-encoded user page")
struct UserPageEncodingTests {
    @Test("writeUserPage writes what the generated UserPage type encodes", arguments: [0, 1, 3, 20])
    func sameJSONAsGenerated(members count: Int) throws {
        let names = ["Zoë \"Z\" O'Brien\\", "Renée\ttab", "東京 🚀", "</script>", "", "line\nbreak\u{01}", "Ada"]
        var generator = SystemRandomNumberGenerator()
        let members = (0..<count).map { index in
            Member(
                profile: MemberProfile(
                    id: UserID(UUID()), email: EmailAddress(stored: "user\(index)+tag@Example.com"),
                    firstName: names[index % names.count], lastName: names[(index + 3) % names.count],
                    isSuperuser: index.isMultiple(of: 4)
                ),
                membership: Membership(
                    userID: UserID(UUID()), tenantID: TenantID(UUID()), isActive: !index.isMultiple(of: 3),
                    createdAt: Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &generator)) + 0.75)
                ),
                roleNames: Array(["Tenant Admin", "Read Only User", "Ünïcode role"].prefix(index % 4))
            )
        }
        let page = Page(items: members, total: 1_000 + count, request: try PageRequest(page: 3, limit: 20))

        var json = JSONWriter(capacity: 0)
        page.writeUserPage(to: &json)
        let handWritten = try JSONSerialization.jsonObject(with: Data(json.buffer.readableBytesView)) as? NSDictionary

        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339DateTranscoder().encode(date))
        }
        let generated = try JSONSerialization.jsonObject(with: encoder.encode(Components.Schemas.UserPage(page))) as? NSDictionary

        #expect(handWritten != nil)
        #expect(handWritten == generated, "\(String(buffer: json.buffer))")
    }
}

@Suite("Duplicate JSON keys")
struct DuplicateKeyScannerTests {
    @Test("A key repeated within one object is found, at any depth and however it is escaped", arguments: [
        (#"{"a": 1, "a": 2}"#, "a"),
        (#"{"name": "x", "description": "y", "name": "z"}"#, "name"),
        (#"{"outer": {"b": 1, "b": 1}}"#, "b"),
        (#"[{"ok": 1}, {"c": [1, {"d": 1, "d": 2}]}]"#, "d"),
        (#"{"\u0061": 1, "a": 2}"#, "a"),
        (#"{"e\"q": 1, "e\"q": 2}"#, "e\"q"),
        (#"{"é": 1, "\u00e9": 2}"#, "é"),
    ])
    func duplicates(json: String, key: String) {
        #expect(DuplicateKeyScanner.firstDuplicateKey(in: Array(json.utf8)) == key)
    }

    @Test("The same key in different objects, keys equal to values, and strings with braces are fine", arguments: [
        #"{"a": 1, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]}"#,
        #"{"a": "a", "b": "a"}"#,
        #"{"a": "{\"a\": 1, \"a\": 2}", "b": "}, \"a\": ["}"#,
        #"{"A": 1, "a": 2}"#,
        "[]", "{}", "\"just a string\"", "12", #"{"a": "#, #"{"a"}"#, "",
    ])
    func noDuplicates(json: String) {
        #expect(DuplicateKeyScanner.firstDuplicateKey(in: Array(json.utf8)) == nil)
    }

    @Test("A member whose value is null is found; null in an array or inside a string is not", arguments: [
        (#"{"name": null}"#, "name"), (#"{"a": 1, "email" :  null }"#, "email"), (#"{"o": {"name":null}}"#, "name"), (#"{"not_ours": null}"#, nil),
        (#"{"list": [null], "s": "null", "t": ": null"}"#, nil), (#"[null, {"k": [1, null]}]"#, nil),
    ] as [(String, String?)])
    func nullMembers(json: String, key: String?) {
        let finding = DuplicateKeyScanner.firstFinding(in: Array(json.utf8))
        #expect(finding == key.map { .nullMember($0) })
    }
}
