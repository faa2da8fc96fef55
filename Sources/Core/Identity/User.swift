import Foundation

/// A person's global account. Membership of tenants is separate (`Membership`).
public struct User: Sendable, Equatable {
    public let id: UserID
    public var email: EmailAddress
    public var firstName: String
    public var lastName: String
    public var passwordHash: String
    /// Global account switch; a disabled account cannot log in anywhere.
    public var isActive: Bool
    public var isSuperuser: Bool
    /// Access tokens issued before this instant are refused (set when the password changes).
    public var tokensValidAfter: Date
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: UserID, email: EmailAddress, firstName: String, lastName: String, passwordHash: String,
        isActive: Bool, isSuperuser: Bool, tokensValidAfter: Date, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.passwordHash = passwordHash
        self.isActive = isActive
        self.isSuperuser = isSuperuser
        self.tokensValidAfter = tokensValidAfter
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension User {
    /// A new ordinary account as a tenant admin or an invitation creates it: active, not a superuser.
    static func newAccount(
        id: UserID, email: EmailAddress, firstName: String, lastName: String, passwordHash: String, at now: Date
    ) -> User {
        User(
            id: id, email: email, firstName: firstName, lastName: lastName, passwordHash: passwordHash, isActive: true,
            isSuperuser: false, tokensValidAfter: Date(timeIntervalSince1970: 0), createdAt: now, updatedAt: now
        )
    }
}
