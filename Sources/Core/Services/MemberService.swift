import Foundation

/// Users inside a tenant: what a tenant's admin manages through `/users`. Changes here touch the
/// membership and role assignments in this tenant only; the global account stays as it is.
public struct MemberService: Sendable {
    let store: any IdentityStore
    let hasher: any PasswordHasher
    let environment: CoreEnvironment

    public init(store: any IdentityStore, hasher: any PasswordHasher, environment: CoreEnvironment) {
        self.store = store
        self.hasher = hasher
        self.environment = environment
    }

    public struct NewMember: Sendable {
        public var email: String
        public var password: String
        public var firstName: String
        public var lastName: String
        public var roleIDs: [RoleID]

        public init(email: String, password: String, firstName: String, lastName: String, roleIDs: [RoleID]) {
            self.email = email
            self.password = password
            self.firstName = firstName
            self.lastName = lastName
            self.roleIDs = roleIDs
        }
    }

    /// Longer searches cannot match: emails are at most 254 bytes, names 100 characters.
    static let maximumSearchLength = 254

    /// A search is matched literally. One holding a control or invisible character matches nobody, since
    /// no stored email or name can hold one, and is answered without a query: a NUL used to end the
    /// database's pattern early and match everyone (and PostgreSQL refuses NUL in text outright).
    public func list(in access: TenantAccess, search: String?, page: PageRequest) async throws -> Page<Member> {
        try access.require(.userRead)
        let search = search?.trimmingWhitespace().precomposedStringWithCanonicalMapping
        if let search {
            guard search.unicodeScalars.count <= Self.maximumSearchLength else {
                throw DomainError.invalid("search must be at most \(Self.maximumSearchLength) characters")
            }
            if TextRules.containsForbidden(search) { return Page(items: [], total: 0, request: page) }
        }
        return try await store.members(of: access.tenantID, search: search, page: page)
    }

    /// `GET /tenants/{id}/users`: the members of a tenant named in the path. The caller must be able to
    /// act in that tenant with `user:read` (superusers always can).
    public func list(in access: TenantAccess, page: PageRequest) async throws -> Page<Member> {
        try await list(in: access, search: nil, page: page)
    }

    public func get(in access: TenantAccess, userID: UserID) async throws -> Member {
        try access.require(.userRead)
        return try await existingMember(userID, in: access.tenantID)
    }

    /// Creates an account and makes it a member of this tenant, with its roles, in one transaction.
    /// An email that already has an account is `409` and nothing else is said of that account: adding an
    /// existing account to a tenant needs its consent, which is what invitations are for.
    public func create(in access: TenantAccess, _ new: NewMember) async throws -> Member {
        try access.require(.userCreate)
        let email = try EmailAddress(new.email)
        let firstName = try Names.valid(new.firstName, field: "first_name")
        let lastName = try Names.valid(new.lastName, field: "last_name")
        try PasswordPolicy.validate(new.password)
        // Checked before bcrypt to spare the work; the transaction checks the roles again, held, and the
        // unique email key decides in the end.
        _ = try await store.grantableRoles(Set(new.roleIDs), in: access)
        guard try await store.user(email: email) == nil else { throw Self.emailTaken }
        let passwordHash = try await hasher.hash(new.password)
        let now = environment.now()
        let tenantID = access.tenantID
        let user = User.newAccount(
            id: environment.newID(), email: email, firstName: firstName, lastName: lastName, passwordHash: passwordHash, at: now
        )
        try await store.transaction { [environment] store in
            let roles = try await store.grantableRoles(Set(new.roleIDs), in: access, locked: true)
            do {
                try await store.insertUser(user)
            } catch let error as DomainError where error.code == .conflict {
                throw Self.emailTaken
            }
            try await store.insertMembership(Membership(userID: user.id, tenantID: tenantID, isActive: true, createdAt: now))
            for role in roles { try await store.assign(role.id, to: user.id, in: tenantID, at: now) }
            try await store.record("user.create", on: .user(user.id), in: access, environment: environment, details: ["email": email.value])
        }
        return try await existingMember(user.id, in: tenantID)
    }

    static let emailTaken = DomainError.conflict(
        "An account with this email already exists; invite it to join the tenant (POST /invitations)"
    )

    /// Changes the names (of the account) and the membership's `is_active` in this tenant: only the
    /// fields given are written, in one transaction that holds the membership, so a member removed
    /// meanwhile is not renamed and a password changed meanwhile is not undone.
    public func update(in access: TenantAccess, userID: UserID, firstName: String?, lastName: String?, isActive: Bool?) async throws -> Member {
        try access.require(.userUpdate)
        let firstName = try firstName.map { try Names.valid($0, field: "first_name") }
        let lastName = try lastName.map { try Names.valid($0, field: "last_name") }
        let tenantID = access.tenantID
        let now = environment.now()
        try await store.transaction { [environment] store in
            guard let membership = try await store.lockedMembership(userID: userID, tenantID: tenantID) else {
                throw DomainError.notFound("User not found")
            }
            if firstName != nil || lastName != nil {
                _ = try await store.updateNames(of: userID, firstName: firstName, lastName: lastName, at: now)
            }
            if let isActive, isActive != membership.isActive {
                _ = try await store.setMembershipActive(userID: userID, tenantID: tenantID, isActive: isActive)
            }
            let fields = changedFields([("first_name", firstName != nil), ("last_name", lastName != nil), ("is_active", isActive != nil)])
            try await store.record("user.update", on: .user(userID), in: access, environment: environment, details: fields)
        }
        return try await existingMember(userID, in: tenantID)
    }

    /// Removes the user from this tenant (membership and role assignments); the account remains.
    public func remove(in access: TenantAccess, userID: UserID) async throws {
        try access.require(.userDelete)
        try await store.transaction { [environment] store in
            guard try await store.deleteMembership(userID: userID, tenantID: access.tenantID) else {
                throw DomainError.notFound("User not found")
            }
            try await store.record("user.remove", on: .user(userID), in: access, environment: environment)
        }
    }

    public func assignRole(in access: TenantAccess, userID: UserID, roleID: RoleID) async throws {
        try access.require(.roleAssignUsers)
        let tenantID = access.tenantID
        let now = environment.now()
        try await store.transaction { [environment] store in
            guard try await store.lockedMembership(userID: userID, tenantID: tenantID) != nil else {
                throw DomainError.notFound("User not found")
            }
            for role in try await store.grantableRoles([roleID], in: access, locked: true) {
                try await store.assign(role.id, to: userID, in: tenantID, at: now)
            }
            try await store.record(
                "user.role.assign", on: .user(userID), in: access, environment: environment, details: ["role_id": roleID.description]
            )
        }
    }

    public func unassignRole(in access: TenantAccess, userID: UserID, roleID: RoleID) async throws {
        try access.require(.roleAssignUsers)
        _ = try await existingMembership(userID, in: access.tenantID)
        guard try await store.role(roleID, visibleIn: access.tenantID) != nil else { throw DomainError.notFound("Role not found") }
        try await store.transaction { [environment] store in
            guard try await store.unassign(roleID, from: userID, in: access.tenantID) else {
                throw DomainError.notFound("The user does not hold this role")
            }
            try await store.record(
                "user.role.unassign", on: .user(userID), in: access, environment: environment, details: ["role_id": roleID.description]
            )
        }
    }

    func existingMember(_ userID: UserID, in tenantID: TenantID) async throws -> Member {
        guard let member = try await store.member(userID, of: tenantID) else { throw DomainError.notFound("User not found") }
        return member
    }

    /// The membership alone (one query), for checks that need no account or role names.
    func existingMembership(_ userID: UserID, in tenantID: TenantID) async throws -> Membership {
        guard let membership = try await store.membership(userID: userID, tenantID: tenantID) else {
            throw DomainError.notFound("User not found")
        }
        return membership
    }
}
