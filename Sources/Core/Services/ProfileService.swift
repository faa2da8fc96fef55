import Foundation

/// What users change about their own account.
public struct ProfileService: Sendable {
    let store: any IdentityStore
    let hasher: any PasswordHasher
    let environment: CoreEnvironment

    public init(store: any IdentityStore, hasher: any PasswordHasher, environment: CoreEnvironment) {
        self.store = store
        self.hasher = hasher
        self.environment = environment
    }

    public struct Changes: Sendable {
        public var firstName: String?
        public var lastName: String?
        public var newPassword: String?
        public var currentPassword: String?

        public init(firstName: String? = nil, lastName: String? = nil, newPassword: String? = nil, currentPassword: String? = nil) {
            self.firstName = firstName
            self.lastName = lastName
            self.newPassword = newPassword
            self.currentPassword = currentPassword
        }
    }

    /// Changes names and/or password. A new password needs the current one, and revokes every access
    /// token issued before the change (the caller logs in again). An API key may change the names but
    /// never the password (the password is what controls the keys).
    public func update(_ principal: Principal, _ changes: Changes) async throws -> User {
        if changes.newPassword != nil { try principal.requireInteractiveLogin(toDo: "change the password") }
        guard var user = try await store.user(id: principal.userID) else { throw DomainError.unauthenticated() }
        if let firstName = changes.firstName { user.firstName = try Names.valid(firstName, field: "first_name") }
        if let lastName = changes.lastName { user.lastName = try Names.valid(lastName, field: "last_name") }
        let now = environment.now()
        if let newPassword = changes.newPassword {
            guard let current = changes.currentPassword else {
                throw DomainError.invalid("current_password is required to change the password")
            }
            try PasswordPolicy.validate(newPassword)
            guard await hasher.verify(current, against: user.passwordHash) else {
                throw DomainError.forbidden("current_password is not correct")
            }
            user.passwordHash = try await hasher.hash(newPassword)
            user.tokensValidAfter = now
        }
        user.updatedAt = now
        try await store.updateUser(user)
        return user
    }
}
