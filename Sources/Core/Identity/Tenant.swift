import Foundation

/// A customer of the hosting provider: the unit of isolation for users, roles and VMs.
public struct Tenant: Sendable, Equatable {
    public let id: TenantID
    public var name: String
    public var description: String?
    public var isActive: Bool
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: TenantID, name: String, description: String?, isActive: Bool, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.isActive = isActive
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The name `Default` given to the tenant created at bootstrap.
    public static let defaultName = "Default"
}
