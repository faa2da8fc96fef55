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
    /// within what the caller may grant (else 403).
    func grantableRoles(_ ids: Set<RoleID>, in access: TenantAccess) async throws -> [Role] {
        var roles: [Role] = []
        for id in ids.sorted(by: { $0.description < $1.description }) {
            guard let role = try await role(id, visibleIn: access.tenantID) else {
                throw DomainError.invalid("Unknown role id \(id)")
            }
            roles.append(role)
        }
        try AccessPolicy.requireCanGrant(roles.reduce(into: Set()) { $0.formUnion($1.permissions) }, by: access)
        return roles
    }
}
