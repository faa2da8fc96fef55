import Core
import Foundation
import SQLKit

extension SQLIdentityStore {
    static let userColumns = [
        "id", "email", "first_name", "last_name", "password_hash", "is_active", "is_superuser",
        "tokens_valid_after", "created_at", "updated_at",
    ]

    /// The user columns prefixed with the alias `u`, for joins.
    static let qualifiedUserColumns = userColumns.map { "u.\($0)" }.joined(separator: ", ")

    public func countUsers() async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS n FROM users").first()?.int("n") ?? 0
    }

    public func insertUser(_ user: User) async throws {
        try await translatingErrors(conflict: "A user with email \(user.email) already exists") {
            try await database.insert(into: "users")
                .columns("id", "email", "email_key", "first_name", "last_name", "password_hash", "is_active",
                    "is_superuser", "tokens_valid_after", "created_at", "updated_at")
                .values(
                    user.id.bind, SQLBind(user.email.value), SQLBind(user.email.key), SQLBind(user.firstName),
                    SQLBind(user.lastName), SQLBind(user.passwordHash), SQLBind(user.isActive),
                    SQLBind(user.isSuperuser), SQLBind(user.tokensValidAfter), SQLBind(user.createdAt),
                    SQLBind(user.updatedAt)
                )
                .run()
        }
    }

    /// Written out rather than built with SQLKit's query builder: these run on every request, and
    /// serialising the builder's column list cost more than the query itself.
    static let selectUser = "SELECT " + userColumns.joined(separator: ", ") + " FROM users"

    public func user(id: UserID) async throws -> User? {
        guard let cache else { return try await loadUser(id: id) }
        return try await cache.users.value(for: id) { try await loadUser(id: id) }
    }

    func loadUser(id: UserID) async throws -> User? {
        try await database.raw("\(unsafeRaw: Self.selectUser) WHERE id = \(bind: id.description)").first()?.user()
    }

    public func user(email: EmailAddress) async throws -> User? {
        try await database.raw("\(unsafeRaw: Self.selectUser) WHERE email_key = \(bind: email.key)").first()?.user()
    }

    public func updateUser(_ user: User) async throws {
        try await translatingErrors(conflict: "A user with email \(user.email) already exists") {
            try await database.update("users")
                .set("email", to: SQLBind(user.email.value)).set("email_key", to: SQLBind(user.email.key))
                .set("first_name", to: SQLBind(user.firstName)).set("last_name", to: SQLBind(user.lastName))
                .set("password_hash", to: SQLBind(user.passwordHash)).set("is_active", to: SQLBind(user.isActive))
                .set("is_superuser", to: SQLBind(user.isSuperuser))
                .set("tokens_valid_after", to: SQLBind(user.tokensValidAfter)).set("updated_at", to: SQLBind(user.updatedAt))
                .where("id", .equal, user.id.bind)
                .run()
        }
    }

    public func caller(userID: UserID, tenant: TenantID?) async throws -> (User, [TenantStanding], tenantExists: Bool)? {
        let record: CallerRecord?
        if let cache {
            // A tenant that does not exist is not kept: anyone with a token can name endless random ids.
            record = try await cache.callers.value(
                for: CallerKey(userID: userID, tenant: tenant), keep: { tenant == nil || $0.tenantExists }
            ) {
                try await loadCaller(userID: userID, tenant: tenant)
            }
        } else {
            record = try await loadCaller(userID: userID, tenant: tenant)
        }
        return record.map { ($0.user, $0.standings, $0.tenantExists) }
    }

    func loadCaller(userID: UserID, tenant: TenantID?) async throws -> CallerRecord? {
        // One round trip: the user's row once per (membership, permission) pair, for the requested
        // tenant only when one is named, plus whether the requested tenant exists at all.
        let tenantFilter: SQLQueryString = tenant.map { "AND m.tenant_id = \(bind: $0.description)" } ?? ""
        let tenantExists: SQLQueryString =
            tenant.map { "EXISTS (SELECT 1 FROM tenants WHERE id = \(bind: $0.description))" } ?? "FALSE"
        let rows = try await database.raw(
            """
            SELECT \(unsafeRaw: Self.qualifiedUserColumns), m.tenant_id AS m_tenant_id, m.is_active AS m_is_active,
                   rp.permission_id AS permission_id, \(tenantExists) AS tenant_exists
            FROM users u
            LEFT JOIN memberships m ON m.user_id = u.id \(tenantFilter)
            LEFT JOIN role_assignments a ON a.tenant_id = m.tenant_id AND a.user_id = m.user_id
            LEFT JOIN role_permissions rp ON rp.role_id = a.role_id
            WHERE u.id = \(bind: userID.description)
            """
        ).all()
        guard let first = rows.first else { return nil }
        var order: [TenantID] = []
        var active: [TenantID: Bool] = [:]
        var permissions: [TenantID: Set<Permission>] = [:]
        for row in rows where try !row.decodeNil(column: "m_tenant_id") {
            let tenantID: TenantID = try row.id("m_tenant_id")
            if active[tenantID] == nil {
                order.append(tenantID)
                active[tenantID] = try row.bool("m_is_active")
            }
            if let permission = try row.optionalString("permission_id") {
                permissions[tenantID, default: []].insert(Permission(permission))
            }
        }
        let standings = order.map {
            TenantStanding(tenantID: $0, isActive: active[$0] ?? false, permissions: permissions[$0] ?? [])
        }
        return CallerRecord(user: try first.user(), standings: standings, tenantExists: try first.bool("tenant_exists"))
    }
}
