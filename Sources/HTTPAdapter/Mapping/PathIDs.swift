import Core

/// Path and body ids. A path id that is not a UUID names nothing: 404, as for an id that does not
/// exist. A body or query id that is not a UUID is invalid input: 422.
enum IDs {
    static func path<Entity>(_ raw: String, _ what: String) throws(DomainError) -> EntityID<Entity> {
        guard let id = EntityID<Entity>(raw) else { throw .notFound("\(what) not found") }
        return id
    }

    static func query<Entity>(_ raw: String, field: String) throws(DomainError) -> EntityID<Entity> {
        guard let id = EntityID<Entity>(raw) else { throw .invalid("\(field) must be a UUID") }
        return id
    }

    static func body<Entity>(_ raw: [String], field: String) throws(DomainError) -> [EntityID<Entity>] {
        try raw.map { (value) throws(DomainError) -> EntityID<Entity> in
            guard let id = EntityID<Entity>(value) else { throw .invalid("\(field) contains '\(value)', which is not a UUID") }
            return id
        }
    }
}
