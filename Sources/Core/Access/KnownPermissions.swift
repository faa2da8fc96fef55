extension RoleRepository {
    /// The permissions named by `ids`; an id outside the catalog is invalid input (422), never ignored.
    func knownPermissions(_ ids: [String]) async throws -> Set<Permission> {
        let catalog = Set(try await permissionCatalog().map(\.id))
        let requested = Set(ids.map(Permission.init))
        let unknown = requested.subtracting(catalog)
        guard unknown.isEmpty else {
            throw DomainError.invalid("Unknown permission ids: \(unknown.sorted().map(\.id).joined(separator: ", "))")
        }
        return requested
    }
}
