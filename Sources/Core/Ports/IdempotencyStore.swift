import Foundation

/// A request that carries an `Idempotency-Key`: who sent it, the key, and a digest of what it asked
/// (method, path, tenant and body), which tells a true repeat from a reuse of the key.
public struct IdempotentRequest: Sendable, Equatable {
    /// `user:<id>` for an access token, `api_key:<id>` for an API key: a key is the caller's own.
    public let caller: String
    public let key: String
    public let fingerprint: String

    public init(caller: String, key: String, fingerprint: String) {
        self.caller = caller
        self.key = key
        self.fingerprint = fingerprint
    }
}

/// The answer a request got, kept to be given again.
public struct RecordedAnswer: Sendable, Equatable {
    public let status: Int
    public let contentType: String?
    public let location: String?
    public let body: [UInt8]

    public init(status: Int, contentType: String?, location: String?, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.location = location
        self.body = body
    }
}

/// What the store knows of a key when a request claims it.
public enum IdempotencyClaim: Sendable, Equatable {
    /// The request is the first with this key (or the one before it gave up): it does the work.
    case claimed
    /// An earlier request with this key and the same fingerprint answered this.
    case answered(RecordedAnswer)
    /// An earlier request with this key is still at work.
    case inProgress
    /// The key was used for another request.
    case mismatch
}

/// Idempotency keys and the answers they got, shared by every process on the database.
public protocol IdempotencyStore: Sendable {
    /// Claims `request.key` for the caller under `token`. A claim taken before `staleBefore` and never
    /// finished (its process died) is taken over; a key first used before `expiredBefore` is forgotten
    /// and claimed anew.
    func claim(
        _ request: IdempotentRequest, token: UUID, now: Date, staleBefore: Date, expiredBefore: Date
    ) async throws -> IdempotencyClaim
    /// Records the answer of the request claimed under `token`.
    func finish(_ request: IdempotentRequest, token: UUID, with answer: RecordedAnswer) async throws
    /// Gives up the claim taken under `token` (the request failed in a way a retry may fix), so that a
    /// retry does the work.
    func release(_ request: IdempotentRequest, token: UUID) async throws
    /// Forgets the keys first used before `date`; the number forgotten.
    func prune(usedBefore date: Date) async throws -> Int
}
