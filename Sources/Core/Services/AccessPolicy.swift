/// Rules that keep a tenant's administrators from granting more than they hold.
enum AccessPolicy {
    /// Outside unrestricted superusers, a caller may put into a role, or hand to anyone (themselves
    /// included), only permissions they hold themselves in this tenant (through an API key: within its scope).
    static func requireCanGrant(_ permissions: Set<Permission>, by access: TenantAccess) throws(DomainError) {
        guard !access.principal.isUnrestrictedSuperuser else { return }
        let missing = permissions.subtracting(access.permissions)
        guard missing.isEmpty else {
            throw .forbidden("Cannot grant permissions you do not hold: \(missing.sorted().map(\.id).joined(separator: ", "))")
        }
    }
}

extension RoleRepository {
    /// The roles, each visible in the tenant (else 422: an unknown reference in the body) and
    /// within what the caller may grant (else 403). Inside a transaction that then assigns them, call
    /// with `locked`: the roles are held, so their permission sets cannot grow between check and grant.
    func grantableRoles(_ ids: Set<RoleID>, in access: TenantAccess, locked: Bool = false) async throws -> [Role] {
        var roles: [Role] = []
        // Sorted: concurrent transactions lock roles in one order, so they cannot deadlock.
        for id in ids.sorted(by: { $0.description < $1.description }) {
            let found = locked ? try await lockedRole(id, visibleIn: access.tenantID) : try await role(id, visibleIn: access.tenantID)
            guard let role = found else {
                throw DomainError.invalid("Unknown role id \(id)")
            }
            roles.append(role)
        }
        try AccessPolicy.requireCanGrant(roles.reduce(into: Set()) { $0.formUnion($1.permissions) }, by: access)
        return roles
    }
}
