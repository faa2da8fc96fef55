import Core
import Foundation
import SQLKit

extension SQLIdentityStore {
    public func permissionCatalog() async throws -> [PermissionInfo] {
        try await database.raw("SELECT id, name, module FROM permissions ORDER BY module, id").all().map { row in
            PermissionInfo(id: Permission(try row.string("id")), name: try row.string("name"), module: try row.string("module"))
        }
    }

    public func roles(visibleIn tenantID: TenantID) async throws -> [RoleSummary] {
        let tenant = tenantID.description
        let rows = try await database.raw(
            """
            SELECT r.id, r.tenant_id, r.name, r.description, r.created_at, r.updated_at,
                   (SELECT COUNT(*) FROM role_assignments a WHERE a.role_id = r.id AND a.tenant_id = \(bind: tenant)) AS user_count
            FROM roles r
            WHERE r.tenant_id IS NULL OR r.tenant_id = \(bind: tenant)
            ORDER BY CASE WHEN r.tenant_id IS NULL THEN 0 ELSE 1 END, r.name_key
            """
        ).all()
        let permissions = try await permissions(
            where: "role_id IN (SELECT id FROM roles WHERE tenant_id IS NULL OR tenant_id = \(bind: tenant))"
        )
        return try rows.map { row in
            let role = try row.role(permissions: [])
            return RoleSummary(
                role: Role(
                    id: role.id, tenantID: role.tenantID, name: role.name, description: role.description,
                    permissions: permissions[role.id] ?? [], createdAt: role.createdAt, updatedAt: role.updatedAt
                ),
                userCount: try row.int("user_count")
            )
        }
    }

    public func role(_ id: RoleID, visibleIn tenantID: TenantID) async throws -> Role? {
        try await role(id, where: "(tenant_id IS NULL OR tenant_id = \(bind: tenantID.description))", lock: "")
    }

    /// Every writer of a role's permissions holds the role's row first, so the permission set read after
    /// it stays as read until the transaction ends. Only custom roles are locked: system roles never
    /// change, and locking them would make every tenant's role assignments wait for one another.
    public func lockedRole(_ id: RoleID, visibleIn tenantID: TenantID) async throws -> Role? {
        if let custom = try await role(id, where: "tenant_id = \(bind: tenantID.description)", lock: rowLock) { return custom }
        return try await role(id, where: "tenant_id IS NULL", lock: "")
    }

    private func role(_ id: RoleID, where scope: SQLQueryString, lock: SQLQueryString) async throws -> Role? {
        guard
            let row = try await database.raw(
                """
                SELECT id, tenant_id, name, description, created_at, updated_at FROM roles
                WHERE id = \(bind: id.description) AND \(scope)\(lock)
                """
            ).first()
        else { return nil }
        let permissions = try await permissions(where: "role_id = \(bind: id.description)")
        return try row.role(permissions: permissions[id] ?? [])
    }

    public func roleID(named name: String, visibleIn tenantID: TenantID) async throws -> RoleID? {
        try await database.raw(
            """
            SELECT id FROM roles WHERE name_key = \(bind: name.lowercased())
            AND (tenant_id IS NULL OR tenant_id = \(bind: tenantID.description))
            """
        ).first()?.id("id")
    }

    public func customRoleCount(in tenantID: TenantID) async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS n FROM roles WHERE tenant_id = \(bind: tenantID.description)").first()?.int("n") ?? 0
    }

    public func insertRole(_ role: Role) async throws {
        try await withinTransaction { store in
            try await translatingErrors(conflict: "A role named '\(role.name)' already exists") {
                try await store.database.insert(into: "roles")
                    .columns("id", "tenant_id", "name", "name_key", "description", "created_at", "updated_at")
                    .values(
                        role.id.bind, SQLBind(role.tenantID?.description), SQLBind(role.name),
                        SQLBind(role.name.lowercased()), SQLBind(role.description), SQLBind(role.createdAt),
                        SQLBind(role.updatedAt)
                    )
                    .run()
            }
            try await store.insertPermissions(role.permissions, of: role.id)
        }
    }

    public func updateRole(_ id: RoleID, of tenantID: TenantID, _ patch: RolePatch, at date: Date) async throws {
        var assignments: [SQLQueryString] = ["updated_at = \(bind: date)"]
        if let name = patch.name { assignments += ["name = \(bind: name)", "name_key = \(bind: name.lowercased())"] }
        if let description = patch.description { assignments.append("description = \(bind: description)") }
        let setClause = assignments.joined(separator: ", ")
        try await withinTransaction { store in
            let updated = try await translatingErrors(conflict: "A role named '\(patch.name ?? "")' already exists") {
                try await store.database.raw(
                    """
                    UPDATE roles SET \(setClause)
                    WHERE id = \(bind: id.description) AND tenant_id = \(bind: tenantID.description)
                    RETURNING id
                    """
                ).first() != nil
            }
            guard updated, let permissions = patch.permissions else { return }
            try await store.database.delete(from: "role_permissions").where("role_id", .equal, id.bind).run()
            try await store.insertPermissions(permissions, of: id)
        }
    }

    public func deleteRole(_ id: RoleID, of tenantID: TenantID) async throws {
        try await withinTransaction { store in
            try await store.database.raw(
                """
                DELETE FROM role_permissions WHERE role_id IN
                    (SELECT id FROM roles WHERE id = \(bind: id.description) AND tenant_id = \(bind: tenantID.description))
                """
            ).run()
            try await store.database.delete(from: "roles").where("id", .equal, id.bind)
                .where("tenant_id", .equal, tenantID.bind).run()
        }
    }

    public func assignmentCount(of roleID: RoleID, in tenantID: TenantID) async throws -> Int {
        try await database.raw(
            """
            SELECT COUNT(*) AS n FROM role_assignments
            WHERE role_id = \(bind: roleID.description) AND tenant_id = \(bind: tenantID.description)
            """
        ).first()?.int("n") ?? 0
    }

    public func userIDs(holding roleID: RoleID, in tenantID: TenantID) async throws -> [UserID] {
        try await database.raw(
            """
            SELECT user_id FROM role_assignments
            WHERE role_id = \(bind: roleID.description) AND tenant_id = \(bind: tenantID.description)
            ORDER BY created_at, user_id
            """
        ).all().map { try $0.id("user_id") }
    }

    public func replaceHolders(of roleID: RoleID, in tenantID: TenantID, with userIDs: Set<UserID>, at date: Date) async throws {
        try await withinTransaction { store in
            try await store.database.delete(from: "role_assignments")
                .where("role_id", .equal, roleID.bind).where("tenant_id", .equal, tenantID.bind).run()
            for userID in userIDs.sorted(by: { $0.description < $1.description }) {
                try await store.assign(roleID, to: userID, in: tenantID, at: date)
            }
        }
    }

    public func assign(_ roleID: RoleID, to userID: UserID, in tenantID: TenantID, at date: Date) async throws {
        try await translatingErrors {
            try await database.insert(into: "role_assignments")
                .columns("tenant_id", "user_id", "role_id", "created_at")
                .values(tenantID.bind, userID.bind, roleID.bind, SQLBind(date))
                .ignoringConflicts(with: ["tenant_id", "user_id", "role_id"])
                .run()
        }
    }

    public func unassign(_ roleID: RoleID, from userID: UserID, in tenantID: TenantID) async throws -> Bool {
        try await database.raw(
            """
            DELETE FROM role_assignments
            WHERE tenant_id = \(bind: tenantID.description) AND user_id = \(bind: userID.description)
            AND role_id = \(bind: roleID.description)
            RETURNING role_id
            """
        ).first() != nil
    }

    func insertPermissions(_ permissions: Set<Permission>, of roleID: RoleID) async throws {
        for permission in permissions.sorted() {
            try await database.insert(into: "role_permissions").columns("role_id", "permission_id")
                .values(roleID.bind, SQLBind(permission.id)).run()
        }
    }

    /// Permission sets of the roles matching `condition` (over `role_permissions`), in one query.
    func permissions(where condition: SQLQueryString) async throws -> [RoleID: Set<Permission>] {
        var result: [RoleID: Set<Permission>] = [:]
        for row in try await database.raw("SELECT role_id, permission_id FROM role_permissions WHERE \(condition)").all() {
            result[try row.id("role_id"), default: []].insert(Permission(try row.string("permission_id")))
        }
        return result
    }
}

extension SQLRow {
    func role(permissions: Set<Permission>) throws -> Role {
        Role(
            id: try id("id"),
            tenantID: try optionalID("tenant_id"),
            name: try string("name"),
            description: try optionalString("description"),
            permissions: permissions,
            createdAt: try date("created_at"),
            updatedAt: try date("updated_at")
        )
    }
}
