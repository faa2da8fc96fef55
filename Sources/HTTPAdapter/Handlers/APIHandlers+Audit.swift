import APIContract
import Core

extension APIHandlers {
    package func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let query = input.query
        let page = try PageRequest(page: query.page, limit: query.limit)
        let tenant: TenantID? = try query.tenantId.map { try IDs.query($0, field: "tenant_id") }
        var filter = AuditFilter(
            tenantID: tenant, since: query.since, until: query.until, actorID: query.actorId, targetID: query.targetId,
            operation: query.operation
        )
        let principal = try await principal()
        let events: Page<AuditEvent>
        if principal.isUnrestrictedSuperuser {
            events = try await audit.events(by: principal, filter, page: page)
        } else {
            // `tenant_id` names the tenant to act in, as `X-Tenant-ID` does; the core keeps the events to it.
            let access = try await tenantAccess(in: tenant ?? RequestScope.current.requestedTenant())
            filter.tenantID = access.tenantID
            events = try await audit.events(in: access, filter, page: page)
        }
        return .ok(.init(body: .json(.init(events))))
    }
}
