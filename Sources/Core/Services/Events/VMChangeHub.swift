import Foundation

/// One reader of the change feed per process, fanning changes out to the streams open in it: however
/// many clients watch, the process reads the feed once per `interval`, and only while someone watches.
/// It decides nothing about access: streams subscribe for a tenant they were allowed into, and
/// `VMEventService` keeps checking that they still are.
public actor VMChangeHub {
    /// The changes of one tenant, in feed order, as the hub reads them.
    public typealias Subscription = AsyncStream<[VMChange]>

    private struct Subscriber {
        let tenantID: TenantID
        let continuation: Subscription.Continuation
    }

    private let feed: any VMChangeFeed
    /// Where the hub has read to; nil while nobody watches (the next subscriber starts from the newest change).
    private var position: VMChangePosition?
    private var subscribers: [UUID: Subscriber] = [:]
    private var stopped = false
    /// Batches a subscriber may have waiting before it counts as stalled and is dropped (its client
    /// reconnects and catches up from its last event id).
    private let backlogLimit: Int
    private let batchLimit = 1000

    public init(feed: any VMChangeFeed, backlogLimit: Int = 256) {
        self.feed = feed
        self.backlogLimit = backlogLimit
    }

    /// Starts delivering the changes of `tenantID` after the returned position (the hub's current one).
    /// The subscription ends when the hub stops, or when the subscriber falls `backlogLimit` batches behind.
    public func subscribe(to tenantID: TenantID) async throws -> (position: VMChangePosition, changes: Subscription) {
        let current: VMChangePosition
        if let position {
            current = position
        } else {
            let latest = try await feed.latestChangePosition()
            // Another subscriber may have set it while this one read.
            current = position ?? latest
            position = current
        }
        let id = UUID()
        let (stream, continuation) = Subscription.makeStream(bufferingPolicy: .bufferingOldest(backlogLimit))
        if stopped {
            continuation.finish()
            return (current, stream)
        }
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        subscribers[id] = Subscriber(tenantID: tenantID, continuation: continuation)
        return (current, stream)
    }

    public var subscriberCount: Int { subscribers.count }

    private func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
        if subscribers.isEmpty { position = nil }
    }

    /// Reads what the feed holds beyond the hub's position and hands each subscriber its tenant's part.
    public func poll() async throws {
        while !subscribers.isEmpty, let from = position {
            let batch = try await feed.changes(after: from, of: nil, limit: batchLimit)
            // A subscriber arriving during the read took `from` as its start, so it gets this batch too.
            guard let last = batch.last, position == from else { return }
            position = last.position
            let byTenant = Dictionary(grouping: batch, by: \.tenantID)
            for (id, subscriber) in subscribers {
                guard let changes = byTenant[subscriber.tenantID] else { continue }
                if case .dropped = subscriber.continuation.yield(changes) {
                    subscribers[id] = nil
                    subscriber.continuation.finish()
                }
            }
            if batch.count < batchLimit { return }
        }
    }

    /// Polls every `interval` until the task is cancelled, then ends every subscription. A failed read
    /// is retried at the next tick (the database may be briefly away).
    public func run(interval: Duration, onError: @Sendable (any Error) -> Void = { _ in }) async {
        while !Task.isCancelled {
            do { try await poll() } catch { if !Task.isCancelled { onError(error) } }
            try? await Task.sleep(for: interval)
        }
        stop()
    }

    /// Ends every subscription and refuses new ones: the process is shutting down.
    public func stop() {
        stopped = true
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers = [:]
        position = nil
    }
}
