import APIContract
import Core

extension APIHandlers {
    package func createAPIKey(_ input: Operations.CreateAPIKey.Input) async throws -> Operations.CreateAPIKey.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let issued = try await apiKeys.create(
            by: principal(), .init(name: body.name, expiresAt: body.expiresAt, permissionIDs: body.permissionIds?.map(\.rawValue))
        )
        return .created(.init(body: .json(.init(issued))))
    }

    package func listAPIKeys(_ input: Operations.ListAPIKeys.Input) async throws -> Operations.ListAPIKeys.Output {
        let page = try PageRequest(page: input.query.page, limit: input.query.limit)
        return .ok(.init(body: .json(.init(try await apiKeys.list(for: principal(), page: page)))))
    }

    package func deleteAPIKey(_ input: Operations.DeleteAPIKey.Input) async throws -> Operations.DeleteAPIKey.Output {
        try await apiKeys.revoke(by: principal(), id: IDs.path(input.path.apiKeyId, "API key"))
        return .noContent(.init())
    }
}
