import Core
import SQLPersistence
import Synchronization

/// The simulated hypervisor: any number of hosts (keyed by their URI, `simulated://rack-1`), each with
/// its own machines, kept in the service's database. Several processes of the service on one
/// PostgreSQL therefore see one hypervisor, and machines survive a restart of the service as they
/// would on a real host. Nothing here is in process memory but the settings.
///
/// Operations that change a machine take `delay` (a cancellable `Task.sleep`), and a share
/// `failureRate` of them fails with a retryable error before doing anything. Tests set both to zero
/// and inject faults instead (see `SimulatedHost`'s fault injection), from any process.
public struct SimulatedCloud: HypervisorProvider {
    /// The failure rates `init` accepts.
    public static let failureRates: ClosedRange<Double> = 0...1

    let client: DatabaseClient
    let chaos: Chaos

    /// - Parameters:
    ///   - delay: how long create, start, stop, restart and delete take (not zero or negative: zero).
    ///   - failureRate: the share of those operations that fail, retryably, in `failureRates`.
    ///   - random: decides which operations fail; pass a `SeededGenerator` for repeatable runs.
    public init(
        client: DatabaseClient, delay: Duration = .zero, failureRate: Double = 0,
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        precondition(Self.failureRates.contains(failureRate), "failureRate must be in \(Self.failureRates), not \(failureRate)")
        // The simulated hosts' tables are no read cache's concern.
        self.client = client.uncounted
        self.chaos = Chaos(delay: max(delay, .zero), failureRate: failureRate, random: random)
    }

    public func supports(_ kind: DriverKind) -> Bool { kind == .simulated }

    public func hypervisor(for host: HypervisorHost) async throws -> any Hypervisor {
        guard host.driver == .simulated else {
            throw HypervisorError("Host \(host.name) uses the \(host.driver.rawValue) driver, not the simulated one", retryable: false)
        }
        return self.host(host.uri)
    }

    /// The host at `uri`, with this cloud's delay and failure rate. Hosts need no registration: a
    /// host nobody used yet is up and empty.
    public func host(_ uri: String) -> SimulatedHost {
        SimulatedHost(uri: uri, client: client, chaos: chaos)
    }
}

/// The delay and random failures every changing operation goes through.
final class Chaos: Sendable {
    let delay: Duration
    let failureRate: Double
    private let random: Mutex<any RandomNumberGenerator & Sendable>

    init(delay: Duration, failureRate: Double, random: some RandomNumberGenerator & Sendable) {
        self.delay = delay
        self.failureRate = failureRate
        self.random = Mutex(random)
    }

    /// Throws a retryable error for a share `failureRate` of calls, at once; otherwise waits `delay`
    /// (throwing `CancellationError` if the task is cancelled meanwhile).
    func beforeOperation(_ operation: SimulatedOperation, on host: String) async throws {
        if failureRate > 0 {
            let draw = random.withLock { generator in Double.random(in: 0..<1, using: &generator) }
            if draw < failureRate {
                throw HypervisorError(
                    "Host \(host) failed to \(operation.rawValue) the machine (simulated failure rate \(failureRate))", retryable: true
                )
            }
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        try Task.checkCancellation()
    }
}

/// The operations that change a machine, as counted in `simulated_operations`.
public enum SimulatedOperation: String, Sendable, CaseIterable {
    case create, start, stop, restart, delete
}

/// A small, fast, seedable generator (SplitMix64), for runs whose random failures must repeat.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        self.state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
