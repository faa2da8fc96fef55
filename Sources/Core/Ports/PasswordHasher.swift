/// Slow, salted password hashing. Implementations must not block the caller's event loop.
public protocol PasswordHasher: Sendable {
    func hash(_ password: String) async throws -> String
    /// `false` for a wrong password or a malformed hash; never throws for bad input.
    func verify(_ password: String, against hash: String) async -> Bool
    /// Spends as long as a failed `verify` against a real hash, so that an unknown account cannot be
    /// told apart from a wrong password by timing.
    func verifyDecoy(_ password: String) async
}
