/// Rules that keep a tenant's administrators from granting more than they hold.
enum AccessPolicy {
    /// Outside superusers, a caller may put into a role, or hand to anyone (themselves included),
    /// only permissions they hold themselves in this tenant.
    static func requireCanGrant(_ permissions: Set<Permission>, by access: TenantAccess) throws(DomainError) {
        guard !access.principal.isSuperuser else { return }
        let missing = permissions.subtracting(access.permissions)
        guard missing.isEmpty else {
            throw .forbidden("Cannot grant permissions you do not hold: \(missing.sorted().map(\.id).joined(separator: ", "))")
        }
    }
}
