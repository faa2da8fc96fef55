import APIContract
import Core

extension Components.Schemas.AuditEvent {
    init(_ event: AuditEvent) {
        self.init(
            id: event.id.description, occurredAt: event.occurredAt, tenantId: event.tenantID?.description,
            actorType: ActorTypePayload(rawValue: event.actor.type) ?? .system, actorId: event.actor.id, operation: event.operation,
            targetType: event.targetType, targetId: event.targetID, outcome: OutcomePayload(rawValue: event.outcome.rawValue) ?? .failure,
            requestId: event.requestID, clientAddress: event.clientAddress, details: .init(additionalProperties: event.details)
        )
    }
}

extension Components.Schemas.AuditEventPage {
    init(_ page: Page<AuditEvent>) {
        self.init(items: page.items.map(Components.Schemas.AuditEvent.init), total: page.total, page: page.request.page, limit: page.request.limit)
    }
}
