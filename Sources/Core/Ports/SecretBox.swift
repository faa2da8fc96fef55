/// The driven port that keeps stored credentials of hypervisor hosts (vCenter passwords) encrypted at
/// rest. A sealed secret is bound to a context (the host's id), so that it cannot be copied to another
/// row and opened there. The adapter's key comes from configuration, never from the database.
public protocol SecretBox: Sendable {
    /// Whether a key is configured; without one nothing can be sealed.
    var canSeal: Bool { get }
    /// `secret` encrypted and authenticated under the current key, as text to store.
    func seal(_ secret: String, context: String) throws -> String
    /// The secret `sealed` holds; throws `SecretBoxError` when no configured key opens it, or it was
    /// sealed for another context, or it was altered.
    func open(_ sealed: String, context: String) throws -> String
    /// Whether `sealed` is under a key other than the current one (it should be sealed again).
    func isStale(_ sealed: String) -> Bool
}

public struct SecretBoxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The box of a service configured without a key: seals nothing and opens nothing.
public struct NoSecretBox: SecretBox {
    public init() {}

    public var canSeal: Bool { false }

    public func seal(_ secret: String, context: String) throws -> String {
        throw SecretBoxError("VIRTUALSTACK_SECRET_KEY is not set: no stored credential can be encrypted")
    }

    public func open(_ sealed: String, context: String) throws -> String {
        throw SecretBoxError("VIRTUALSTACK_SECRET_KEY is not set: the stored credential cannot be decrypted")
    }

    public func isStale(_ sealed: String) -> Bool { false }
}
