import Core
import Crypto
import Foundation

/// Invitation tokens and API key secrets: 32 random bytes (256 bits) each, stored as their SHA-256
/// digest in lower-case hex. A fast digest is right here: the secrets are random, so there is no
/// dictionary to try, and the digest is computed on every API-key request.
public struct SHA256SecretTokens: SecretTokens {
    public init() {}

    public func generate() -> String {
        SecretGenerator.randomToken(byteCount: 32)
    }

    public func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
