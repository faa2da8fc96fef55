/// A syntactically plausible email address of printable ASCII characters. Equality and uniqueness are
/// case-insensitive (`key`, the ASCII lower-case form), while `value` keeps the spelling the user chose.
///
/// ASCII only, so what is stored is what is compared: with Unicode, a Kelvin sign (U+212A) was stored
/// as typed but folded to `k` for login and uniqueness, and look-alike letters from other scripts
/// could pose as someone else's address. Internationalised domains are written in their `xn--` form.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ raw: String) throws(DomainError) {
        let trimmed = raw.trimmingWhitespace()
        guard trimmed.utf8.count <= 254 else { throw .invalid("email is too long") }
        guard trimmed.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalid("email must consist of printable ASCII characters (write an internationalised domain in its xn-- form)")
        }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last,
            !local.isEmpty, local.utf8.count <= 64,
            domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains(".."),
            !trimmed.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," })
        else {
            throw .invalid("'\(raw)' is not a valid email address")
        }
        self.value = trimmed
    }

    /// An address read back from storage, where it arrived through `init(_:)`: not validated again,
    /// because this runs for every row of every user list.
    public init(stored value: String) {
        self.value = value
    }

    /// The case-folded form used for lookups and uniqueness.
    public var key: String { value.lowercased() }

    public var description: String { value }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
