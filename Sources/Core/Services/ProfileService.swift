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
    ///
    /// Only the fields asked for are written, so an admin renaming the user meanwhile is not undone.
    /// The new hash is stored only if the stored one is still the one the current password was checked
    /// against (bcrypt runs outside any transaction): a password changed concurrently is `409`.
    public func update(_ principal: Principal, _ changes: Changes, clientAddress: String?) async throws -> User {
        if changes.newPassword != nil { try principal.requireInteractiveLogin(toDo: "change the password") }
        let firstName = try changes.firstName.map { try Names.valid($0, field: "first_name") }
        let lastName = try changes.lastName.map { try Names.valid($0, field: "last_name") }
        let newPassword: (expectedHash: String, hash: String)?
        if let password = changes.newPassword {
            guard let current = changes.currentPassword else {
                throw DomainError.invalid("current_password is required to change the password")
            }
            try PasswordPolicy.validate(password)
            guard let user = try await store.user(id: principal.userID) else { throw DomainError.unauthenticated() }
            let passwordHash = user.passwordHash
            let verified = try await throttle.attempt(account: user.email.value, address: clientAddress) {
                await hasher.verify(current, against: passwordHash) ? true : nil
            }
            guard verified != nil else {
                throw DomainError.forbidden("current_password is not correct")
            }
            newPassword = (user.passwordHash, try await hasher.hash(password))
        } else {
            newPassword = nil
        }
        let now = environment.now()
        let userID = principal.userID
        try await store.transaction { [environment] store in
            if let newPassword {
                guard
                    try await store.replacePassword(
                        of: userID, expectedHash: newPassword.expectedHash, newHash: newPassword.hash, tokensValidAfter: now, at: now
                    )
                else { throw DomainError.conflict("The password was changed meanwhile; log in again and retry") }
            }
            if firstName != nil || lastName != nil {
                guard try await store.updateNames(of: userID, firstName: firstName, lastName: lastName, at: now) else {
                    throw DomainError.unauthenticated()
                }
            }
            let fields = changedFields([("first_name", firstName != nil), ("last_name", lastName != nil), ("password", newPassword != nil)])
            try await store.record("user.profile.update", on: .user(userID), in: nil, by: AuditActor(principal), environment: environment, details: fields)
        }
        guard let user = try await store.user(id: userID) else { throw DomainError.unauthenticated() }
        return user
    }
}
