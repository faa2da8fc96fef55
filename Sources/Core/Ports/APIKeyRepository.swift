import Foundation

/// API keys, always reached through their owner (or, to authenticate, through the key's digest).
public protocol APIKeyRepository: Sendable {
    func insertAPIKey(_ key: APIKey, digest: String) async throws
    /// How many keys `userID` has, expired ones included (they still take a row until revoked).
    func apiKeyCount(of userID: UserID) async throws -> Int
    /// The owner's keys, oldest first.
    func apiKeys(of userID: UserID, page: PageRequest) async throws -> Page<APIKey>
    /// Deletes the key if it belongs to `userID`; false when there was no such key of theirs.
    func deleteAPIKey(_ id: APIKeyID, of userID: UserID) async throws -> Bool
    /// The key with this digest, the digest as stored, and its owner: one query.
    func apiKey(digest: String) async throws -> (key: APIKey, storedDigest: String, owner: User)?
    /// Records a use at `at` unless one was recorded after `since`: at most one write per key per interval.
    func recordUse(of id: APIKeyID, at: Date, unlessUsedAfter since: Date) async throws
}
