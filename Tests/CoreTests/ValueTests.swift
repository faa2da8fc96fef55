import Core
import Foundation
import Testing

@Suite("Value types")
struct ValueTests {
    @Test(arguments: ["a@b.co", "First.Last+tag@example.com", "  spaced@example.org  "])
    func validEmails(raw: String) throws {
        let email = try EmailAddress(raw)
        #expect(email.key == email.value.lowercased())
        #expect(!email.value.hasPrefix(" "))
    }

    @Test(arguments: [
        "", "plain", "@example.com", "a@", "a@b", "a@.com", "a b@example.com", "a@@example.com", "a@example..com",
        "\u{212A}im@example.com", "k\u{0}@example.com", "a@ex\u{430}mple.com", "\u{200B}a@example.com", "émile@example.com",
    ])
    func invalidEmails(raw: String) {
        #expect((#expect(throws: DomainError.self) { try EmailAddress(raw) })?.code == .invalid)
    }

    @Test func passwordsWithNULAreRefused() {
        #expect(throws: DomainError.invalid("password must not contain NUL characters")) {
            try PasswordPolicy.validate("ab" + String(repeating: "\u{0}", count: 6))
        }
        #expect(throws: Never.self) { try PasswordPolicy.validate("tab\tis fine") }
    }

    @Test(arguments: ["\u{0}", "\u{7F}", "\u{9F}", "\u{200B}", "\u{200D}", "\u{202E}", "\u{2028}", "\u{FEFF}", "\u{E0001}", "\n", "\t"])
    func invisibleCharactersAreForbidden(text: String) {
        #expect(TextRules.containsForbidden("a" + text + "b"))
    }

    @Test(arguments: ["Ada", "Émile", "東京 🚀", "Zoë \"Z\" O'Brien", "a\u{A0}b", "Ольга"])
    func visibleTextIsAllowed(text: String) {
        #expect(!TextRules.containsForbidden(text))
    }

    @Test func lineFeedsOnlyWhereAllowed() {
        #expect(!TextRules.containsForbidden("one\ntwo", allowingLineFeeds: true))
        #expect(TextRules.containsForbidden("one\r\ntwo", allowingLineFeeds: true))
    }

    @Test func emailsCompareCaseInsensitively() throws {
        #expect(try EmailAddress("Ada@Example.COM") == EmailAddress("ada@example.com"))
    }

    @Test(arguments: [(nil, nil, 1, 20), (3, 100, 3, 100), (1, 1, 1, 1), (1_000_000, 100, 1_000_000, 100)] as [(Int?, Int?, Int, Int)])
    func pageBounds(page: Int?, limit: Int?, expectedPage: Int, expectedLimit: Int) throws {
        let request = try PageRequest(page: page, limit: limit)
        #expect(request.page == expectedPage && request.limit == expectedLimit)
        #expect(request.offset == (expectedPage - 1) * expectedLimit)
    }

    @Test(arguments: [(0, 20), (1, 0), (1, 101), (-1, 5), (1_000_001, 100), (Int.max, 100), (Int.max, 1), (Int.min, 20)] as [(Int, Int)])
    func pageOutOfBounds(page: Int, limit: Int) {
        #expect((#expect(throws: DomainError.self) { try PageRequest(page: page, limit: limit) })?.code == .invalid)
    }

    @Test func idsRoundTripLikeFoundation() throws {
        for _ in 0..<1_000 {
            let uuid = UUID()
            let id = try #require(UserID(uuid.uuidString))
            #expect(id.uuid == uuid)
            #expect(id.description == uuid.uuidString.lowercased())
            #expect(UserID(id.description) == id)
        }
    }

    @Test(arguments: [
        "", "not-a-uuid", "6f1c3b2a-0d4e-4f5a-9b8c-7d6e5f4a3b2", "6f1c3b2a-0d4e-4f5a-9b8c-7d6e5f4a3b2c0",
        "6f1c3b2a0d4e-4f5a-9b8c-7d6e5f4a3b2c0", "6f1c3b2a-0d4e-4f5a-9b8c_7d6e5f4a3b2c", "6f1c3b2g-0d4e-4f5a-9b8c-7d6e5f4a3b2c",
        "6f1c3b2-a0d4e-4f5a-9b8c-7d6e5f4a3b2c",
        // Foundation's sscanf-based parser takes this one, reading the last byte from a single digit.
        " 6f1c3b2a-0d4e-4f5a-9b8c-7d6e5f4a3b2",
    ])
    func malformedIDs(raw: String) {
        #expect(UserID(raw) == nil)
    }

    @Test func passwordPolicy() throws {
        try PasswordPolicy.validate("long enough")
        #expect(throws: DomainError.self) { try PasswordPolicy.validate("short") }
        #expect(throws: DomainError.self) { try PasswordPolicy.validate(String(repeating: "x", count: 73)) }
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equal("abc", "abc"))
        #expect(!ConstantTime.equal("abc", "abd"))
        #expect(!ConstantTime.equal("abc", "abcd"))
        #expect(ConstantTime.equal("", ""))
    }

    @Test func invitationStatusFollowsWhatHappenedBeforeTheClock() {
        let created = Date(timeIntervalSince1970: 1_000)
        var invitation = Invitation(
            id: InvitationID(UUID()), tenantID: TenantID(UUID()), email: try! EmailAddress("a@example.com"),
            roleID: SystemRole.readOnlyUser, invitedBy: nil, createdAt: created, expiresAt: created.addingTimeInterval(60)
        )
        #expect(invitation.status(at: created) == .pending)
        #expect(invitation.status(at: created.addingTimeInterval(60)) == .expired)
        invitation.revokedAt = created
        #expect(invitation.status(at: created.addingTimeInterval(60)) == .revoked)
        invitation.revokedAt = nil
        invitation.acceptedAt = created
        #expect(invitation.status(at: created.addingTimeInterval(3600)) == .accepted)
    }
}
