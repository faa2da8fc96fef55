import Foundation

/// Safe retries: a request with an `Idempotency-Key` does its work once; a repeat by the same caller
/// with the same request gets the first answer, a reuse of the key for another request is `422`.
/// Concurrent repeats wait for the first to finish. Every decision is the database's, so repeats sent
/// to different processes behave as one.
public struct IdempotencyService: Sendable {
    public struct Policy: Sendable {
        /// How long a key is remembered (at least 24 hours, as promised to clients).
        public var retention: TimeInterval
        /// How long a repeat waits for the first request before it is told to come back (`409`).
        public var patience: Duration
        /// A claim older than this whose request never finished is taken to be of a process that died.
        public var abandonedAfter: TimeInterval

        public init(retention: TimeInterval = 86_400, patience: Duration = .seconds(30), abandonedAfter: TimeInterval = 120) {
            self.retention = retention
            self.patience = patience
            self.abandonedAfter = abandonedAfter
        }
    }

    /// The work an answer may not be kept for: server failures and throttling, which a retry may fix.
    public static func isFinal(_ status: Int) -> Bool {
        !(status >= 500 || status == 408 || status == 429)
    }

    public static let maximumKeyLength = 255

    let store: any IdempotencyStore
    /// Digests what a request asked for into its fingerprint.
    let digests: any SecretTokens
    let policy: Policy
    let environment: CoreEnvironment

    public init(store: any IdempotencyStore, digests: any SecretTokens, policy: Policy = Policy(), environment: CoreEnvironment) {
        self.store = store
        self.digests = digests
        self.policy = policy
        self.environment = environment
    }

    /// An answer, and whether it is one given before.
    public struct Outcome: Sendable {
        public let answer: RecordedAnswer
        public let replayed: Bool
    }

    /// The request `principal` sends with `key`: its fingerprint covers the operation (`method` and
    /// `target`, the path with its query), the tenant it acts in and the body, byte for byte.
    public func request(
        by principal: Principal, key: String, method: String, target: String, tenant: String?, body: some Collection<UInt8>
    ) throws(DomainError) -> IdempotentRequest {
        let caller =
            switch principal.credential {
            case .accessToken: "user:\(principal.userID)"
            case .apiKey(let id, _): "api_key:\(id)"
            }
        // Lengths first, so that no two different requests make the same text.
        let head = [method, target, tenant ?? ""].map { "\($0.utf8.count):\($0)" }.joined()
        let fingerprint = digests.digest(head + "\(body.count):" + String(decoding: body, as: UTF8.self))
        return IdempotentRequest(caller: caller, key: try Self.validKey(key), fingerprint: fingerprint)
    }

    /// `400` unless the key is 1 to 255 printable ASCII characters.
    public static func validKey(_ key: String) throws(DomainError) -> String {
        guard !key.isEmpty, key.utf8.count <= maximumKeyLength, key.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw .malformed("Idempotency-Key must be 1 to \(maximumKeyLength) printable ASCII characters")
        }
        return key
    }

    /// Runs `work` once per key: the first request runs it and its answer is kept (unless a retry
    /// may fix it, see `isFinal`); a repeat gets the kept answer; `work` that throws gives the key
    /// back, so that a retry runs it. `kept` makes what is kept of an answer: an answer that shows a
    /// secret once must not be kept with it.
    public func perform(
        _ request: IdempotentRequest, kept: (RecordedAnswer) -> RecordedAnswer = { $0 }, work: () async throws -> RecordedAnswer
    ) async throws -> Outcome {
        let token = UUID()
        let deadline = ContinuousClock.now + policy.patience
        var pause = Duration.milliseconds(20)
        while true {
            let now = environment.now()
            let claim = try await store.claim(
                request, token: token, now: now, staleBefore: now - policy.abandonedAfter, expiredBefore: now - policy.retention
            )
            switch claim {
            case .claimed:
                return Outcome(answer: try await run(request, token: token, kept: kept, work), replayed: false)
            case .answered(let answer):
                return Outcome(answer: answer, replayed: true)
            case .mismatch:
                throw DomainError.invalid("This Idempotency-Key was used for another request; use a new key for a new request")
            case .inProgress:
                guard ContinuousClock.now < deadline else {
                    throw DomainError.conflict("A request with this Idempotency-Key is still in progress; retry later")
                }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(250))
            }
        }
    }

    private func run(
        _ request: IdempotentRequest, token: UUID, kept: (RecordedAnswer) -> RecordedAnswer, _ work: () async throws -> RecordedAnswer
    ) async throws -> RecordedAnswer {
        let answer: RecordedAnswer
        do {
            answer = try await work()
        } catch {
            try? await store.release(request, token: token)
            throw error
        }
        if Self.isFinal(answer.status) {
            try await store.finish(request, token: token, with: kept(answer))
        } else {
            try await store.release(request, token: token)
        }
        return answer
    }

    /// Forgets keys past the retention; for the periodic pruning.
    public func prune() async throws -> Int {
        try await store.prune(usedBefore: environment.now() - policy.retention)
    }
}
