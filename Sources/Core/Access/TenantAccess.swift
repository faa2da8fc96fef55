/// A caller acting inside one tenant: what every tenant-scoped use case receives.
/// Holding one proves that the caller may enter the tenant; `require` checks each permission.
public struct TenantAccess: Sendable {
    public let principal: Principal
    public let tenantID: TenantID
    /// Effective permissions in this tenant. Unrestricted superusers bypass the set.
    public let permissions: Set<Permission>

    public init(principal: Principal, tenantID: TenantID, permissions: Set<Permission>) {
        self.principal = principal
        self.tenantID = tenantID
        self.permissions = permissions
    }

    public var userID: UserID { principal.userID }

    public func holds(_ permission: Permission) -> Bool {
        principal.isUnrestrictedSuperuser || permissions.contains(permission)
    }

    public func holdsAll(_ required: some Sequence<Permission>) -> Bool {
        principal.isUnrestrictedSuperuser || required.allSatisfy(permissions.contains)
    }

    public func require(_ required: Permission...) throws(DomainError) {
        for permission in required where !holds(permission) {
            throw .forbidden("Missing permission \(permission)")
        }
    }
}

extension Caller {
    /// Picks the tenant the request acts in, following the contract: an explicit tenant must be an active
    /// tenant the caller is an active member of (superusers may enter any existing tenant, deactivated ones
    /// included); without one, a caller with exactly one membership works there. An API key's scope limits the permissions either way.
    public func access(in requested: TenantID?) throws(DomainError) -> TenantAccess {
        let standing: TenantStanding
        if let requested {
            if let found = standings.first(where: { $0.tenantID == requested }) {
                standing = found
            } else if principal.isSuperuser {
                guard requestedTenantExists else { throw .notFound("Tenant not found") }
                return TenantAccess(principal: principal, tenantID: requested, permissions: effective([]))
            } else {
                throw .forbidden("Not a member of this tenant")
            }
        } else {
            guard standings.count == 1, let only = standings.first else {
                throw .malformed("X-Tenant-ID header is required: the caller belongs to \(standings.count) tenants")
            }
            standing = only
        }
        // Superusers still enter: they administer tenants, and reactivate them.
        guard standing.tenantIsActive || principal.isSuperuser else {
            throw .forbidden("This tenant is deactivated")
        }
        guard standing.isActive || principal.isSuperuser else {
            throw .forbidden("Membership in this tenant is inactive")
        }
        return TenantAccess(principal: principal, tenantID: standing.tenantID, permissions: effective(standing.permissions))
    }

    /// The owner's permissions, intersected with the key's scope. A superuser holds every permission,
    /// so a scoped key of a superuser holds exactly its scope.
    func effective(_ held: Set<Permission>) -> Set<Permission> {
        guard let scope = principal.scope else { return held }
        return principal.isSuperuser ? scope : held.intersection(scope)
    }
}
