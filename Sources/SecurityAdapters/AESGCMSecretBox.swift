import Core
import Crypto
import Foundation

/// Seals stored credentials with AES-256-GCM under a key from configuration
/// (`VIRTUALSTACK_SECRET_KEY`, 64 hex characters). The sealed text is `v1:<key id>:<base64 of nonce,
/// ciphertext and tag>`; the key id (the first 8 hex digits of the key's SHA-256) says which key sealed
/// it, so that a previous key (`VIRTUALSTACK_SECRET_KEY_PREVIOUS`) still opens what it sealed while
/// the service seals everything again under the new one. The context (a host's id) is authenticated
/// data: a sealed password copied to another host's row does not open there.
public struct AESGCMSecretBox: SecretBox {
    struct Key: Sendable {
        let id: String
        let key: SymmetricKey
    }

    private let current: Key
    private let previous: Key?

    /// `key` and `previousKey` as 64 hex characters (32 bytes).
    public init(key: String, previousKey: String? = nil) throws(SecretBoxError) {
        current = try Self.key(key, name: "VIRTUALSTACK_SECRET_KEY")
        previous = try previousKey.map { (hex) throws(SecretBoxError) in try Self.key(hex, name: "VIRTUALSTACK_SECRET_KEY_PREVIOUS") }
    }

    public var canSeal: Bool { true }

    public func seal(_ secret: String, context: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: current.key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw SecretBoxError("AES-GCM gave no sealed box") }
        return "v1:\(current.id):\(combined.base64EncodedString())"
    }

    public func open(_ sealed: String, context: String) throws -> String {
        let parts = sealed.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let data = Data(base64Encoded: String(parts[2])) else {
            throw SecretBoxError("The stored credential is not in a format this version reads")
        }
        guard let key = [current, previous].compactMap({ $0 }).first(where: { $0.id == parts[1] }) else {
            throw SecretBoxError(
                "The stored credential was encrypted with a key that is not configured (key id \(parts[1])): set it as VIRTUALSTACK_SECRET_KEY_PREVIOUS"
            )
        }
        do {
            let plaintext = try AES.GCM.open(try AES.GCM.SealedBox(combined: data), using: key.key, authenticating: Data(context.utf8))
            guard let secret = String(data: plaintext, encoding: .utf8) else { throw SecretBoxError("The stored credential is not text") }
            return secret
        } catch let error as SecretBoxError {
            throw error
        } catch {
            throw SecretBoxError("The stored credential does not open: it was altered or belongs to another host")
        }
    }

    public func isStale(_ sealed: String) -> Bool {
        !sealed.hasPrefix("v1:\(current.id):")
    }

    static func key(_ hex: String, name: String) throws(SecretBoxError) -> Key {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { throw SecretBoxError("\(name) must be 64 hex characters (32 random bytes)") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                throw SecretBoxError("\(name) must be 64 hex characters (32 random bytes)")
            }
            bytes.append(byte)
        }
        let id = SHA256.hash(data: bytes).prefix(4).map { String(format: "%02x", $0) }.joined()
        return Key(id: id, key: SymmetricKey(data: bytes))
    }
}
