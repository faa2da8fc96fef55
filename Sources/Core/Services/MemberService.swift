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
        public var password: String?
        public var firstName: String
        public var lastName: String
        public var roleIDs: [RoleID]

        public init(email: String, password: String?, firstName: String, lastName: String, roleIDs: [RoleID]) {
            self.email = email
            self.password = password
            self.firstName = firstName
            self.lastName = lastName
            self.roleIDs = roleIDs
        }
    }

    public func list(in access: TenantAccess, search: String?, page: PageRequest) async throws -> Page<Member> {
        try access.require(.userRead)
        return try await store.members(of: access.tenantID, search: search?.trimmingWhitespace(), page: page)
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

    /// Creates the account when the email is new; an existing account joins the tenant (its password
    /// and names are left as they are). Roles are assigned in the same transaction.
    public func create(in access: TenantAccess, _ new: NewMember) async throws -> Member {
        try access.require(.userCreate)
        let email = try EmailAddress(new.email)
        let firstName = try Names.valid(new.firstName, field: "first_name")
        let lastName = try Names.valid(new.lastName, field: "last_name")
        let roles = try await store.grantableRoles(Set(new.roleIDs), in: access)
        let existing = try await store.user(email: email)
        let passwordHash: String?
        if existing == nil {
            guard let password = new.password else { throw DomainError.invalid("password is required for a new account") }
            try PasswordPolicy.validate(password)
            passwordHash = try await hasher.hash(password)
        } else {
            passwordHash = nil
        }
        let now = environment.now()
        let tenantID = access.tenantID
        let newUserID: UserID = environment.newID()
        let userID = try await store.transaction { store in
            let userID: UserID
            if let existing = try await store.user(email: email) {
                userID = existing.id
                guard try await store.membership(userID: userID, tenantID: tenantID) == nil else {
                    throw DomainError.conflict("\(email) is already a member of this tenant")
                }
            } else {
                guard let passwordHash else { throw DomainError.conflict("\(email) was created concurrently; try again") }
                userID = newUserID
                try await store.insertUser(
                    User.newAccount(
                        id: userID, email: email, firstName: firstName, lastName: lastName, passwordHash: passwordHash, at: now
                    )
                )
            }
            try await store.insertMembership(Membership(userID: userID, tenantID: tenantID, isActive: true, createdAt: now))
            for role in roles { try await store.assign(role.id, to: userID, in: tenantID, at: now) }
            return userID
        }
        return try await existingMember(userID, in: tenantID)
    }

    /// Changes the names (of the account) and the membership's `is_active` in this tenant.
    public func update(in access: TenantAccess, userID: UserID, firstName: String?, lastName: String?, isActive: Bool?) async throws -> Member {
        try access.require(.userUpdate)
        let membership = try await existingMembership(userID, in: access.tenantID)
        if firstName != nil || lastName != nil, var user = try await store.user(id: userID) {
            if let firstName { user.firstName = try Names.valid(firstName, field: "first_name") }
            if let lastName { user.lastName = try Names.valid(lastName, field: "last_name") }
            user.updatedAt = environment.now()
            try await store.updateUser(user)
        }
        if let isActive, isActive != membership.isActive {
            var membership = membership
            membership.isActive = isActive
            try await store.updateMembership(membership)
        }
        return try await existingMember(userID, in: access.tenantID)
    }

    /// Removes the user from this tenant (membership and role assignments); the account remains.
    public func remove(in access: TenantAccess, userID: UserID) async throws {
        try access.require(.userDelete)
        guard try await store.deleteMembership(userID: userID, tenantID: access.tenantID) else {
            throw DomainError.notFound("User not found")
        }
    }

    public func assignRole(in access: TenantAccess, userID: UserID, roleID: RoleID) async throws {
        try access.require(.roleAssignUsers)
        _ = try await existingMembership(userID, in: access.tenantID)
        let roles = try await store.grantableRoles([roleID], in: access)
        for role in roles { try await store.assign(role.id, to: userID, in: access.tenantID, at: environment.now()) }
    }

    public func unassignRole(in access: TenantAccess, userID: UserID, roleID: RoleID) async throws {
        try access.require(.roleAssignUsers)
        _ = try await existingMembership(userID, in: access.tenantID)
        guard try await store.role(roleID, visibleIn: access.tenantID) != nil else { throw DomainError.notFound("Role not found") }
        guard try await store.unassign(roleID, from: userID, in: access.tenantID) else {
            throw DomainError.notFound("The user does not hold this role")
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

/// Display names: trimmed, 1 to 100 characters.
enum Names {
    static func valid(_ raw: String, field: String) throws(DomainError) -> String {
        let name = raw.trimmingWhitespace()
        guard (1...100).contains(name.count) else { throw .invalid("\(field) must be 1 to 100 characters") }
        return name
    }
}
