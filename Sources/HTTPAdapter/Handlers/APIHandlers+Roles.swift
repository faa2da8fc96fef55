import APIContract
import Core

extension APIHandlers {
    package func listPermissions(_ input: Operations.ListPermissions.Input) async throws -> Operations.ListPermissions.Output {
        let catalog = try await roles.permissions(in: tenantAccess())
        return .ok(.init(body: .json(catalog.map(Components.Schemas.Permission.init))))
    }

    package func listRoles(_ input: Operations.ListRoles.Input) async throws -> Operations.ListRoles.Output {
        .ok(.init(body: .json(try await roles.list(in: tenantAccess()).map(Components.Schemas.Role.init))))
    }

    package func createRole(_ input: Operations.CreateRole.Input) async throws -> Operations.CreateRole.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let role = try await roles.create(
            in: tenantAccess(), .init(name: body.name, description: body.description, permissionIDs: body.permissionIds?.map(\.rawValue))
        )
        return .created(.init(body: .json(.init(role))))
    }

    package func getRole(_ input: Operations.GetRole.Input) async throws -> Operations.GetRole.Output {
        let role = try await roles.get(in: tenantAccess(), id: IDs.path(input.path.roleId, "Role"))
        return .ok(.init(body: .json(.init(role))))
    }

    package func updateRole(_ input: Operations.UpdateRole.Input) async throws -> Operations.UpdateRole.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let draft = RoleService.Draft(
            name: body.name, description: body.description.map { $0.isEmpty ? nil : $0 }, permissionIDs: body.permissionIds?.map(\.rawValue)
        )
        let role = try await roles.update(in: tenantAccess(), id: IDs.path(input.path.roleId, "Role"), draft)
        return .ok(.init(body: .json(.init(role))))
    }

    package func deleteRole(_ input: Operations.DeleteRole.Input) async throws -> Operations.DeleteRole.Output {
        try await roles.delete(in: tenantAccess(), id: IDs.path(input.path.roleId, "Role"))
        return .noContent(.init())
    }

    package func getRoleUsers(_ input: Operations.GetRoleUsers.Input) async throws -> Operations.GetRoleUsers.Output {
        let ids = try await roles.holders(in: tenantAccess(), id: IDs.path(input.path.roleId, "Role"))
        return .ok(.init(body: .json(.init(ids))))
    }

    package func setRoleUsers(_ input: Operations.SetRoleUsers.Input) async throws -> Operations.SetRoleUsers.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let ids = try await roles.setHolders(
            in: tenantAccess(), id: IDs.path(input.path.roleId, "Role"), userIDs: IDs.body(body.userIds, field: "user_ids")
        )
        return .ok(.init(body: .json(.init(ids))))
    }
}
