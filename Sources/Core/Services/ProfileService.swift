import Foundation

/// What users change about their own account.
public struct ProfileService: Sendable {
    let store: any IdentityStore
    let hasher: any PasswordHasher
    let environment: CoreEnvironment
    /// `current_password` is a guess at the password like a login: same counts, same limits.
    let throttle: LoginThrottle

    public init(store: any IdentityStore, hasher: any PasswordHasher, environment: CoreEnvironment, throttle: LoginThrottle) {
        self.store = store
        self.hasher = hasher
        self.environment = environment
        self.throttle = throttle
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
    /// never the password (the password is what controls the keys). Checking `current_password` is
    /// throttled as a login is, for the account and for `clientAddress`.
    public func update(_ principal: Principal, _ changes: Changes, clientAddress: String?) async throws -> User {
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
            let passwordHash = user.passwordHash
            let verified = try await throttle.attempt(account: user.email.value, address: clientAddress) {
                await hasher.verify(current, against: passwordHash) ? true : nil
            }
            guard verified != nil else {
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
