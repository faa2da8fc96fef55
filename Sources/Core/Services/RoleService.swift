import Foundation

/// Roles of a tenant: the system roles everyone shares (read-only) and the tenant's custom roles.
public struct RoleService: Sendable {
    let store: any IdentityStore
    let environment: CoreEnvironment

    public init(store: any IdentityStore, environment: CoreEnvironment) {
        self.store = store
        self.environment = environment
    }

    public struct Draft: Sendable {
        public var name: String?
        public var description: String??
        public var permissionIDs: [String]?

        public init(name: String? = nil, description: String?? = nil, permissionIDs: [String]? = nil) {
            self.name = name
            self.description = description
            self.permissionIDs = permissionIDs
        }
    }

    public func permissions(in access: TenantAccess) async throws -> [PermissionInfo] {
        try access.require(.roleRead)
        return try await store.permissionCatalog()
    }

    /// What the caller may do in the tenant, sorted: their roles' permissions there, limited to a key's
    /// scope; an unrestricted superuser holds the whole catalog. Any member may ask: it is what every
    /// other call of theirs is checked against.
    public func permissionsHeld(in access: TenantAccess) async throws -> [Permission] {
        guard access.principal.isUnrestrictedSuperuser else { return access.permissions.sorted() }
        return try await store.permissionCatalog().map(\.id).sorted()
    }

    public func list(in access: TenantAccess) async throws -> [RoleSummary] {
        try access.require(.roleRead)
        return try await detailed(try await store.roles(visibleIn: access.tenantID))
    }

    public func get(in access: TenantAccess, id: RoleID) async throws -> RoleSummary {
        try access.require(.roleRead)
        let role = try await visibleRole(id, in: access.tenantID)
        return try await detailed(RoleSummary(role: role, userCount: try await store.assignmentCount(of: id, in: access.tenantID)))
    }

    /// Adds the catalog entries of each role's permissions (one catalog query for the whole list).
    func detailed(_ summaries: [RoleSummary]) async throws -> [RoleSummary] {
        let catalog = Dictionary(uniqueKeysWithValues: try await store.permissionCatalog().map { ($0.id, $0) })
        return summaries.map { summary in
            var summary = summary
            summary.permissionDetails = summary.role.permissions.sorted().compactMap { catalog[$0] }
            return summary
        }
    }

    func detailed(_ summary: RoleSummary) async throws -> RoleSummary {
        try await detailed([summary])[0]
    }

    public func create(in access: TenantAccess, _ draft: Draft) async throws -> RoleSummary {
        try access.require(.roleCreate)
        guard let rawName = draft.name else { throw DomainError.invalid("name is required") }
        let name = try Names.valid(rawName, field: "name")
        let description = try Descriptions.valid(draft.description ?? nil)
        let permissions = try await store.knownPermissions(draft.permissionIDs ?? [])
        try AccessPolicy.requireCanGrant(permissions, by: access)
        let now = environment.now()
        let role = Role(
            id: environment.newID(), tenantID: access.tenantID, name: name, description: description,
            permissions: permissions, createdAt: now, updatedAt: now
        )
        try await store.transaction { [environment] store in
            guard try await store.lockedTenant(access.tenantID) != nil else { throw DomainError.notFound("Tenant not found") }
            guard try await store.customRoleCount(in: access.tenantID) < Limits.customRolesPerTenant else {
                throw DomainError.conflict("The tenant has \(Limits.customRolesPerTenant) custom roles, the most it may have; delete one first")
            }
            try await Self.requireNameFree(name, in: access.tenantID, except: nil, store: store)
            try await store.insertRole(role)
            try await store.record("role.create", on: .role(role.id), in: access, environment: environment, details: ["name": name])
        }
        return try await detailed(RoleSummary(role: role, userCount: 0))
    }

    /// Partial update; `permission_ids` replaces the whole set. System roles cannot be changed (409).
    /// The role is held for the whole check and write: the escalation check compares with the set as
    /// stored at the write, not as it was read earlier (a set shrunk meanwhile is not silently restored).
    public func update(in access: TenantAccess, id: RoleID, _ draft: Draft) async throws -> RoleSummary {
        try access.require(.roleUpdate)
        let name = try draft.name.map { try Names.valid($0, field: "name") }
        let description = try draft.description.map { try Descriptions.valid($0) }
        var requested: Set<Permission>?
        if let ids = draft.permissionIDs { requested = try await store.knownPermissions(ids) }
        let tenantID = access.tenantID
        let now = environment.now()
        let patch = RolePatch(name: name, description: description, permissions: requested)
        try await store.transaction { [environment] store in
            guard let role = try await store.lockedRole(id, visibleIn: tenantID) else { throw DomainError.notFound("Role not found") }
            guard !role.isSystem else { throw DomainError.conflict("System roles cannot be changed") }
            if let name { try await Self.requireNameFree(name, in: tenantID, except: id, store: store) }
            // Adding permissions is granting them to every holder of the role.
            if let requested = patch.permissions {
                try AccessPolicy.requireCanGrant(requested.subtracting(role.permissions), by: access)
            }
            try await store.updateRole(id, of: tenantID, patch, at: now)
            let fields = changedFields([("name", name != nil), ("description", description != nil), ("permission_ids", patch.permissions != nil)])
            try await store.record("role.update", on: .role(id), in: access, environment: environment, details: fields)
        }
        let role = try await visibleRole(id, in: tenantID)
        return try await detailed(RoleSummary(role: role, userCount: try await store.assignmentCount(of: id, in: tenantID)))
    }

    /// Deletes a custom role that nobody holds (409 while assigned, 409 for system roles).
    public func delete(in access: TenantAccess, id: RoleID) async throws {
        try access.require(.roleDelete)
        let tenantID = access.tenantID
        try await store.transaction { [environment] store in
            guard let role = try await store.lockedRole(id, visibleIn: tenantID) else { throw DomainError.notFound("Role not found") }
            guard !role.isSystem else { throw DomainError.conflict("System roles cannot be deleted") }
            guard try await store.assignmentCount(of: id, in: tenantID) == 0 else {
                throw DomainError.conflict("The role is still assigned to users; unassign them first")
            }
            try await store.deleteRole(id, of: tenantID)
            try await store.record("role.delete", on: .role(id), in: access, environment: environment, details: ["name": role.name])
        }
    }

    public func holders(in access: TenantAccess, id: RoleID) async throws -> [UserID] {
        try access.require(.userRead, .roleRead)
        _ = try await visibleRole(id, in: access.tenantID)
        return try await store.userIDs(holding: id, in: access.tenantID)
    }

    /// Sets the complete list of holders in this tenant, atomically. Every user must be a member.
    public func setHolders(in access: TenantAccess, id: RoleID, userIDs: [UserID]) async throws -> [UserID] {
        try access.require(.roleAssignUsers)
        let wanted = Set(userIDs)
        let tenantID = access.tenantID
        let now = environment.now()
        try await store.transaction { [environment] store in
            // Held, so the permissions checked are the ones granted.
            guard let role = try await store.lockedRole(id, visibleIn: tenantID) else { throw DomainError.notFound("Role not found") }
            try AccessPolicy.requireCanGrant(role.permissions, by: access)
            let members = try await store.memberIDs(wanted, of: tenantID)
            if let outsider = wanted.subtracting(members).sorted(by: { $0.description < $1.description }).first {
                throw DomainError.invalid("User \(outsider) is not a member of this tenant")
            }
            try await store.replaceHolders(of: id, in: tenantID, with: wanted, at: now)
            try await store.record(
                "role.holders.set", on: .role(id), in: access, environment: environment, details: ["holders": String(wanted.count)]
            )
        }
        return try await store.userIDs(holding: id, in: tenantID)
    }

    func visibleRole(_ id: RoleID, in tenantID: TenantID) async throws -> Role {
        guard let role = try await store.role(id, visibleIn: tenantID) else { throw DomainError.notFound("Role not found") }
        return role
    }

    /// Custom role names are unique in the tenant and may not shadow a system role.
    static func requireNameFree(_ name: String, in tenantID: TenantID, except id: RoleID?, store: any IdentityStore) async throws {
        if let existing = try await store.roleID(named: name, visibleIn: tenantID), existing != id {
            throw DomainError.conflict("A role named '\(name)' already exists")
        }
    }
}
