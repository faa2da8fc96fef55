import Foundation

/// Appends to the audit trail. Inside a transaction the events commit or roll back with the change
/// they record: there is no change without its event, and no event of a change that did not happen.
public protocol AuditLog: Sendable {
    func appendAuditEvents(_ events: [AuditEvent]) async throws
}

/// What `GET /audit-events` asks for; nil fields do not filter.
public struct AuditFilter: Sendable, Equatable {
    /// Nil: every tenant's events and those outside tenants (superusers only).
    public var tenantID: TenantID?
    public var since: Date?
    public var until: Date?
    public var actorID: String?
    public var targetID: String?
    public var operation: String?

    public init(
        tenantID: TenantID? = nil, since: Date? = nil, until: Date? = nil, actorID: String? = nil, targetID: String? = nil,
        operation: String? = nil
    ) {
        self.tenantID = tenantID
        self.since = since
        self.until = until
        self.actorID = actorID
        self.targetID = targetID
        self.operation = operation
    }
}

/// An event with its place in the chain: `position` counts from 1 in the order events were sealed,
/// `hash` covers the event's content and the hash of the event before it.
public struct SealedAuditEvent: Sendable, Equatable {
    public let event: AuditEvent
    public let position: Int
    public let hash: String

    public init(event: AuditEvent, position: Int, hash: String) {
        self.event = event
        self.position = position
        self.hash = hash
    }
}

/// A point of the chain: the position and hash of its last event. The head is the newest sealed
/// event; a checkpoint is where events were dropped for retention (verification starts there).
public struct AuditChainPoint: Sendable, Equatable {
    public let position: Int
    public let hash: String

    public init(position: Int, hash: String) {
        self.position = position
        self.hash = hash
    }
}

/// Reading, sealing, checking and pruning the trail.
public protocol AuditTrailStore: Sendable {
    /// Events matching `filter`, newest first.
    func auditEvents(_ filter: AuditFilter, page: PageRequest) async throws -> Page<AuditEvent>
    /// In one transaction that holds the chain's head against other sealers (in any process): gives
    /// up to `limit` events not yet sealed, oldest first, their positions after the head and the
    /// hashes `link` makes of each event and the hash before it; the number sealed.
    func sealAuditEvents(
        limit: Int, link: @escaping @Sendable (_ event: AuditEvent, _ previousHash: String) -> String
    ) async throws -> Int
    /// The newest sealed event's point (position 0 and the genesis hash before any), and the newest checkpoint.
    func auditChain() async throws -> (head: AuditChainPoint, checkpoint: AuditChainPoint?)
    /// Sealed events from `position` on, in chain order, at most `limit`.
    func sealedAuditEvents(from position: Int, limit: Int) async throws -> [SealedAuditEvent]
    /// How many events wait to be sealed.
    func unsealedAuditEventCount() async throws -> Int
    /// The point of the newest sealed event that occurred before `date`, if any is left.
    func lastSealedAuditPoint(before date: Date) async throws -> AuditChainPoint?
    /// In one transaction: records `point` as a checkpoint and drops every sealed event up to it; the
    /// number dropped.
    func dropAuditEvents(through point: AuditChainPoint, at date: Date) async throws -> Int
}
