import Foundation

/// Tenants: listing the caller's, and (superusers only) creating, changing and deleting them.
public struct TenantService: Sendable {
    let store: any IdentityStore
    let environment: CoreEnvironment

    public init(store: any IdentityStore, environment: CoreEnvironment) {
        self.store = store
        self.environment = environment
    }

    public struct Changes: Sendable {
        public var name: String?
        public var description: String??
        public var isActive: Bool?

        public init(name: String? = nil, description: String?? = nil, isActive: Bool? = nil) {
            self.name = name
            self.description = description
            self.isActive = isActive
        }
    }

    /// Every tenant for a superuser; otherwise the tenants the caller is an active member of.
    public func list(for principal: Principal) async throws -> [Tenant] {
        principal.isSuperuser ? try await store.allTenants() : try await store.tenants(ofMember: principal.userID)
    }

    public func create(by principal: Principal, name: String, description: String?) async throws -> Tenant {
        try requireSuperuser(principal)
        let now = environment.now()
        let tenant = Tenant(
            id: environment.newID(), name: try Self.validName(name), description: description, isActive: true,
            createdAt: now, updatedAt: now
        )
        try await store.insertTenant(tenant)
        return tenant
    }

    public func get(by principal: Principal, id: TenantID) async throws -> Tenant {
        try requireSuperuser(principal)
        guard let tenant = try await store.tenant(id: id) else { throw DomainError.notFound("Tenant not found") }
        return tenant
    }

    public func update(by principal: Principal, id: TenantID, changes: Changes) async throws -> Tenant {
        var tenant = try await get(by: principal, id: id)
        if let name = changes.name { tenant.name = try Self.validName(name) }
        if let description = changes.description { tenant.description = description }
        if let isActive = changes.isActive { tenant.isActive = isActive }
        tenant.updatedAt = environment.now()
        try await store.updateTenant(tenant)
        return tenant
    }

    /// Removes the tenant, its memberships, custom roles and role assignments, in one transaction.
    public func delete(by principal: Principal, id: TenantID) async throws {
        _ = try await get(by: principal, id: id)
        try await store.deleteTenant(id: id)
    }

    func requireSuperuser(_ principal: Principal) throws(DomainError) {
        guard principal.isSuperuser else { throw .forbidden("Only superusers manage tenants") }
        guard principal.isUnrestrictedSuperuser else { throw .forbidden("A scoped API key cannot manage tenants") }
    }

    static func validName(_ raw: String) throws(DomainError) -> String {
        let name = raw.trimmingWhitespace()
        guard (1...100).contains(name.count) else { throw .invalid("name must be 1 to 100 characters") }
        return name
    }
}
