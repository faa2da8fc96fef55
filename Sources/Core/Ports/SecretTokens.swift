/// Random one-time secrets (invitation tokens, API keys) and the digest they are stored and looked up
/// by. The secrets carry at least 128 bits of randomness, so a fast unsalted digest is enough: there is
/// nothing to guess offline, unlike passwords (which `PasswordHasher` handles).
public protocol SecretTokens: Sendable {
    /// A fresh secret from the system's CSPRNG, URL-safe (no padding, no `+` or `/`).
    func generate() -> String
    /// A one-way digest of `secret`, the same for the same input, as text safe to store and index.
    func digest(_ secret: String) -> String
}
