import APIContract
import Core

extension Components.Schemas.Tenant {
    init(_ tenant: Tenant) {
        self.init(
            id: tenant.id.description, name: tenant.name, description: tenant.description, isActive: tenant.isActive,
            createdAt: tenant.createdAt, updatedAt: tenant.updatedAt
        )
    }
}

extension Components.Schemas.TenantUser {
    init(_ member: Member) {
        self.init(
            id: member.profile.id.description, email: member.profile.email.value, firstName: member.profile.firstName,
            lastName: member.profile.lastName, isActive: member.membership.isActive, isSuperuser: member.profile.isSuperuser,
            roles: member.roleNames, joinedAt: member.membership.createdAt
        )
    }
}

extension Components.Schemas.UserPage {
    init(_ page: Page<Member>) {
        self.init(items: page.items.map(Components.Schemas.TenantUser.init), total: page.total, page: page.request.page, limit: page.request.limit)
    }
}

extension Components.Schemas.Permission {
    init(_ info: PermissionInfo) {
        self.init(id: info.id.id, name: info.name, module: info.module)
    }
}

extension Components.Schemas.Role {
    init(_ summary: RoleSummary) {
        let role = summary.role
        let ids = role.permissions.sorted()
        self.init(
            id: role.id.description, name: role.name, description: role.description, isSystemRole: role.isSystem,
            tenantId: role.tenantID?.description, userCount: summary.userCount, permissionIds: ids.map(\.id),
            permissions: summary.permissionDetails.map(Components.Schemas.Permission.init),
            createdAt: role.createdAt, updatedAt: role.updatedAt
        )
    }
}

extension Components.Schemas.RoleUsers {
    init(_ ids: [UserID]) {
        self.init(userIds: ids.map(\.description))
    }
}
