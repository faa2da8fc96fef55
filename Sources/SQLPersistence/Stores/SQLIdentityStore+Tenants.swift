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

    public func tenant(named name: String) async throws -> Tenant? {
        try await database.select().columns(Self.tenantColumns).from("tenants")
            .where("name_key", .equal, SQLBind(name.lowercased())).first()?.tenant()
    }

    public func insertMembership(_ membership: Membership) async throws {
        try await translatingErrors(conflict: "The user is already a member of this tenant") {
            try await database.insert(into: "memberships")
                .columns("tenant_id", "user_id", "is_active", "created_at")
                .values(
                    membership.tenantID.bind, membership.userID.bind, SQLBind(membership.isActive),
                    SQLBind(membership.createdAt)
                )
                .run()
        }
    }

    public func membership(userID: UserID, tenantID: TenantID) async throws -> Membership? {
        guard
            let row = try await database.select().columns("tenant_id", "user_id", "is_active", "created_at")
                .from("memberships").where("tenant_id", .equal, tenantID.bind).where("user_id", .equal, userID.bind)
                .first()
        else { return nil }
        return Membership(
            userID: try row.id("user_id"), tenantID: try row.id("tenant_id"), isActive: try row.bool("is_active"),
            createdAt: try row.date("created_at")
        )
    }
}
