import APIContract
import Core

extension APIHandlers {
    package func getQuota(_ input: Operations.GetQuota.Input) async throws -> Operations.GetQuota.Output {
        .ok(.init(body: .json(.init(try await quotas.report(in: tenantAccess())))))
    }

    package func setTenantQuota(_ input: Operations.SetTenantQuota.Input) async throws -> Operations.SetTenantQuota.Output {
        guard case .json(let body) = input.body else { throw DomainError.malformed("Expected a JSON body") }
        let limits = QuotaLimits(vms: body.vms, vcpus: body.vcpus, memoryGB: body.memoryGb, diskGB: body.diskGb)
        let report = try await quotas.setLimits(by: principal(), of: IDs.path(input.path.tenantId, "Tenant"), to: limits)
        return .ok(.init(body: .json(.init(report))))
    }
}
