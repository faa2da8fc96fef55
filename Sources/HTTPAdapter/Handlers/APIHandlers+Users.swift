import APIContract
import Core

extension APIHandlers {
    /// Served by `listUsersHandEncoded`; this generated route is kept as its reference in tests.
    package func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        .ok(.init(body: .json(.init(try await memberPage(page: input.query.page, limit: input.query.limit, search: input.query.search)))))
    }

    func memberPage(page: Int?, limit: Int?, search: String?) async throws -> Page<Member> {
        let page = try PageRequest(page: page, limit: limit)
        return try await members.list(in: tenantAccess(), search: search, page: page)
    }

    package func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let new = MemberService.NewMember(
            email: body.email, password: body.password, firstName: body.firstName, lastName: body.lastName,
            roleIDs: try IDs.body(body.roleIds ?? [], field: "role_ids")
        )
        let member = try await members.create(in: tenantAccess(), new)
        return .created(.init(body: .json(.init(member))))
    }

    package func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        let member = try await members.get(in: tenantAccess(), userID: IDs.path(input.path.userId, "User"))
        return .ok(.init(body: .json(.init(member))))
    }

    package func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let member = try await members.update(
            in: tenantAccess(), userID: IDs.path(input.path.userId, "User"),
            firstName: body.firstName, lastName: body.lastName, isActive: body.isActive
        )
        return .ok(.init(body: .json(.init(member))))
    }

    package func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        try await members.remove(in: tenantAccess(), userID: IDs.path(input.path.userId, "User"))
        return .noContent(.init())
    }

    package func assignUserRole(_ input: Operations.AssignUserRole.Input) async throws -> Operations.AssignUserRole.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let roleID: RoleID = try IDs.body([body.roleId], field: "role_id")[0]
        try await members.assignRole(in: tenantAccess(), userID: IDs.path(input.path.userId, "User"), roleID: roleID)
        return .noContent(.init())
    }

    package func unassignUserRole(_ input: Operations.UnassignUserRole.Input) async throws -> Operations.UnassignUserRole.Output {
        try await members.unassignRole(
            in: tenantAccess(), userID: IDs.path(input.path.userId, "User"), roleID: IDs.path(input.path.roleId, "Role")
        )
        return .noContent(.init())
    }
}
