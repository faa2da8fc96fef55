/// A page request as lists take it: `page` counts from 1 to `maximumPage`, `limit` is 1...100.
public struct PageRequest: Sendable, Equatable {
    public static let maximumLimit = 100
    public static let defaultLimit = 20
    /// Far beyond any list we hold (a hundred million rows at the largest limit), and small enough
    /// that `offset` can never overflow, here or in the database's 64-bit OFFSET.
    public static let maximumPage = 1_000_000

    public let page: Int
    public let limit: Int

    /// Validates the bounds; out-of-range values are a client error, not something to clamp silently.
    public init(page: Int?, limit: Int?) throws(DomainError) {
        let page = page ?? 1
        let limit = limit ?? Self.defaultLimit
        guard (1...Self.maximumPage).contains(page) else { throw .invalid("page must be between 1 and \(Self.maximumPage)") }
        guard (1...Self.maximumLimit).contains(limit) else {
            throw .invalid("limit must be between 1 and \(Self.maximumLimit)")
        }
        self.page = page
        self.limit = limit
    }

    /// At most (1,000,000 − 1) × 100: the bounds checked in `init` keep it far from overflowing.
    public var offset: Int { (page - 1) * limit }
}

/// One page of a list and the size of the whole list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
    public var request: PageRequest

    public init(items: [Item], total: Int, request: PageRequest) {
        self.items = items
        self.total = total
        self.request = request
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), total: total, request: request)
    }
}
