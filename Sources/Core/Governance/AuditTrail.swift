import Foundation

/// The audit trail: reading it (tenants their own events, superusers every event), sealing new events
/// into the hash chain, checking the chain, and dropping old events for retention.
///
/// Requests append events inside their own transactions (see `AuditLog`); sealing happens after, in
/// the background, in the order the sealer finds committed events. That keeps a chain, whose head every
/// appender would otherwise have to lock until it commits, off the path of every write.
public struct AuditTrail: Sendable {
    /// The hash before the first event.
    public static let genesisHash = String(repeating: "0", count: 64)
    /// Events sealed per transaction.
    static let sealBatch = 500

    let store: any AuditTrailStore
    let digests: any SecretTokens
    let environment: CoreEnvironment
    /// How long events are kept; nil keeps them forever.
    let retention: TimeInterval?

    public init(store: any AuditTrailStore, digests: any SecretTokens, environment: CoreEnvironment, retention: TimeInterval? = nil) {
        self.store = store
        self.digests = digests
        self.environment = environment
        self.retention = retention
    }

    /// `GET /audit-events` for a superuser: every event, or one tenant's with `filter.tenantID`.
    public func events(by principal: Principal, _ filter: AuditFilter, page: PageRequest) async throws -> Page<AuditEvent> {
        try principal.requireUnrestrictedSuperuser(toManage: "the audit trail of every tenant")
        return try await store.auditEvents(try Self.validated(filter), page: page)
    }

    /// `GET /audit-events` for a member with `audit:read`: the tenant's own events only.
    public func events(in access: TenantAccess, _ filter: AuditFilter, page: PageRequest) async throws -> Page<AuditEvent> {
        try access.require(.auditRead)
        var filter = try Self.validated(filter)
        filter.tenantID = access.tenantID
        return try await store.auditEvents(filter, page: page)
    }

    static func validated(_ filter: AuditFilter) throws(DomainError) -> AuditFilter {
        // A `since` after `until` selects nothing, which is the answer (200), not an error.
        for (name, value) in [("actor_id", filter.actorID), ("target_id", filter.targetID), ("operation", filter.operation)] {
            if let value, value.isEmpty || value.unicodeScalars.count > 255 { throw .invalid("\(name) must be 1 to 255 characters") }
        }
        return filter
    }

    // MARK: The chain

    /// Seals every event waiting, in batches; the number sealed.
    @discardableResult
    public func seal() async throws -> Int {
        let digests = digests
        var total = 0
        while true {
            let sealed = try await store.sealAuditEvents(limit: Self.sealBatch) { Self.link($0, after: $1, digests: digests) }
            total += sealed
            if sealed < Self.sealBatch { return total }
        }
    }

    /// The hash of `event` chained to `previousHash`.
    static func link(_ event: AuditEvent, after previousHash: String, digests: any SecretTokens) -> String {
        digests.digest(previousHash + "\n" + canonical(event))
    }

    /// Every field of the event, each as `<length>:<value>` so that no two events make the same text;
    /// the time in whole microseconds, as both databases keep it.
    static func canonical(_ event: AuditEvent) -> String {
        let micros = Int64((event.occurredAt.timeIntervalSince1970 * 1_000_000).rounded())
        let fields: [String?] = [
            event.id.description, String(micros), event.tenantID?.description, event.actor.type, event.actor.id, event.operation,
            event.targetType, event.targetID, event.outcome.rawValue, event.requestID, event.clientAddress,
        ]
        let details = event.details.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] as [String?] }
        return (fields + details).map { field in field.map { "\($0.utf8.count):\($0)" } ?? "-" }.joined(separator: ",")
    }

    /// What `virtualstack audit verify` finds.
    public enum Verification: Sendable, Equatable {
        /// Every sealed event is as it was sealed; `unsealed` events wait for the sealer.
        case intact(sealed: Int, through: Int, unsealed: Int)
        /// The event at `position` is not the event that was sealed there.
        case altered(position: Int, eventID: String)
        /// The event at `position` is gone.
        case missing(position: Int)
        /// The chain ends before its recorded head: its last events are gone.
        case truncated(lastPosition: Int, head: Int)
    }

    /// Walks the chain from the newest checkpoint (or its start) to the head, recomputing each hash.
    public func verify(batch: Int = 1000) async throws -> Verification {
        let (head, checkpoint) = try await store.auditChain()
        var previous = checkpoint ?? AuditChainPoint(position: 0, hash: Self.genesisHash)
        var checked = 0
        while true {
            let events = try await store.sealedAuditEvents(from: previous.position + 1, limit: batch)
            for sealed in events {
                guard sealed.position == previous.position + 1 else { return .missing(position: previous.position + 1) }
                guard Self.link(sealed.event, after: previous.hash, digests: digests) == sealed.hash else {
                    return .altered(position: sealed.position, eventID: sealed.event.id.description)
                }
                previous = AuditChainPoint(position: sealed.position, hash: sealed.hash)
                checked += 1
            }
            if events.count < batch { break }
        }
        guard previous.position == head.position else {
            return previous.position < head.position
                ? .truncated(lastPosition: previous.position, head: head.position) : .missing(position: head.position + 1)
        }
        guard previous.hash == head.hash else { return .altered(position: previous.position, eventID: "") }
        return .intact(sealed: checked, through: head.position, unsealed: try await store.unsealedAuditEventCount())
    }

    /// Drops the sealed events older than the retention, as one segment ending at a checkpoint; the
    /// number dropped. Events not yet sealed are never dropped.
    @discardableResult
    public func applyRetention() async throws -> Int {
        guard let retention else { return 0 }
        let now = environment.now()
        guard let point = try await store.lastSealedAuditPoint(before: now - retention) else { return 0 }
        return try await store.dropAuditEvents(through: point, at: now)
    }
}
