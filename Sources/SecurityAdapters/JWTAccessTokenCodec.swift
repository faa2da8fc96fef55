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
        guard Self.isCanonical(token) else { throw DomainError.unauthenticated() }
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

    /// Whether the token is three base64url segments spelled as we issue them: no padding, and no
    /// bits set beyond the last byte in a segment's final character. jwt-kit's decoder tolerates both,
    /// so without this check one token would have many accepted spellings (`…Q` and `…R` decode alike).
    static func isCanonical(_ token: String) -> Bool {
        var segments = 0
        for segment in token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            segments += 1
            guard let last = segment.last, let lastValue = base64URLValue(last), segment.count % 4 != 1 else { return false }
            guard segment.allSatisfy({ base64URLValue($0) != nil }) else { return false }
            switch segment.count % 4 {
            case 2: if lastValue & 0b1111 != 0 { return false }
            case 3: if lastValue & 0b11 != 0 { return false }
            default: break
            }
        }
        return segments == 3
    }

    private static func base64URLValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
