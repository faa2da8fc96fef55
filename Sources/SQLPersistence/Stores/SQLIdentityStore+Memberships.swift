import Core
import Foundation
import SQLKit

extension SQLIdentityStore {
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
        try await membership(userID: userID, tenantID: tenantID, lock: "")
    }

    public func lockedMembership(userID: UserID, tenantID: TenantID) async throws -> Membership? {
        try await membership(userID: userID, tenantID: tenantID, lock: rowLock)
    }

    private func membership(userID: UserID, tenantID: TenantID, lock: SQLQueryString) async throws -> Membership? {
        guard
            let row = try await database.raw(
                """
                SELECT tenant_id, user_id, is_active, created_at FROM memberships
                WHERE tenant_id = \(bind: tenantID.description) AND user_id = \(bind: userID.description)\(lock)
                """
            ).first()
        else { return nil }
        return Membership(
            userID: try row.id("user_id"), tenantID: try row.id("tenant_id"), isActive: try row.bool("is_active"),
            createdAt: try row.date("created_at")
        )
    }

    public func setMembershipActive(userID: UserID, tenantID: TenantID, isActive: Bool) async throws -> Bool {
        try await database.raw(
            """
            UPDATE memberships SET is_active = \(bind: isActive)
            WHERE tenant_id = \(bind: tenantID.description) AND user_id = \(bind: userID.description)
            RETURNING user_id
            """
        ).first() != nil
    }

    public func deleteMembership(userID: UserID, tenantID: TenantID) async throws -> Bool {
        // One statement: the role assignments go with it (their foreign key cascades), and of two
        // concurrent removals only one reports that it removed something.
        try await database.raw(
            """
            DELETE FROM memberships WHERE tenant_id = \(bind: tenantID.description) AND user_id = \(bind: userID.description)
            RETURNING user_id
            """
        ).first() != nil
    }

    public func members(of tenantID: TenantID, search: String?, page: PageRequest) async throws -> Page<Member> {
        let tenant = tenantID.description
        let filter: SQLQueryString
        let searchJoin: SQLQueryString
        if let search, !search.isEmpty {
            // Folded in Swift like the stored key, so both engines compare the same text.
            let pattern = "%" + Self.escapeLike(SearchKey.fold(search)) + "%"
            searchJoin = "JOIN users u ON u.id = m.user_id"
            filter = "AND u.search_key LIKE \(bind: pattern) ESCAPE '\\'"
        } else {
            (searchJoin, filter) = ("", "")
        }
        // The page of members and their role names in one round trip: the page is cut first, then
        // each member appears once per role (or once with no role), in join order, roles by name.
        // Without a search the page is cut from the membership index alone, before any user row is read.
        // LIMIT and OFFSET are literals (validated integers): SQLite compiles a statement whose LIMIT is
        // a bound parameter a second time once the value is bound.
        let rows = try await database.raw(
            """
            SELECT u.id, u.email, u.first_name, u.last_name, u.is_superuser, p.is_active, p.created_at, r.name AS role_name
            FROM (
                SELECT m.user_id, m.is_active, m.created_at FROM memberships m
                \(searchJoin)
                WHERE m.tenant_id = \(bind: tenant) \(filter)
                ORDER BY m.created_at, m.user_id
                LIMIT \(literal: page.limit) OFFSET \(literal: page.offset)
            ) p
            JOIN users u ON u.id = p.user_id
            LEFT JOIN role_assignments a ON a.tenant_id = \(bind: tenant) AND a.user_id = p.user_id
            LEFT JOIN roles r ON r.id = a.role_id
            ORDER BY p.created_at, p.user_id, r.name
            """
        ).all()
        let total: Int
        if search?.isEmpty == false {
            total = try await database.raw(
                "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = \(bind: tenant) \(filter)"
            ).first()?.int("n") ?? 0
        } else if let cache {
            total = try await cache.memberCounts.value(for: tenantID) { try await memberCount(of: tenantID) } ?? 0
        } else {
            total = try await memberCount(of: tenantID)
        }
        var entries: [(profile: MemberProfile, membership: Membership, roleNames: [String])] = []
        for row in rows {
            let userID: UserID = try row.id("id")
            if entries.last?.profile.id != userID {
                let profile = MemberProfile(
                    id: userID, email: EmailAddress(stored: try row.string("email")), firstName: try row.string("first_name"),
                    lastName: try row.string("last_name"), isSuperuser: try row.bool("is_superuser")
                )
                let membership = Membership(
                    userID: userID, tenantID: tenantID, isActive: try row.bool("is_active"), createdAt: try row.date("created_at")
                )
                entries.append((profile, membership, []))
            }
            if let roleName = try row.optionalString("role_name") { entries[entries.count - 1].roleNames.append(roleName) }
        }
        let members = entries.map { Member(profile: $0.profile, membership: $0.membership, roleNames: $0.roleNames) }
        return Page(items: members, total: total, request: page)
    }

    /// Without a search the count needs no join: the membership index alone answers it.
    func memberCount(of tenantID: TenantID) async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = \(bind: tenantID.description)")
            .first()?.int("n") ?? 0
    }

    public func member(_ userID: UserID, of tenantID: TenantID) async throws -> Member? {
        guard let membership = try await membership(userID: userID, tenantID: tenantID),
            let user = try await user(id: userID)
        else { return nil }
        let names = try await roleNames(of: [userID], in: tenantID)
        return Member(profile: MemberProfile(user), membership: membership, roleNames: names[userID] ?? [])
    }

    public func memberIDs(_ userIDs: Set<UserID>, of tenantID: TenantID) async throws -> Set<UserID> {
        guard !userIDs.isEmpty else { return [] }
        let rows = try await database.raw(
            """
            SELECT user_id FROM memberships
            WHERE tenant_id = \(bind: tenantID.description) AND user_id IN (\(binds: userIDs.map(\.description)))
            """
        ).all()
        return Set(try rows.map { try $0.id("user_id") })
    }

    /// Role names per user in one query, sorted by name.
    func roleNames(of userIDs: [UserID], in tenantID: TenantID) async throws -> [UserID: [String]] {
        guard !userIDs.isEmpty else { return [:] }
        let rows = try await database.raw(
            """
            SELECT a.user_id, r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
            WHERE a.tenant_id = \(bind: tenantID.description) AND a.user_id IN (\(binds: userIDs.map(\.description)))
            ORDER BY r.name
            """
        ).all()
        var names: [UserID: [String]] = [:]
        for row in rows {
            names[try row.id("user_id"), default: []].append(try row.string("name"))
        }
        return names
    }

    /// Makes `%`, `_` and `\` in user input match themselves in a LIKE pattern.
    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
