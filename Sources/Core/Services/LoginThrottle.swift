import Foundation

/// Slows down password guessing without ever locking anyone out: after `freeFailures` consecutive
/// failures for an account (or `freeFailuresPerAddress` from one client address), each further attempt
/// must wait an exponentially growing delay after the last failure, capped at `maximumDelay`.
/// Waiting is always enough to try again, so an attacker cannot disable a real user's account.
public actor LoginThrottle {
    public struct Policy: Sendable {
        public var freeFailures: Int
        public var freeFailuresPerAddress: Int
        public var baseDelay: TimeInterval
        public var maximumDelay: TimeInterval

        public init(freeFailures: Int = 5, freeFailuresPerAddress: Int = 20, baseDelay: TimeInterval = 1, maximumDelay: TimeInterval = 900) {
            self.freeFailures = freeFailures
            self.freeFailuresPerAddress = freeFailuresPerAddress
            self.baseDelay = baseDelay
            self.maximumDelay = maximumDelay
        }
    }

    struct Record {
        var failures: Int
        var lastFailure: Date
    }

    let policy: Policy
    var accounts: [String: Record] = [:]
    var addresses: [String: Record] = [:]
    /// Bounds memory under a flood of distinct names; records older than this are forgotten.
    let forgetAfter: TimeInterval

    public init(policy: Policy) {
        self.policy = policy
        self.forgetAfter = max(3600, policy.maximumDelay * 2)
    }

    /// Throws `rateLimited` with the seconds to wait when the account or the address must wait.
    public func checkAllowed(account: String, address: String?, now: Date) throws(DomainError) {
        let waits = [
            wait(for: accounts[account], free: policy.freeFailures, now: now),
            address.flatMap { wait(for: addresses[$0], free: policy.freeFailuresPerAddress, now: now) },
        ].compactMap { $0 }
        if let longest = waits.max() {
            throw .rateLimited("Too many failed login attempts; try again later", retryAfterSeconds: Int(longest.rounded(.up)))
        }
    }

    public func recordFailure(account: String, address: String?, now: Date) {
        if accounts.count + addresses.count > 100_000 { forgetStale(now: now) }
        accounts[account, default: Record(failures: 0, lastFailure: now)].failures += 1
        accounts[account]?.lastFailure = now
        if let address {
            addresses[address, default: Record(failures: 0, lastFailure: now)].failures += 1
            addresses[address]?.lastFailure = now
        }
    }

    /// A successful login clears the account's record (not the address's: one good password must
    /// not buy an address more guesses at other accounts).
    public func recordSuccess(account: String) {
        accounts[account] = nil
    }

    func wait(for record: Record?, free: Int, now: Date) -> TimeInterval? {
        guard let record, record.failures >= free else { return nil }
        let exponent = Double(min(record.failures - free, 30))
        let delay = min(policy.baseDelay * pow(2, exponent), policy.maximumDelay)
        let remaining = record.lastFailure.addingTimeInterval(delay).timeIntervalSince(now)
        return remaining > 0 ? remaining : nil
    }

    func forgetStale(now: Date) {
        accounts = accounts.filter { now.timeIntervalSince($0.value.lastFailure) < forgetAfter }
        addresses = addresses.filter { now.timeIntervalSince($0.value.lastFailure) < forgetAfter }
    }
}
