import Foundation

/// How the worker runs jobs: leases, retries and how many at once.
public struct JobPolicy: Sendable {
    /// Failed attempts after which a job gives up and its VM goes to `ERROR` (delete jobs never give up).
    public var maxAttempts: Int
    /// The wait after the first failure; it doubles with every further failure, up to `maxRetryDelay`.
    public var retryDelay: Duration
    public var maxRetryDelay: Duration
    /// How long a claimed job stays with its worker without a renewal. Renewed every third of it while
    /// the driver works, so only a worker that died (or hangs) loses its jobs, after at most this long.
    public var lease: Duration
    /// How long a graceful shutdown may take before the machine is powered off.
    public var stopTimeout: Duration
    /// Jobs one process runs at once.
    public var concurrency: Int
    /// How often an idle worker looks for due jobs queued by other processes (or retries that came due).
    public var pollInterval: Duration
    /// The shortest time between two claims of one process while jobs trickle in: a job waits at
    /// most this much longer to start, and a stream of requests costs one claim per interval.
    public var claimInterval: Duration

    public init(
        maxAttempts: Int = 5, retryDelay: Duration = .seconds(1), maxRetryDelay: Duration = .seconds(300), lease: Duration = .seconds(30),
        stopTimeout: Duration = .seconds(60), concurrency: Int = 64, pollInterval: Duration = .milliseconds(250),
        claimInterval: Duration = .milliseconds(10)
    ) {
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        self.maxRetryDelay = maxRetryDelay
        self.lease = lease
        self.stopTimeout = stopTimeout
        self.concurrency = concurrency
        self.pollInterval = pollInterval
        self.claimInterval = claimInterval
    }

    /// Seconds to wait after failed attempt number `attempt` (1 for the first failure).
    public func delay(afterAttempt attempt: Int) -> Double {
        let base = retryDelay.seconds
        let doubled = base * pow(2, Double(min(max(attempt - 1, 0), 30)))
        return min(doubled, maxRetryDelay.seconds)
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
