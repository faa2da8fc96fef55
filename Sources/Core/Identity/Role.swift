import Foundation

public typealias RoleID = EntityID<Role>

/// A named set of permissions. System roles are global and immutable; custom roles belong to one tenant.
public struct Role: Sendable, Equatable {
    public let id: RoleID
    /// nil for system roles.
    public let tenantID: TenantID?
    public var name: String
    public var description: String?
    public var permissions: Set<Permission>
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: RoleID, tenantID: TenantID?, name: String, description: String?, permissions: Set<Permission>,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.description = description
        self.permissions = permissions
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var isSystem: Bool { tenantID == nil }
}

/// The system roles seeded by migration, with fixed ids so code can name them.
public enum SystemRole {
    public static let tenantAdmin = RoleID(UUID(uuidString: "00000000-0000-4000-8000-000000000001")!)
    public static let readOnlyUser = RoleID(UUID(uuidString: "00000000-0000-4000-8000-000000000002")!)
    public static let vmOperator = RoleID(UUID(uuidString: "00000000-0000-4000-8000-000000000003")!)
}

/// A role as shown in a tenant: with how many of the tenant's members hold it, and the catalog
/// entries of its permissions (filled in by `RoleService`).
public struct RoleSummary: Sendable, Equatable {
    public let role: Role
    public let userCount: Int
    public var permissionDetails: [PermissionInfo]

    public init(role: Role, userCount: Int, permissionDetails: [PermissionInfo] = []) {
        self.role = role
        self.userCount = userCount
        self.permissionDetails = permissionDetails
    }
}
