import Foundation

public typealias APIKeyID = EntityID<APIKey>

/// A long-lived credential that acts for its owner, optionally limited to some permissions.
/// Only a digest of the secret is kept; `prefix` lets the owner recognise a key in lists.
public struct APIKey: Sendable, Equatable {
    /// What every key starts with, so leaked keys are easy to recognise (and to scan for).
    public static let secretPrefix = "vsk_"
    /// Characters of the secret kept for display: `vsk_` and the first eight random characters.
    public static let displayPrefixLength = 12

    public let id: APIKeyID
    public let userID: UserID
    public let name: String
    public let prefix: String
    /// nil: the key carries all of its owner's permissions. Otherwise it is limited to these
    /// (intersected with whatever the owner holds in the tenant at the time of each request).
    public let scope: Set<Permission>?
    public let createdAt: Date
    public let expiresAt: Date?
    public var lastUsedAt: Date?

    public init(
        id: APIKeyID, userID: UserID, name: String, prefix: String, scope: Set<Permission>?, createdAt: Date,
        expiresAt: Date?, lastUsedAt: Date? = nil
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.scope = scope
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsedAt = lastUsedAt
    }

    public func isExpired(at now: Date) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }
}

/// A freshly created key with its secret, shown to the owner once.
public struct IssuedAPIKey: Sendable {
    public let key: APIKey
    public let secret: String
}
