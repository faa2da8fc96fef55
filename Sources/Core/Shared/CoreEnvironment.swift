import Foundation

/// The current time and fresh identifiers, injected so tests can pin them.
public struct CoreEnvironment: Sendable {
    public var now: @Sendable () -> Date
    public var newUUID: @Sendable () -> UUID

    public init(now: @escaping @Sendable () -> Date, newUUID: @escaping @Sendable () -> UUID) {
        self.now = now
        self.newUUID = newUUID
    }

    public static let live = CoreEnvironment(now: { Date() }, newUUID: { UUID() })

    public func newID<Entity>() -> EntityID<Entity> { EntityID(newUUID()) }
}
