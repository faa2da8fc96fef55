/// A permission id of the form `module:action`, e.g. `vm:read`.
public struct Permission: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let id: String

    public init(_ id: String) {
        self.id = id
    }

    public var description: String { id }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.id < rhs.id }
}
