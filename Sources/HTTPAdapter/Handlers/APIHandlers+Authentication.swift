import APIContract
import Core

extension APIHandlers {
    package func createAccessToken(_ input: Operations.CreateAccessToken.Input) async throws -> Operations.CreateAccessToken.Output {
        let credentials: Components.Schemas.LoginRequest
        switch input.body {
        case .json(let body): credentials = body
        case .urlEncodedForm(let body): credentials = body
        }
        let issued = try await authentication.login(email: credentials.username, password: credentials.password)
        return .ok(.init(body: .json(.init(accessToken: issued.token, tokenType: .bearer, expiresIn: issued.expiresIn))))
    }

    package func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        let user = try await caller().principal.user
        return .ok(.init(body: .json(.init(user))))
    }
}
