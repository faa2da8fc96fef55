import Core
import Foundation
import JWTKit

/// HS256 access tokens (`sub`, `iat`, `exp`, `jti`) signed with the service's secret.
public struct JWTAccessTokenCodec: AccessTokenCodec {
    /// jwt-kit refuses (and asserts on) shorter HMAC keys; 32 bytes is also SHA-256's block of security.
    public static let minimumSecretBytes = 32

    struct Payload: JWTPayload {
        var sub: SubjectClaim
        var iat: IssuedAtClaim
        var exp: ExpirationClaim
        var jti: IDClaim

        // Expiry is checked against the injected clock in `verify(_:now:)`, not here.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    let keys = JWTKeyCollection()
    /// Tokens whose signature was already checked. A token's signature and claims never change,
    /// so re-verifying them on every request (JSON decoding, HMAC, a hop to jwt-kit's actor) is
    /// wasted work; expiry is still checked against the clock each time.
    let verified = VerifiedTokenCache(capacity: 10_000)

    /// The key is installed separately (`install(secret:)`): when it is generated and kept in the
    /// database, it can only be read once the database is migrated.
    public init() {}

    public func install(secret: String) async throws {
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw DomainError.invalid("the JWT secret must be at least \(Self.minimumSecretBytes) bytes")
        }
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        verified.removeAll()
    }

    public func sign(_ claims: AccessTokenClaims) async throws -> String {
        try await keys.sign(
            Payload(
                sub: SubjectClaim(value: claims.subject.description),
                iat: IssuedAtClaim(value: claims.issuedAt),
                exp: ExpirationClaim(value: claims.expiresAt),
                jti: IDClaim(value: claims.tokenID)
            )
        )
    }

    public func verify(_ token: String, now: Date) async throws -> AccessTokenClaims {
        var claims = verified[token]
        if claims == nil { claims = try await verifySignature(token) }
        guard let claims, claims.expiresAt > now else { throw DomainError.unauthenticated() }
        return claims
    }

    /// The claims of a correctly signed token, remembered for the next request with it.
    func verifySignature(_ token: String) async throws -> AccessTokenClaims {
        let payload: Payload
        do {
            payload = try await keys.verify(token, as: Payload.self)
        } catch {
            throw DomainError.unauthenticated()
        }
        guard let subject = UserID(payload.sub.value) else { throw DomainError.unauthenticated() }
        let claims = AccessTokenClaims(
            subject: subject, issuedAt: payload.iat.value, expiresAt: payload.exp.value, tokenID: payload.jti.value
        )
        verified[token] = claims
        return claims
    }
}
