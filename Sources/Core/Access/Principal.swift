import Foundation

/// Who is calling, after their credential was verified.
public struct Principal: Sendable {
    /// How the caller proved who they are.
    public enum Credential: Sendable, Equatable {
        case accessToken
    }

    public let user: User
    public let credential: Credential

    public init(user: User, credential: Credential) {
        self.user = user
        self.credential = credential
    }

    public var userID: UserID { user.id }
    public var isSuperuser: Bool { user.isSuperuser }
}

/// The caller's standing in one tenant, as loaded together with the caller.
public struct TenantStanding: Sendable, Equatable {
    public let tenantID: TenantID
    public let isActive: Bool
    /// Union of the permissions of the caller's roles in this tenant.
    public let permissions: Set<Permission>

    public init(tenantID: TenantID, isActive: Bool, permissions: Set<Permission>) {
        self.tenantID = tenantID
        self.isActive = isActive
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
