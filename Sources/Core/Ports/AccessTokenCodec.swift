import Foundation

/// What an access token asserts.
public struct AccessTokenClaims: Sendable, Equatable {
    public let subject: UserID
    public let issuedAt: Date
    public let expiresAt: Date
    public let tokenID: String

    public init(subject: UserID, issuedAt: Date, expiresAt: Date, tokenID: String) {
        self.subject = subject
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.tokenID = tokenID
    }
}

/// Signs and verifies access tokens.
public protocol AccessTokenCodec: Sendable {
    func sign(_ claims: AccessTokenClaims) async throws -> String
    /// Returns the claims of a token with a valid signature that has not expired at `now`;
    /// throws `DomainError.unauthenticated` for anything else.
    func verify(_ token: String, now: Date) async throws -> AccessTokenClaims
}
