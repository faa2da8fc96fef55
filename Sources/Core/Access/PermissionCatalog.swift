/// The permissions use cases check. The catalog with display names lives in the database
/// (seeded by migration); these constants are the ids code refers to.
extension Permission {
    public static let userRead = Permission("user:read")
    public static let userCreate = Permission("user:create")
    public static let userUpdate = Permission("user:update")
    public static let userDelete = Permission("user:delete")
    public static let roleRead = Permission("role:read")
    public static let roleCreate = Permission("role:create")
    public static let roleUpdate = Permission("role:update")
    public static let roleDelete = Permission("role:delete")
    public static let roleAssignUsers = Permission("role:assign_users")
    public static let invitationRead = Permission("invitation:read")
    public static let invitationCreate = Permission("invitation:create")
    public static let invitationDelete = Permission("invitation:delete")
    public static let vmRead = Permission("vm:read")
    public static let vmCreate = Permission("vm:create")
    public static let vmUpdate = Permission("vm:update")
    public static let vmDelete = Permission("vm:delete")
    public static let vmPowerManage = Permission("vm:power_manage")
    public static let vmReadLogs = Permission("vm:read_logs")
    public static let templateRead = Permission("template:read")
    public static let auditRead = Permission("audit:read")
}

/// A catalog entry as `GET /permissions` shows it.
public struct PermissionInfo: Sendable, Equatable {
    public let id: Permission
    public let name: String
    public let module: String

    public init(id: Permission, name: String, module: String) {
        self.id = id
        self.name = name
        self.module = module
    }
}
