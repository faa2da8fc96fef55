import Core
import Foundation
import SQLKit

extension SQLIdentityStore {
    static let tenantColumns = ["id", "name", "description", "is_active", "created_at", "updated_at"]

    public func insertTenant(_ tenant: Tenant) async throws {
        try await translatingErrors(conflict: "A tenant named '\(tenant.name)' already exists") {
            try await database.insert(into: "tenants")
                .columns("id", "name", "name_key", "description", "is_active", "created_at", "updated_at")
                .values(
                    tenant.id.bind, SQLBind(tenant.name), SQLBind(tenant.name.lowercased()),
                    SQLBind(tenant.description), SQLBind(tenant.isActive), SQLBind(tenant.createdAt),
                    SQLBind(tenant.updatedAt)
                )
                .run()
        }
    }

    public func updateTenant(_ id: TenantID, _ patch: TenantPatch, at date: Date) async throws -> Tenant? {
        var assignments: [SQLQueryString] = ["updated_at = \(bind: date)"]
        if let name = patch.name { assignments += ["name = \(bind: name)", "name_key = \(bind: name.lowercased())"] }
        if let description = patch.description { assignments.append("description = \(bind: description)") }
        if let isActive = patch.isActive { assignments.append("is_active = \(bind: isActive)") }
        return try await translatingErrors(conflict: "A tenant named '\(patch.name ?? "")' already exists") {
            try await database.raw(
                """
                UPDATE tenants SET \(assignments.joined(separator: ", ")) WHERE id = \(bind: id.description)
                RETURNING \(unsafeRaw: Self.tenantColumns.joined(separator: ", "))
                """
            ).first()?.tenant()
        }
    }

    public func tenant(id: TenantID) async throws -> Tenant? {
        try await database.select().columns(Self.tenantColumns).from("tenants").where("id", .equal, id.bind)
            .first()?.tenant()
    }

    public func lockedTenant(_ id: TenantID) async throws -> Tenant? {
        try await database.raw(
            "SELECT \(unsafeRaw: Self.tenantColumns.joined(separator: ", ")) FROM tenants WHERE id = \(bind: id.description)\(rowLock)"
        ).first()?.tenant()
    }

    public func tenant(named name: String) async throws -> Tenant? {
        try await database.select().columns(Self.tenantColumns).from("tenants")
            .where("name_key", .equal, SQLBind(name.lowercased())).first()?.tenant()
    }

    public func allTenants() async throws -> [Tenant] {
        try await database.select().columns(Self.tenantColumns).from("tenants").orderBy("name_key").all()
            .map { try $0.tenant() }
    }

    public func tenants(ofMember userID: UserID) async throws -> [Tenant] {
        try await database.raw(
            """
            SELECT t.id, t.name, t.description, t.is_active, t.created_at, t.updated_at
            FROM memberships m JOIN tenants t ON t.id = m.tenant_id
            WHERE m.user_id = \(bind: userID.description) AND m.is_active = \(bind: true) AND t.is_active = \(bind: true)
            ORDER BY t.name_key
            """
        ).all().map { try $0.tenant() }
    }

    public func deleteTenant(id: TenantID) async throws {
        try await withinTransaction { store in
            let database = store.database
            let tenant = id.description
            // The tenant first, as every transaction that holds it does, then its rows: taking the
            // roles before the tenant could deadlock with an invitation being created.
            _ = try await store.lockedTenant(id)
            // Invitations go first: they reference the tenant's custom roles.
            try await database.raw("DELETE FROM invitations WHERE tenant_id = \(bind: tenant)").run()
            try await database.raw("DELETE FROM role_assignments WHERE tenant_id = \(bind: tenant)").run()
            try await database.raw("DELETE FROM memberships WHERE tenant_id = \(bind: tenant)").run()
            try await database.raw(
                "DELETE FROM role_permissions WHERE role_id IN (SELECT id FROM roles WHERE tenant_id = \(bind: tenant))"
            ).run()
            try await database.raw("DELETE FROM roles WHERE tenant_id = \(bind: tenant)").run()
            // VMs hold on to their tenant (RESTRICT): the service refuses first; this is the backstop.
            try await translatingErrors(referenced: "The tenant still has VMs; delete them first") {
                try await database.raw("DELETE FROM tenants WHERE id = \(bind: tenant)").run()
            }
        }
    }
}
