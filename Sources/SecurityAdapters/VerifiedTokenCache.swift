import Core
import NIOConcurrencyHelpers

/// A bounded map from token text to the claims its verified signature vouches for.
///
/// Bounded so that a flood of distinct valid tokens cannot grow memory without limit: when full it
/// starts over, which costs those tokens one more signature check each and nothing else.
final class VerifiedTokenCache: Sendable {
    private let capacity: Int
    private let entries = NIOLockedValueBox<[String: AccessTokenClaims]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    subscript(token: String) -> AccessTokenClaims? {
        get { entries.withLockedValue { $0[token] } }
        set {
            entries.withLockedValue { entries in
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
                entries[token] = newValue
            }
        }
    }

    func removeAll() {
        entries.withLockedValue { $0.removeAll() }
    }
}
