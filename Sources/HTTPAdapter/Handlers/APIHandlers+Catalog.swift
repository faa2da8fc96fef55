import APIContract
import Core

extension APIHandlers {
    package func listTemplates(_ input: Operations.ListTemplates.Input) async throws -> Operations.ListTemplates.Output {
        let (list, showsImages) = try await templates.list(in: tenantAccess())
        return .ok(.init(body: .json(list.map { Components.Schemas.VMTemplate($0, showingImages: showsImages) })))
    }

    package func createTemplate(_ input: Operations.CreateTemplate.Input) async throws -> Operations.CreateTemplate.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let draft = TemplateService.Draft(
            name: body.name, description: body.description, cpu: body.cpu, memoryGB: body.memoryGb, diskGB: body.diskGb,
            images: body.images?.byDriverName ?? [:]
        )
        let template = try await templates.create(by: principal(), draft)
        return .created(.init(body: .json(.init(template, showingImages: true))))
    }

    package func deleteTemplate(_ input: Operations.DeleteTemplate.Input) async throws -> Operations.DeleteTemplate.Output {
        try await templates.delete(by: principal(), id: IDs.path(input.path.templateId, "Template"))
        return .noContent(.init())
    }

    package func listHosts(_ input: Operations.ListHosts.Input) async throws -> Operations.ListHosts.Output {
        .ok(.init(body: .json(try await hosts.list(by: principal()).map(Components.Schemas.Host.init))))
    }

    package func createHost(_ input: Operations.CreateHost.Input) async throws -> Operations.CreateHost.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let vcenter = HostService.VCenterDraft(
            username: body.username, password: body.password, insecure: body.insecure, caPEM: body.caPem, thumbprint: body.thumbprint,
            placement: .init(
                datacenter: body.datacenter, cluster: body.cluster, resourcePool: body.resourcePool, datastore: body.datastore,
                folder: body.folder, network: body.network
            )
        )
        let draft = HostService.Draft(
            name: body.name, driver: body.driver.rawValue, uri: body.uri, capacity: body.capacity?.domain, virtType: body.virtType?.rawValue,
            vcenter: vcenter
        )
        return .created(.init(body: .json(.init(try await hosts.register(by: principal(), draft)))))
    }

    package func getHost(_ input: Operations.GetHost.Input) async throws -> Operations.GetHost.Output {
        .ok(.init(body: .json(.init(try await hosts.get(by: principal(), id: IDs.path(input.path.hostId, "Host"))))))
    }

    package func updateHost(_ input: Operations.UpdateHost.Input) async throws -> Operations.UpdateHost.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let patch = HostPatch(name: body.name, enabled: body.enabled, capacity: body.capacity?.domain)
        let vcenter = HostService.VCenterDraft(
            username: body.username, password: body.password, insecure: body.insecure, caPEM: body.caPem, thumbprint: body.thumbprint
        )
        let host = try await hosts.update(by: principal(), id: IDs.path(input.path.hostId, "Host"), patch, vcenter: vcenter)
        return .ok(.init(body: .json(.init(host))))
    }

    package func deleteHost(_ input: Operations.DeleteHost.Input) async throws -> Operations.DeleteHost.Output {
        try await hosts.delete(by: principal(), id: IDs.path(input.path.hostId, "Host"))
        return .noContent(.init())
    }
}
