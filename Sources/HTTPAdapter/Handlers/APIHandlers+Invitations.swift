import APIContract
import Core

extension APIHandlers {
    package func createInvitation(_ input: Operations.CreateInvitation.Input) async throws -> Operations.CreateInvitation.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let roleID: RoleID = try IDs.body([body.roleId], field: "role_id")[0]
        let issued = try await invitations.create(in: tenantAccess(), email: body.email, roleID: roleID)
        return .created(.init(body: .json(.init(issued))))
    }

    package func listInvitations(_ input: Operations.ListInvitations.Input) async throws -> Operations.ListInvitations.Output {
        let page = try PageRequest(page: input.query.page, limit: input.query.limit)
        let status = try input.query.status.map { (raw) throws(DomainError) in try Invitation.Status(parsing: raw) }
        let result = try await invitations.list(in: tenantAccess(), status: status, page: page)
        return .ok(.init(body: .json(.init(result))))
    }

    package func revokeInvitation(_ input: Operations.RevokeInvitation.Input) async throws -> Operations.RevokeInvitation.Output {
        try await invitations.revoke(in: tenantAccess(), id: IDs.path(input.path.invitationId, "Invitation"))
        return .noContent(.init())
    }

    /// Public: a bearer token, when present, must be valid and stands in for the account's password.
    package func acceptInvitation(_ input: Operations.AcceptInvitation.Input) async throws -> Operations.AcceptInvitation.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        var principal: Principal?
        if let credential = try presentedCredential() { principal = try await self.principal(presenting: credential) }
        let accepted = try await invitations.accept(
            .init(token: body.token, password: body.password, firstName: body.firstName, lastName: body.lastName), by: principal
        )
        return .ok(.init(body: .json(.init(accepted))))
    }
}
