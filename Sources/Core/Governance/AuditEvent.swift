import Foundation

public typealias AuditEventID = EntityID<AuditEvent>

/// Who or what made a change.
public enum AuditActor: Sendable, Equatable {
    case user(UserID)
    case apiKey(APIKeyID)
    /// The service on its own: a job's outcome, reconciliation.
    case system
    /// Nobody known: a failed login with an email that names no account.
    case anonymous

    public init(_ principal: Principal) {
        switch principal.credential {
        case .accessToken: self = .user(principal.userID)
        case .apiKey(let id, _): self = .apiKey(id)
        }
    }

    /// `actor_type` as the API shows it.
    public var type: String {
        switch self {
        case .user, .anonymous: "user"
        case .apiKey: "api_key"
        case .system: "system"
        }
    }

    public var id: String? {
        switch self {
        case .user(let id): id.description
        case .apiKey(let id): id.description
        case .system, .anonymous: nil
        }
    }
}

/// Where a request came from: set by the inbound adapter for the request's task, read when an event
/// is recorded, so that use cases need not pass it along. Nil outside requests (jobs, the CLI).
public struct RequestOrigin: Sendable, Equatable {
    @TaskLocal public static var current: RequestOrigin?

    public let requestID: String?
    public let clientAddress: String?

    public init(requestID: String?, clientAddress: String?) {
        self.requestID = requestID
        self.clientAddress = clientAddress
    }
}

/// One entry of the audit trail: who did what to which target, in which tenant, and how it ended.
/// `details` holds a few plain facts (a name, the fields changed); never a secret.
public struct AuditEvent: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case success
        case failure
    }

    public let id: AuditEventID
    public let occurredAt: Date
    /// Nil for events outside any tenant (logins, hosts, templates): superusers see those.
    public let tenantID: TenantID?
    public let actor: AuditActor
    /// `<target type>.<verb>`: `vm.create`, `role.update`, `auth.login`, `vm.job.create`.
    public let operation: String
    public let targetType: String
    public let targetID: String?
    public let outcome: Outcome
    public let requestID: String?
    public let clientAddress: String?
    public let details: [String: String]

    public init(
        id: AuditEventID, occurredAt: Date, tenantID: TenantID?, actor: AuditActor, operation: String, targetType: String,
        targetID: String?, outcome: Outcome, requestID: String?, clientAddress: String?, details: [String: String] = [:]
    ) {
        self.id = id
        self.occurredAt = occurredAt
        self.tenantID = tenantID
        self.actor = actor
        self.operation = operation
        self.targetType = targetType
        self.targetID = targetID
        self.outcome = outcome
        self.requestID = requestID
        self.clientAddress = clientAddress
        self.details = details
    }
}

/// The target of an event, as `(type, id)`.
public struct AuditTarget: Sendable {
    public let type: String
    public let id: String?

    public init(type: String, id: String?) {
        self.type = type
        self.id = id
    }

    public static func tenant(_ id: TenantID) -> Self { Self(type: "tenant", id: id.description) }
    public static func user(_ id: UserID) -> Self { Self(type: "user", id: id.description) }
    public static func role(_ id: RoleID) -> Self { Self(type: "role", id: id.description) }
    public static func invitation(_ id: InvitationID) -> Self { Self(type: "invitation", id: id.description) }
    public static func apiKey(_ id: APIKeyID) -> Self { Self(type: "api_key", id: id.description) }
    public static func vm(_ id: VMID) -> Self { Self(type: "vm", id: id.description) }
    public static func template(_ id: TemplateID) -> Self { Self(type: "template", id: id.description) }
    public static func host(_ id: HostID) -> Self { Self(type: "host", id: id.description) }
    public static func quota(_ tenantID: TenantID) -> Self { Self(type: "quota", id: tenantID.description) }
}

extension CoreEnvironment {
    /// An event of the current request (or of the system, outside requests), happening now.
    func auditEvent(
        _ operation: String, on target: AuditTarget, in tenantID: TenantID?, by actor: AuditActor, outcome: AuditEvent.Outcome = .success,
        at date: Date? = nil, details: [String: String] = [:]
    ) -> AuditEvent {
        let origin = RequestOrigin.current
        return AuditEvent(
            id: newID(), occurredAt: date ?? now(), tenantID: tenantID, actor: actor, operation: operation, targetType: target.type,
            targetID: target.id, outcome: outcome, requestID: origin?.requestID, clientAddress: origin?.clientAddress, details: details
        )
    }
}

extension AuditLog {
    /// Appends one event of the current request (or of the system, outside requests), happening now.
    func record(
        _ operation: String, on target: AuditTarget, in tenantID: TenantID?, by actor: AuditActor, environment: CoreEnvironment,
        outcome: AuditEvent.Outcome = .success, details: [String: String] = [:]
    ) async throws {
        try await appendAuditEvents([
            environment.auditEvent(operation, on: target, in: tenantID, by: actor, outcome: outcome, details: details)
        ])
    }

    /// Appends one event of a request acting in `access`'s tenant.
    func record(
        _ operation: String, on target: AuditTarget, in access: TenantAccess, environment: CoreEnvironment, details: [String: String] = [:]
    ) async throws {
        try await record(operation, on: target, in: access.tenantID, by: AuditActor(access.principal), environment: environment, details: details)
    }
}

/// The names of the fields a request changed, for an event's details.
func changedFields(_ fields: [(String, Bool)]) -> [String: String] {
    let names = fields.filter(\.1).map(\.0)
    return names.isEmpty ? [:] : ["fields": names.joined(separator: ",")]
}
