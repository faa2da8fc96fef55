import Foundation

/// Slows down password guessing without ever locking anyone out, for the service as a whole: the
/// failure counts live in a `LoginAttemptStore` that every process shares. After `freeFailures`
/// consecutive failures for an account (or `freeFailuresPerAddress` from one client address), each
/// further attempt must wait an exponentially growing delay after the last failure, capped at
/// `maximumDelay`. Waiting is always enough to try again, so an attacker cannot disable a real
/// user's account.
///
/// Every password check (login, and `current_password` when changing it) goes through `attempt`,
/// which also bounds the checks one account or address can have in flight in this process, so that
/// one caller cannot fill the bcrypt pool and delay everyone else's logins.
public struct LoginThrottle: Sendable {
    public struct Policy: Sendable, Equatable {
        public var freeFailures: Int
        public var freeFailuresPerAddress: Int
        public var baseDelay: TimeInterval
        public var maximumDelay: TimeInterval
        /// Password checks in flight at once, per account and per client address, in one process.
        public var concurrentChecksPerAccount = 1
        public var concurrentChecksPerAddress = 2
        /// Checks that may wait for their turn per key; further ones are refused at once with 429.
        public var maximumWaitingChecks = 16

        public init(freeFailures: Int = 5, freeFailuresPerAddress: Int = 20, baseDelay: TimeInterval = 1, maximumDelay: TimeInterval = 900) {
            self.freeFailures = freeFailures
            self.freeFailuresPerAddress = freeFailuresPerAddress
            self.baseDelay = baseDelay
            self.maximumDelay = maximumDelay
        }

        /// Runs idle for this long are forgotten: well past the longest delay, so forgetting never
        /// shortens a wait.
        public var forgetAfter: TimeInterval { max(3600, maximumDelay * 2) }

        func freeFailures(_ scope: AttemptKey.Scope) -> Int {
            switch scope {
            case .account: freeFailures
            case .address: freeFailuresPerAddress
            }
        }

        /// The delay a run of `failures` imposes after its last failure (zero within the free ones).
        public func delay(afterFailures failures: Int, scope: AttemptKey.Scope) -> TimeInterval {
            let free = freeFailures(scope)
            guard failures >= free else { return 0 }
            let exponent = Double(min(failures - free, 30))
            return min(baseDelay * pow(2, exponent), maximumDelay)
        }

        /// Whole seconds until every run in `records` allows another attempt, or nil when all allow one now.
        public func retryAfter(_ records: [AttemptKey: FailureRecord], now: Date) -> Int? {
            let waits = records.map { key, record in
                record.lastFailure.addingTimeInterval(delay(afterFailures: record.failures, scope: key.scope)).timeIntervalSince(now)
            }
            guard let longest = waits.max(), longest > 0 else { return nil }
            return max(1, Int(longest.rounded(.up)))
        }
    }

    public let policy: Policy
    let store: any LoginAttemptStore
    let now: @Sendable () -> Date
    let accountChecks: KeyedPermits<String>
    let addressChecks: KeyedPermits<String>

    public init(policy: Policy, store: any LoginAttemptStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.policy = policy
        self.store = store
        self.now = now
        accountChecks = KeyedPermits(limit: policy.concurrentChecksPerAccount, maximumWaiting: policy.maximumWaitingChecks)
        addressChecks = KeyedPermits(limit: policy.concurrentChecksPerAddress, maximumWaiting: policy.maximumWaitingChecks)
    }

    static func tooMany(retryAfter seconds: Int) -> DomainError {
        .rateLimited("Too many failed password attempts; try again later", retryAfterSeconds: seconds)
    }

    /// Runs one password check: `check` returns its result, or nil when the password was wrong.
    ///
    /// Waits for the account's and the address's turn (first the account, then the address, always in
    /// that order, so two attempts never wait for each other), then refuses with `rateLimited` if
    /// either must still wait after earlier failures (before any password work is spent), then runs
    /// `check`. A wrong password counts one failure for both; a right one ends the account's run (not
    /// the address's: one good password must not buy an address more guesses at other accounts).
    public func attempt<T: Sendable>(account: String, address: String?, _ check: () async throws -> T?) async throws -> T? {
        let accountKey = AttemptKey.account(email: account)
        let keys = [accountKey] + (address.map { [AttemptKey.address($0)] } ?? [])
        do {
            return try await accountChecks.withPermit(for: accountKey.value) {
                guard let address else { return try await checked(keys, check) }
                return try await addressChecks.withPermit(for: AttemptKey.address(address).value) { try await checked(keys, check) }
            }
        } catch is KeyedPermits<String>.Refused {
            throw Self.tooMany(retryAfter: 1)
        }
    }

    private func checked<T: Sendable>(_ keys: [AttemptKey], _ check: () async throws -> T?) async throws -> T? {
        let records = try await store.failures(of: keys, since: now().addingTimeInterval(-policy.forgetAfter))
        if let seconds = policy.retryAfter(records, now: now()) { throw Self.tooMany(retryAfter: seconds) }
        guard let result = try await check() else {
            let now = now()
            try await store.recordFailure(of: keys, at: now, since: now.addingTimeInterval(-policy.forgetAfter))
            return nil
        }
        // Only an account with a run has anything to clear: a login without earlier failures writes nothing.
        if let account = keys.first, records[account] != nil { try await store.clear(account) }
        return result
    }

    /// Deletes runs idle for longer than `policy.forgetAfter`; called periodically.
    public func forgetStale() async throws {
        try await store.forget(before: now().addingTimeInterval(-policy.forgetAfter))
    }
}
