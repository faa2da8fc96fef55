import APIContract
import Core

extension APIHandlers {
    package func listVMs(_ input: Operations.ListVMs.Input) async throws -> Operations.ListVMs.Output {
        let page = try PageRequest(page: input.query.page, limit: input.query.limit)
        if let search = input.query.search, search.unicodeScalars.count > 100 {
            throw DomainError.invalid("search must be at most 100 characters")
        }
        let filter = VMFilter(search: input.query.search, status: input.query.status?.domain)
        return .ok(.init(body: .json(.init(try await vms.list(in: tenantAccess(), filter: filter, page: page)))))
    }

    package func createVM(_ input: Operations.CreateVM.Input) async throws -> Operations.CreateVM.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let templateID: TemplateID? = try body.templateId.map { try IDs.body([$0], field: "template_id")[0] }
        let draft = VMService.Draft(
            name: body.name, sourceType: body.sourceType?.rawValue, templateID: templateID, isoURL: body.isoUrl, cpu: body.cpu,
            memoryGB: body.memoryGb, diskGB: body.diskGb
        )
        return .accepted(.init(body: .json(.init(try await vms.create(in: tenantAccess(), draft)))))
    }

    package func getVM(_ input: Operations.GetVM.Input) async throws -> Operations.GetVM.Output {
        .ok(.init(body: .json(.init(try await vms.get(in: tenantAccess(), id: IDs.path(input.path.vmId, "VM"))))))
    }

    package func updateVM(_ input: Operations.UpdateVM.Input) async throws -> Operations.UpdateVM.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let vm = try await vms.rename(in: tenantAccess(), id: IDs.path(input.path.vmId, "VM"), to: body.name)
        return .ok(.init(body: .json(.init(vm))))
    }

    package func deleteVM(_ input: Operations.DeleteVM.Input) async throws -> Operations.DeleteVM.Output {
        .accepted(.init(body: .json(.init(try await vms.delete(in: tenantAccess(), id: IDs.path(input.path.vmId, "VM"))))))
    }

    package func performVMAction(_ input: Operations.PerformVMAction.Input) async throws -> Operations.PerformVMAction.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        guard let action = VMLifecycle.Request(rawValue: body.action.rawValue) else {
            throw DomainError.invalid("action must be start, stop or restart")
        }
        let vm = try await vms.perform(action, in: tenantAccess(), id: IDs.path(input.path.vmId, "VM"))
        return .accepted(.init(body: .json(.init(vm))))
    }

    package func listVMLogs(_ input: Operations.ListVMLogs.Input) async throws -> Operations.ListVMLogs.Output {
        let entries = try await vms.logs(in: tenantAccess(), id: IDs.path(input.path.vmId, "VM"), limit: input.query.limit)
        return .ok(.init(body: .json(entries.map(Components.Schemas.VMLogEntry.init))))
    }
}
