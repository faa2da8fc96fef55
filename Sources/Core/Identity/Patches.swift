/// Partial changes for the store: a nil field is left as stored. Writes carry only what a request
/// changes, so concurrent requests that change different fields do not undo each other.
public struct TenantPatch: Sendable, Equatable {
    public var name: String?
    /// `.some(nil)` clears the description.
    public var description: String??
    public var isActive: Bool?

    public init(name: String? = nil, description: String?? = nil, isActive: Bool? = nil) {
        self.name = name
        self.description = description
        self.isActive = isActive
    }
}

public struct RolePatch: Sendable, Equatable {
    public var name: String?
    /// `.some(nil)` clears the description.
    public var description: String??
    /// Replaces the whole set when not nil.
    public var permissions: Set<Permission>?

    public init(name: String? = nil, description: String?? = nil, permissions: Set<Permission>? = nil) {
        self.name = name
        self.description = description
        self.permissions = permissions
    }
}
