/// The errors use cases report. Adapters map `code` to their own vocabulary (HTTP status, exit code);
/// `message` is meant for the person who made the request and never contains secrets.
///
/// A struct with a `Code` rather than an enum, so new codes do not break exhaustive switches.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String { 
            case malformed, unauthenticated, forbidden, notFound, conflict, gone, invalid, rateLimited, unavailable
        }
        fileprivate let base: Base

        /// The request itself cannot be understood (missing tenant context, broken syntax).
        public static let malformed = Code(base: .malformed)
        /// No valid credentials.
        public static let unauthenticated = Code(base: .unauthenticated)
        /// Valid credentials, but not allowed to do this.
        public static let forbidden = Code(base: .forbidden)
        /// The resource does not exist, or exists in a tenant the caller cannot see.
        public static let notFound = Code(base: .notFound)
        /// The request conflicts with current state (duplicates, resources in use, immutable objects).
        public static let conflict = Code(base: .conflict)
        /// The resource existed but can no longer be used (an expired, revoked or used invitation).
        public static let gone = Code(base: .gone)
        /// Well-formed input that breaks a rule (bad email, value out of range, unknown reference).
        public static let invalid = Code(base: .invalid)
        /// Too many attempts; `retryAfterSeconds` says when to try again.
        public static let rateLimited = Code(base: .rateLimited)
        /// A dependency (the database) does not answer.
        public static let unavailable = Code(base: .unavailable)

        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// Only for `.rateLimited`: whole seconds until the next attempt may succeed.
    public let retryAfterSeconds: Int?

    public init(_ code: Code, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code): \(message)" }

    public static func malformed(_ message: String) -> Self { .init(.malformed, message) }
    public static func unauthenticated(_ message: String = "Could not validate credentials") -> Self {
        .init(.unauthenticated, message)
    }
    public static func forbidden(_ message: String) -> Self { .init(.forbidden, message) }
    public static func notFound(_ message: String) -> Self { .init(.notFound, message) }
    public static func conflict(_ message: String) -> Self { .init(.conflict, message) }
    public static func gone(_ message: String) -> Self { .init(.gone, message) }
    public static func invalid(_ message: String) -> Self { .init(.invalid, message) }
    public static func rateLimited(_ message: String, retryAfterSeconds: Int) -> Self {
        .init(.rateLimited, message, retryAfterSeconds: retryAfterSeconds)
    }
    public static func unavailable(_ message: String) -> Self { .init(.unavailable, message) }
}
