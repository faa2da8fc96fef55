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
                    "is_superuser", "tokens_valid_after", "created_at", "updated_at", "search_key")
                .values(
                    user.id.bind, SQLBind(user.email.value), SQLBind(user.email.key), SQLBind(user.firstName),
                    SQLBind(user.lastName), SQLBind(user.passwordHash), SQLBind(user.isActive),
                    SQLBind(user.isSuperuser), SQLBind(user.tokensValidAfter), SQLBind(user.createdAt),
                    SQLBind(user.updatedAt),
                    SQLBind(SearchKey.of(email: user.email.value, firstName: user.firstName, lastName: user.lastName))
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

    public func lockedUser(_ id: UserID) async throws -> User? {
        try await database.raw("\(unsafeRaw: Self.selectUser) WHERE id = \(bind: id.description)\(rowLock)").first()?.user()
    }

    func loadUser(id: UserID) async throws -> User? {
        try await database.raw("\(unsafeRaw: Self.selectUser) WHERE id = \(bind: id.description)").first()?.user()
    }

    public func user(email: EmailAddress) async throws -> User? {
        try await database.raw("\(unsafeRaw: Self.selectUser) WHERE email_key = \(bind: email.key)").first()?.user()
    }

    public func updateNames(of userID: UserID, firstName: String?, lastName: String?, at date: Date) async throws -> Bool {
        var assignments: [SQLQueryString] = ["updated_at = \(bind: date)"]
        if let firstName { assignments.append("first_name = \(bind: firstName)") }
        if let lastName { assignments.append("last_name = \(bind: lastName)") }
        let setClause = assignments.joined(separator: ", ")
        return try await withinTransaction { store in
            // The search key follows the names; it is computed in Swift, so it needs the row's other
            // fields, read under the same lock as the write.
            guard
                let row = try await store.database.raw(
                    "UPDATE users SET \(setClause) WHERE id = \(bind: userID.description) RETURNING email, first_name, last_name"
                ).first()
            else { return false }
            let key = SearchKey.of(email: try row.string("email"), firstName: try row.string("first_name"), lastName: try row.string("last_name"))
            try await store.database.raw("UPDATE users SET search_key = \(bind: key) WHERE id = \(bind: userID.description)").run()
            return true
        }
    }

    public func replacePassword(
        of userID: UserID, expectedHash: String, newHash: String, tokensValidAfter: Date, at date: Date
    ) async throws -> Bool {
        // Compare-and-set: the condition is evaluated under the row's write lock, so of two changes
        // verified against the same old hash only the first is stored.
        try await database.raw(
            """
            UPDATE users SET password_hash = \(bind: newHash), tokens_valid_after = \(bind: tokensValidAfter),
                updated_at = \(bind: date)
            WHERE id = \(bind: userID.description) AND password_hash = \(bind: expectedHash)
            RETURNING id
            """
        ).first() != nil
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
        // One round trip: the user's row once per (membership, permission) pair with the tenant's own
        // switch, for the requested tenant only when one is named, plus whether the requested tenant exists.
        let tenantFilter: SQLQueryString = tenant.map { "AND m.tenant_id = \(bind: $0.description)" } ?? ""
        let tenantExists: SQLQueryString =
            tenant.map { "EXISTS (SELECT 1 FROM tenants WHERE id = \(bind: $0.description))" } ?? "FALSE"
        let rows = try await database.raw(
            """
            SELECT \(unsafeRaw: Self.qualifiedUserColumns), m.tenant_id AS m_tenant_id, m.is_active AS m_is_active,
                   t.is_active AS t_is_active, rp.permission_id AS permission_id, \(tenantExists) AS tenant_exists
            FROM users u
            LEFT JOIN memberships m ON m.user_id = u.id \(tenantFilter)
            LEFT JOIN tenants t ON t.id = m.tenant_id
            LEFT JOIN role_assignments a ON a.tenant_id = m.tenant_id AND a.user_id = m.user_id
            LEFT JOIN role_permissions rp ON rp.role_id = a.role_id
            WHERE u.id = \(bind: userID.description)
            """
        ).all()
        guard let first = rows.first else { return nil }
        var order: [TenantID] = []
        var active: [TenantID: (membership: Bool, tenant: Bool)] = [:]
        var permissions: [TenantID: Set<Permission>] = [:]
        for row in rows where try !row.decodeNil(column: "m_tenant_id") {
            let tenantID: TenantID = try row.id("m_tenant_id")
            if active[tenantID] == nil {
                order.append(tenantID)
                active[tenantID] = (try row.bool("m_is_active"), try row.bool("t_is_active"))
            }
            if let permission = try row.optionalString("permission_id") {
                permissions[tenantID, default: []].insert(Permission(permission))
            }
        }
        let standings = order.map {
            TenantStanding(
                tenantID: $0, isActive: active[$0]?.membership ?? false, tenantIsActive: active[$0]?.tenant ?? false,
                permissions: permissions[$0] ?? []
            )
        }
        return CallerRecord(user: try first.user(), standings: standings, tenantExists: try first.bool("tenant_exists"))
    }
}
