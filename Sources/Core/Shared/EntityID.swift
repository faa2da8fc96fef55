import Foundation

/// A typed UUID: `EntityID<User>` and `EntityID<Tenant>` cannot be mixed up by accident.
public struct EntityID<Entity>: Hashable, Sendable, CustomStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID) {
        self.uuid = uuid
    }

    /// Parses the canonical textual form; `nil` for anything that is not a UUID.
    public init?(_ string: String) {
        guard let uuid = UUID(uuidString: string) else { return nil }
        self.uuid = uuid
    }

    /// Lower-case canonical form, as stored and as shown in the API.
    public var description: String { uuid.uuidString.lowercased() }
}

public typealias UserID = EntityID<User>
public typealias TenantID = EntityID<Tenant>
