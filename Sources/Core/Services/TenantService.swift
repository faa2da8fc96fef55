import Foundation

/// Tenants: listing the caller's, and (superusers only) creating, changing and deleting them.
public struct TenantService: Sendable {
    let store: any IdentityStore
    /// Asked before a tenant is deleted: a tenant with VMs is refused.
    let vms: any VMRepository
    let environment: CoreEnvironment

    public init(store: any IdentityStore, vms: any VMRepository, environment: CoreEnvironment) {
        self.store = store
        self.vms = vms
        self.environment = environment
    }

    /// What `PATCH /tenants/{id}` asks for, before validation.
    public typealias Changes = TenantPatch

    /// Every tenant, inactive ones included, for a superuser with a bearer token or an unscoped key;
    /// otherwise the active tenants the caller is an active member of. A scoped key of a superuser holds
    /// exactly its scope, so it lists what a member would see.
    public func list(for principal: Principal) async throws -> [Tenant] {
        principal.isUnrestrictedSuperuser ? try await store.allTenants() : try await store.tenants(ofMember: principal.userID)
    }

    public func create(by principal: Principal, name: String, description: String?) async throws -> Tenant {
        try principal.requireUnrestrictedSuperuser(toManage: "tenants")
        let now = environment.now()
        let tenant = Tenant(
            id: environment.newID(), name: try Names.valid(name, field: "name"), description: try Descriptions.valid(description),
            isActive: true,
            createdAt: now, updatedAt: now
        )
        try await store.transaction { [environment] store in
            try await store.insertTenant(tenant)
            try await store.record(
                "tenant.create", on: .tenant(tenant.id), in: tenant.id, by: AuditActor(principal), environment: environment,
                details: ["name": tenant.name]
            )
        }
        return tenant
    }

    public func get(by principal: Principal, id: TenantID) async throws -> Tenant {
        try principal.requireUnrestrictedSuperuser(toManage: "tenants")
        guard let tenant = try await store.tenant(id: id) else { throw DomainError.notFound("Tenant not found") }
        return tenant
    }

    /// Writes only the fields given, so two superusers changing different fields both succeed.
    public func update(by principal: Principal, id: TenantID, changes: Changes) async throws -> Tenant {
        try principal.requireUnrestrictedSuperuser(toManage: "tenants")
        let patch = TenantPatch(
            name: try changes.name.map { try Names.valid($0, field: "name") },
            description: try changes.description.map { try Descriptions.valid($0) },
            isActive: changes.isActive
        )
        return try await store.transaction { [environment] store in
            guard let tenant = try await store.updateTenant(id, patch, at: environment.now()) else {
                throw DomainError.notFound("Tenant not found")
            }
            let fields = changedFields([("name", patch.name != nil), ("description", patch.description != nil), ("is_active", patch.isActive != nil)])
            try await store.record("tenant.update", on: .tenant(id), in: id, by: AuditActor(principal), environment: environment, details: fields)
            return tenant
        }
    }

    /// Removes the tenant, its memberships, custom roles and role assignments, in one transaction.
    /// Refused (409) while the tenant has VMs, deleting ones included: their machines still exist.
    /// A VM created between this check and the deletion makes the database refuse it (a foreign key), also 409.
    public func delete(by principal: Principal, id: TenantID) async throws {
        _ = try await get(by: principal, id: id)
        let count = try await vms.vmCount(in: id)
        guard count == 0 else {
            // VMs being deleted count until their machines are gone (seconds): the retry advice covers them.
            throw DomainError.conflict(
                "The tenant still has \(count) VM\(count == 1 ? "" : "s") (VMs being deleted count until their machines are removed); delete them first, or retry in a moment"
            )
        }
        try await store.transaction { [environment] store in
            try await store.deleteTenant(id: id)
            try await store.record("tenant.delete", on: .tenant(id), in: id, by: AuditActor(principal), environment: environment)
        }
    }
}
