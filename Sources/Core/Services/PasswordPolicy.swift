/// The rules a new password must meet.
public enum PasswordPolicy {
    public static let minimumLength = 8
    /// bcrypt only reads the first 72 bytes; longer passwords would silently lose their tail.
    public static let maximumBytes = 72

    public static func validate(_ password: String) throws(DomainError) {
        // bcrypt reads a C string: everything after a NUL would be ignored ("ab" and six NULs would
        // pass the length rule and log in as "ab").
        guard !password.utf8.contains(0) else { throw .invalid("password must not contain NUL characters") }
        // Counted in code points, as JSON Schema's `minLength` counts them.
        guard password.unicodeScalars.count >= minimumLength else {
            throw .invalid("password must be at least \(minimumLength) characters")
        }
        guard password.utf8.count <= maximumBytes else {
            throw .invalid("password must be at most \(maximumBytes) bytes")
        }
    }
}
