import Foundation

/// Permissions catalog, system and custom roles, their permissions, and role assignments
/// (user × role × tenant, tied to the membership so leaving a tenant drops its assignments).
let accessControlSchema = Migration(version: 2, name: "access_control") { backend in
    let timestamp = backend.timestampType
    let catalog: [(id: String, name: String, module: String)] = [
        ("user:read", "View users", "Users"),
        ("user:create", "Create users", "Users"),
        ("user:update", "Update users", "Users"),
        ("user:delete", "Remove users", "Users"),
        ("role:read", "View roles", "Roles"),
        ("role:create", "Create roles", "Roles"),
        ("role:update", "Update roles", "Roles"),
        ("role:delete", "Delete roles", "Roles"),
        ("role:assign_users", "Assign roles to users", "Roles"),
        ("invitation:read", "View invitations", "Invitations"),
        ("invitation:create", "Invite users", "Invitations"),
        ("invitation:delete", "Revoke invitations", "Invitations"),
        ("vm:read", "View VMs", "VMs"),
        ("vm:create", "Create VMs", "VMs"),
        ("vm:update", "Update VMs", "VMs"),
        ("vm:delete", "Delete VMs", "VMs"),
        ("vm:power_manage", "Start, stop and restart VMs", "VMs"),
        ("vm:read_logs", "View VM logs", "VMs"),
        ("template:read", "View VM templates", "Templates"),
    ]
    let systemRoles: [(id: String, name: String, description: String, permissions: [String])] = [
        ("00000000-0000-4000-8000-000000000001", "Tenant Admin", "Every permission in the tenant", catalog.map(\.id)),
        ("00000000-0000-4000-8000-000000000002", "Read Only User", "Every read permission", catalog.map(\.id).filter { $0.hasSuffix(":read") }),
        (
            "00000000-0000-4000-8000-000000000003", "VM Operator", "Day-to-day work on VMs",
            ["vm:read", "vm:create", "vm:update", "vm:power_manage", "vm:read_logs", "template:read"]
        ),
    ]
    func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
    let epoch = backend == .postgres ? "TIMESTAMPTZ 'epoch'" : "0"

    return [
        "CREATE TABLE permissions (id TEXT PRIMARY KEY, name TEXT NOT NULL, module TEXT NOT NULL)",
        """
        CREATE TABLE roles (
            id TEXT PRIMARY KEY,
            tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            name_key TEXT NOT NULL,
            description TEXT,
            created_at \(timestamp) NOT NULL,
            updated_at \(timestamp) NOT NULL
        )
        """,
        // Custom role names are unique in their tenant; system roles share the '' scope.
        "CREATE UNIQUE INDEX roles_unique_name ON roles (COALESCE(tenant_id, ''), name_key)",
        "CREATE INDEX roles_by_tenant ON roles (tenant_id)",
        """
        CREATE TABLE role_permissions (
            role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
            permission_id TEXT NOT NULL REFERENCES permissions (id),
            PRIMARY KEY (role_id, permission_id)
        )
        """,
        """
        CREATE TABLE role_assignments (
            tenant_id TEXT NOT NULL,
            user_id TEXT NOT NULL,
            role_id TEXT NOT NULL REFERENCES roles (id),
            created_at \(timestamp) NOT NULL,
            PRIMARY KEY (tenant_id, user_id, role_id),
            FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX role_assignments_by_role ON role_assignments (role_id, tenant_id)",
        // Listing members in join order uses this index instead of sorting the tenant's memberships.
        "CREATE INDEX memberships_by_tenant_joined ON memberships (tenant_id, created_at, user_id)",
    ]
        + catalog.map { "INSERT INTO permissions (id, name, module) VALUES (\(quoted($0.id)), \(quoted($0.name)), \(quoted($0.module)))" }
        + systemRoles.flatMap { role in
            [
                """
                INSERT INTO roles (id, tenant_id, name, name_key, description, created_at, updated_at)
                VALUES (\(quoted(role.id)), NULL, \(quoted(role.name)), \(quoted(role.name.lowercased())), \(quoted(role.description)), \(epoch), \(epoch))
                """
            ] + role.permissions.map { "INSERT INTO role_permissions (role_id, permission_id) VALUES (\(quoted(role.id)), \(quoted($0)))" }
        }
}
