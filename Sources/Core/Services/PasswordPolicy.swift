/// The rules a new password must meet.
public enum PasswordPolicy {
    public static let minimumLength = 8
    /// bcrypt only reads the first 72 bytes; longer passwords would silently lose their tail.
    public static let maximumBytes = 72

    public static func validate(_ password: String) throws(DomainError) {
        guard password.count >= minimumLength else {
            throw .invalid("password must be at least \(minimumLength) characters")
        }
        guard password.utf8.count <= maximumBytes else {
            throw .invalid("password must be at most \(maximumBytes) bytes")
        }
    }
}
