import Foundation

/// Who is calling, after their credential was verified.
public struct Principal: Sendable {
    /// How the caller proved who they are.
    public enum Credential: Sendable, Equatable {
        case accessToken
        /// An API key, limited to `scope` when that is not nil.
        case apiKey(id: APIKeyID, scope: Set<Permission>?)
    }

    public let user: User
    public let credential: Credential

    public init(user: User, credential: Credential) {
        self.user = user
        self.credential = credential
    }

    public var userID: UserID { user.id }
    /// The account's flag: a superuser may enter every tenant, whatever credential they use.
    public var isSuperuser: Bool { user.isSuperuser }

    /// The permissions an API key is limited to; nil for access tokens and unscoped keys.
    public var scope: Set<Permission>? {
        guard case .apiKey(_, let scope) = credential else { return nil }
        return scope
    }

    /// Superuser powers beyond permission sets (bypassing checks, managing tenants) need a credential
    /// that is not limited: a scoped key of a superuser holds exactly its scope.
    public var isUnrestrictedSuperuser: Bool { user.isSuperuser && scope == nil }

    public var isAPIKey: Bool {
        guard case .apiKey = credential else { return false }
        return true
    }

    /// Managing what is not a tenant's (tenants, hosts, the template catalog) needs a superuser and a
    /// credential that is not limited: a scoped key of a superuser is refused too.
    public func requireUnrestrictedSuperuser(toManage what: String) throws(DomainError) {
        guard isSuperuser else { throw .forbidden("Only superusers manage \(what)") }
        guard isUnrestrictedSuperuser else { throw .forbidden("A scoped API key cannot manage \(what)") }
    }

    /// Some account-level actions need the account's own login, not a key acting for it.
    public func requireInteractiveLogin(toDo action: String) throws(DomainError) {
        guard !isAPIKey else { throw .forbidden("An API key cannot \(action); use an access token") }
    }
}

/// The caller's standing in one tenant, as loaded together with the caller.
public struct TenantStanding: Sendable, Equatable {
    public let tenantID: TenantID
    /// The membership's switch.
    public let isActive: Bool
    /// The tenant's own switch: a deactivated tenant refuses its members.
    public let tenantIsActive: Bool
    /// Union of the permissions of the caller's roles in this tenant.
    public let permissions: Set<Permission>

    public init(tenantID: TenantID, isActive: Bool, tenantIsActive: Bool = true, permissions: Set<Permission>) {
        self.tenantID = tenantID
        self.isActive = isActive
        self.tenantIsActive = tenantIsActive
        self.permissions = permissions
    }
}

/// A verified caller with everything needed to authorise the request, loaded in one go.
public struct Caller: Sendable {
    public let principal: Principal
    /// Memberships: all of them when no tenant was requested, otherwise only the requested one.
    public let standings: [TenantStanding]
    /// Whether the requested tenant exists at all (only meaningful when one was requested).
    public let requestedTenantExists: Bool

    public init(principal: Principal, standings: [TenantStanding], requestedTenantExists: Bool) {
        self.principal = principal
        self.standings = standings
        self.requestedTenantExists = requestedTenantExists
    }
}
