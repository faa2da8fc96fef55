import APIContract
import Core

extension Components.Schemas.APIKey {
    init(_ key: APIKey) {
        self.init(
            id: key.id.description, name: key.name, prefix: key.prefix, permissionIds: key.scope?.sorted().map(\.id),
            createdAt: key.createdAt, expiresAt: key.expiresAt, lastUsedAt: key.lastUsedAt
        )
    }
}

extension Components.Schemas.CreatedAPIKey {
    init(_ issued: IssuedAPIKey) {
        let key = issued.key
        self.init(
            id: key.id.description, name: key.name, prefix: key.prefix, permissionIds: key.scope?.sorted().map(\.id),
            createdAt: key.createdAt, expiresAt: key.expiresAt, lastUsedAt: key.lastUsedAt, key: issued.secret
        )
    }
}

extension Components.Schemas.APIKeyPage {
    init(_ page: Page<APIKey>) {
        self.init(items: page.items.map(Components.Schemas.APIKey.init), total: page.total, page: page.request.page, limit: page.request.limit)
    }
}
