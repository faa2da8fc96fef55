import APIContract
import Core

extension APIHandlers {
    package func createAccessToken(_ input: Operations.CreateAccessToken.Input) async throws -> Operations.CreateAccessToken.Output {
        let credentials: Components.Schemas.LoginRequest
        switch input.body {
        case .json(let body): credentials = body
        case .urlEncodedForm(let body): credentials = body
        }
        let issued = try await authentication.login(
            email: credentials.username, password: credentials.password, clientAddress: RequestScope.current.clientAddress
        )
        return .ok(.init(body: .json(.init(accessToken: issued.token, tokenType: .bearer, expiresIn: issued.expiresIn))))
    }

    package func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        let user = try await principal().user
        return .ok(.init(body: .json(.init(user))))
    }
}

extension APIHandlers {
    package func getCurrentUserPermissions(
        _ input: Operations.GetCurrentUserPermissions.Input
    ) async throws -> Operations.GetCurrentUserPermissions.Output {
        let access = try await tenantAccess()
        let held = try await roles.permissionsHeld(in: access)
        return .ok(.init(body: .json(.init(
            tenantId: access.tenantID.description, permissionIds: held.map(\.id), isSuperuser: access.principal.isUnrestrictedSuperuser
        ))))
    }
}

extension APIHandlers {
    package func updateCurrentUser(_ input: Operations.UpdateCurrentUser.Input) async throws -> Operations.UpdateCurrentUser.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let principal = try await principal()
        let user = try await profile.update(
            principal,
            .init(firstName: body.firstName, lastName: body.lastName, newPassword: body.password, currentPassword: body.currentPassword),
            clientAddress: RequestScope.current.clientAddress
        )
        return .ok(.init(body: .json(.init(user))))
    }
}
