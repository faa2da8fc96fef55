import Foundation

/// Creating the first superuser, the `Default` tenant, and the superuser's membership there as `Tenant Admin`.
public struct BootstrapService: Sendable {
    let store: any IdentityStore
    let hasher: any PasswordHasher
    let environment: CoreEnvironment

    public init(store: any IdentityStore, hasher: any PasswordHasher, environment: CoreEnvironment) {
        self.store = store
        self.hasher = hasher
        self.environment = environment
    }

    public enum Outcome: Sendable, Equatable {
        case created(UserID)
        /// An account with that email exists; nothing was changed (its password least of all).
        case alreadyExists(UserID)
        /// `onlyIfNoUsers` was set and the database already has users.
        case skipped
    }

    /// Creates the superuser unless the email is taken. With `onlyIfNoUsers`, does nothing on a database
    /// that has any user (the behaviour of `VIRTUALSTACK_ADMIN_EMAIL` at start-up).
    public func bootstrap(email rawEmail: String, password: String, onlyIfNoUsers: Bool = false) async throws -> Outcome {
        let email = try EmailAddress(rawEmail)
        try PasswordPolicy.validate(password)
        // Hash outside the transaction: it is slow and needs no database.
        let passwordHash = try await hasher.hash(password)
        let now = environment.now()
        let userID: UserID = environment.newID()
        let tenantID: TenantID = environment.newID()
        return try await store.transaction { [environment] store in
            if onlyIfNoUsers, try await store.countUsers() > 0 { return .skipped }
            if let existing = try await store.user(email: email) { return .alreadyExists(existing.id) }
            try await store.insertUser(
                User(
                    id: userID, email: email, firstName: "Admin", lastName: "User", passwordHash: passwordHash,
                    isActive: true, isSuperuser: true, tokensValidAfter: Date(timeIntervalSince1970: 0), createdAt: now, updatedAt: now
                )
            )
            let tenant: Tenant
            if let existing = try await store.tenant(named: Tenant.defaultName) {
                tenant = existing
            } else {
                tenant = Tenant(
                    id: tenantID, name: Tenant.defaultName, description: "Created at bootstrap", isActive: true,
                    createdAt: now, updatedAt: now
                )
                try await store.insertTenant(tenant)
            }
            try await store.insertMembership(
                Membership(userID: userID, tenantID: tenant.id, isActive: true, createdAt: now)
            )
            try await store.assign(SystemRole.tenantAdmin, to: userID, in: tenant.id, at: now)
            try await store.record(
                "user.bootstrap", on: .user(userID), in: tenant.id, by: .system, environment: environment, details: ["email": email.value]
            )
            return .created(userID)
        }
    }
}
