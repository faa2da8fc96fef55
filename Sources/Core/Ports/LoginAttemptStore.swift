import Foundation

/// What a run of failed password attempts is counted against: an account (by its case-folded email,
/// known or not) or a client address.
public struct AttemptKey: Sendable, Hashable, CustomStringConvertible {
    public enum Scope: String, Sendable, CaseIterable {
        case account, address
    }

    public let scope: Scope
    public let value: String

    /// Keys are stored, and they come from the request: at most `maximumLength` UTF-8 bytes (an email
    /// is at most 254; a longer name matches no account, so sharing a count with other long names is
    /// harmless) and no NUL, which PostgreSQL's text cannot hold.
    public init(_ scope: Scope, _ raw: String) {
        self.scope = scope
        var value = ""
        var length = 0
        for scalar in raw.unicodeScalars {
            let kept = scalar == "\0" ? "\u{FFFD}" : scalar
            length += String(kept).utf8.count
            guard length <= Self.maximumLength else { break }
            value.unicodeScalars.append(kept)
        }
        self.value = value
    }

    public static let maximumLength = 254

    /// The key of the account an email names, exactly as login spells it.
    public static func account(email: String) -> Self { Self(.account, email.trimmingWhitespace().lowercased()) }
    public static func address(_ address: String) -> Self { Self(.address, address) }

    public var description: String { "\(scope.rawValue):\(value)" }
}

/// A run of consecutive failed password attempts against one key.
public struct FailureRecord: Sendable, Equatable {
    public var failures: Int
    public var lastFailure: Date

    public init(failures: Int, lastFailure: Date) {
        self.failures = failures
        self.lastFailure = lastFailure
    }
}

/// Failed password attempts, kept where every process of the service sees them (so that several
/// processes behind a load balancer throttle as one).
public protocol LoginAttemptStore: Sendable {
    /// The runs of `keys` whose last failure is at or after `since`; older runs count as none.
    func failures(of keys: [AttemptKey], since: Date) async throws -> [AttemptKey: FailureRecord]
    /// Counts one more failure at `now` for every key, atomically (concurrent callers in any process
    /// never lose a count); a run whose last failure is before `since` starts over at one.
    /// Returns the runs as they are after the failure.
    @discardableResult
    func recordFailure(of keys: [AttemptKey], at now: Date, since: Date) async throws -> [AttemptKey: FailureRecord]
    /// Ends the run of `key` (the right password was given).
    func clear(_ key: AttemptKey) async throws
    /// Deletes the runs whose last failure is before `cutoff`, so that storage stays bounded.
    func forget(before cutoff: Date) async throws
}
