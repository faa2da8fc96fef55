import Foundation

/// A user's place in one tenant. `isActive` is the tenant's switch for that user: an inactive member
/// is refused in this tenant and keeps working in the others.
public struct Membership: Sendable, Equatable {
    public let userID: UserID
    public let tenantID: TenantID
    public var isActive: Bool
    public let createdAt: Date

    public init(userID: UserID, tenantID: TenantID, isActive: Bool, createdAt: Date) {
        self.userID = userID
        self.tenantID = tenantID
        self.isActive = isActive
        self.createdAt = createdAt
    }
}
