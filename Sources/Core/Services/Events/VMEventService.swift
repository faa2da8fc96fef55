import Foundation

/// What an event stream sends, in order: `ready` once, then changes and keep-alives.
public enum VMEventMessage: Sendable {
    /// The position the stream starts after.
    case ready(VMChangePosition)
    case change(VMChange)
    /// Nothing happened for a while; proxies and clients see that the stream is alive.
    case keepAlive
}

/// Streams of a tenant's VM changes (`GET /events`): a replay from where the client left off, then
/// the live changes from the process's hub, for as long as the caller may still read the tenant's VMs.
public struct VMEventService: Sendable {
    public struct Settings: Sendable {
        /// How often a quiet stream says it is alive, and checks that the caller still has access.
        public var keepAliveInterval: Duration
        /// After how long a stream ends anyway (the client reconnects where it left off).
        public var lifetime: Duration
        /// At most this many changes per replay read, and in a catch-up answer.
        public var replayLimit: Int

        public init(keepAliveInterval: Duration = .seconds(15), lifetime: Duration = .seconds(600), replayLimit: Int = 500) {
            self.keepAliveInterval = keepAliveInterval
            self.lifetime = lifetime
            self.replayLimit = replayLimit
        }
    }

    /// How long changes stay in the feed (a client gone longer misses them and reloads its lists).
    public static let retention: TimeInterval = 24 * 3600

    private let feed: any VMChangeFeed
    private let hub: VMChangeHub
    private let settings: Settings
    private let environment: CoreEnvironment

    public init(feed: any VMChangeFeed, hub: VMChangeHub, environment: CoreEnvironment, settings: Settings = Settings()) {
        self.feed = feed
        self.hub = hub
        self.environment = environment
        self.settings = settings
    }

    /// The caller's events after `position` (from now on when nil). `follow`: stay open for live changes;
    /// otherwise the changes recorded so far (at most `replayLimit`) and the end. `reauthorize` gives the
    /// caller's access again, as a new request would get it; the stream ends when it fails or lacks
    /// `vm:read` (access revoked, token expired, membership gone).
    public func events(
        for access: TenantAccess, after position: VMChangePosition?, follow: Bool,
        reauthorize: @escaping @Sendable () async throws -> TenantAccess
    ) async throws -> AsyncStream<VMEventMessage> {
        try access.require(.vmRead)
        let tenantID = access.tenantID
        guard follow else {
            let start: VMChangePosition
            if let position { start = position } else { start = try await feed.latestChangePosition() }
            let changes = try await feed.changes(after: start, of: tenantID, limit: settings.replayLimit)
            return AsyncStream { continuation in
                continuation.yield(.ready(start))
                for change in changes { continuation.yield(.change(change)) }
                continuation.finish()
            }
        }
        let (hubPosition, live) = try await hub.subscribe(to: tenantID)
        let (stream, continuation) = AsyncStream<VMEventMessage>.makeStream()
        let settings = self.settings
        let feed = self.feed
        let producer = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Replay from the client's position up to where the hub's subscription starts,
                    // then the subscription, skipping what the replay already sent.
                    var sent = position ?? hubPosition
                    continuation.yield(.ready(sent))
                    if position != nil {
                        do {
                            while true {
                                let changes = try await feed.changes(after: sent, of: tenantID, limit: settings.replayLimit)
                                for change in changes { continuation.yield(.change(change)) }
                                sent = changes.last?.position ?? sent
                                if changes.count < settings.replayLimit { break }
                            }
                        } catch { return }
                    }
                    for await batch in live {
                        for change in batch where change.position > sent {
                            continuation.yield(.change(change))
                            sent = change.position
                        }
                    }
                }
                group.addTask {
                    while (try? await Task.sleep(for: settings.keepAliveInterval)) != nil {
                        guard let access = try? await reauthorize(), access.tenantID == tenantID, access.holds(.vmRead) else { return }
                        continuation.yield(.keepAlive)
                    }
                }
                group.addTask { try? await Task.sleep(for: settings.lifetime) }
                // Whichever ends first ends the stream.
                await group.next()
                group.cancelAll()
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in producer.cancel() }
        return stream
    }

    /// Forgets changes older than the retention; how many.
    public func prune() async throws -> Int {
        try await feed.pruneChanges(before: environment.now().addingTimeInterval(-Self.retention))
    }
}
