import APIContract
import Core

extension APIHandlers {
    package func listTenants(_ input: Operations.ListTenants.Input) async throws -> Operations.ListTenants.Output {
        let principal = try await principal()
        return .ok(.init(body: .json(try await tenants.list(for: principal).map(Components.Schemas.Tenant.init))))
    }

    package func createTenant(_ input: Operations.CreateTenant.Input) async throws -> Operations.CreateTenant.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let tenant = try await tenants.create(by: principal(), name: body.name, description: body.description)
        return .created(.init(body: .json(.init(tenant))))
    }

    package func getTenant(_ input: Operations.GetTenant.Input) async throws -> Operations.GetTenant.Output {
        let tenant = try await tenants.get(by: principal(), id: IDs.path(input.path.tenantId, "Tenant"))
        return .ok(.init(body: .json(.init(tenant))))
    }

    package func updateTenant(_ input: Operations.UpdateTenant.Input) async throws -> Operations.UpdateTenant.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let changes = TenantService.Changes(
            name: body.name,
            description: body.description.map { $0.isEmpty ? nil : $0 },
            isActive: body.isActive
        )
        let tenant = try await tenants.update(by: principal(), id: IDs.path(input.path.tenantId, "Tenant"), changes: changes)
        return .ok(.init(body: .json(.init(tenant))))
    }

    package func deleteTenant(_ input: Operations.DeleteTenant.Input) async throws -> Operations.DeleteTenant.Output {
        try await tenants.delete(by: principal(), id: IDs.path(input.path.tenantId, "Tenant"))
        return .noContent(.init())
    }

    package func listTenantUsers(_ input: Operations.ListTenantUsers.Input) async throws -> Operations.ListTenantUsers.Output {
        let page = try PageRequest(page: input.query.page, limit: input.query.limit)
        let access = try await tenantAccess(in: IDs.path(input.path.tenantId, "Tenant"))
        return .ok(.init(body: .json(.init(try await members.list(in: access, page: page)))))
    }
}
