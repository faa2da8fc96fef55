import Core
import Foundation
import SQLKit

extension SQLIdentityStore {
    static let apiKeyColumns = ["id", "user_id", "name", "prefix", "permission_ids", "created_at", "expires_at", "last_used_at"]

    public func insertAPIKey(_ key: APIKey, digest: String) async throws {
        try await translatingErrors(conflict: "The API key already exists") {
            try await database.insert(into: "api_keys")
                .columns(
                    "id", "user_id", "name", "prefix", "key_hash", "permission_ids", "created_at", "expires_at", "last_used_at"
                )
                .values(
                    key.id.bind, key.userID.bind, SQLBind(key.name), SQLBind(key.prefix), SQLBind(digest),
                    SQLBind(Self.storedScope(key.scope)), SQLBind(key.createdAt), SQLBind(key.expiresAt),
                    SQLBind(key.lastUsedAt)
                )
                .run()
        }
    }

    public func apiKeyCount(of userID: UserID) async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS n FROM api_keys WHERE user_id = \(bind: userID.description)").first()?.int("n") ?? 0
    }

    public func apiKeys(of userID: UserID, page: PageRequest) async throws -> Page<APIKey> {
        let rows = try await database.select().columns(Self.apiKeyColumns).from("api_keys")
            .where("user_id", .equal, userID.bind).orderBy("created_at").orderBy("id")
            .limit(page.limit).offset(page.offset).all()
        let total = try await apiKeyCount(of: userID)
        return Page(items: try rows.map { try $0.apiKey() }, total: total, request: page)
    }

    public func deleteAPIKey(_ id: APIKeyID, of userID: UserID) async throws -> Bool {
        try await database.raw(
            "DELETE FROM api_keys WHERE id = \(bind: id.description) AND user_id = \(bind: userID.description) RETURNING id"
        ).first() != nil
    }

    /// The key's columns prefixed `k_`, its digest and its owner's columns: built once, because the
    /// lookup runs on every API-key request.
    static let selectAPIKeyWithOwner =
        "SELECT " + apiKeyColumns.map { "k.\($0) AS k_\($0)" }.joined(separator: ", ")
        + ", k.key_hash AS k_key_hash, " + qualifiedUserColumns + " FROM api_keys k JOIN users u ON u.id = k.user_id"

    public func apiKey(digest: String) async throws -> (key: APIKey, storedDigest: String, owner: User)? {
        let record =
            if let cache {
                try await cache.apiKeys.value(for: digest) { try await loadAPIKey(digest: digest) }
            } else {
                try await loadAPIKey(digest: digest)
            }
        return record.map { ($0.key, $0.storedDigest, $0.owner) }
    }

    /// One round trip on every API-key request not answered from the read cache: the unique index on
    /// key_hash, then the owner by primary key.
    private func loadAPIKey(digest: String) async throws -> APIKeyRecord? {
        guard
            let row = try await database.raw("\(unsafeRaw: Self.selectAPIKeyWithOwner) WHERE k.key_hash = \(bind: digest)")
                .first()
        else { return nil }
        return APIKeyRecord(key: try row.apiKey(columnPrefix: "k_"), storedDigest: try row.string("k_key_hash"), owner: try row.user())
    }

    public func recordUse(of id: APIKeyID, at date: Date, unlessUsedAfter since: Date) async throws {
        try await database.raw(
            """
            UPDATE api_keys SET last_used_at = \(bind: date)
            WHERE id = \(bind: id.description) AND (last_used_at IS NULL OR last_used_at <= \(bind: since))
            """
        ).run()
    }

    /// A scope is stored as its permission ids separated by spaces (ids never contain one); NULL means
    /// unscoped, and the empty string a key limited to nothing.
    static func storedScope(_ scope: Set<Permission>?) -> String? {
        scope.map { $0.sorted().map(\.id).joined(separator: " ") }
    }
}

extension SQLRow {
    func apiKey(columnPrefix prefix: String = "") throws -> APIKey {
        let scope = try optionalString(prefix + "permission_ids").map { text in
            Set(text.split(separator: " ").map { Permission(String($0)) })
        }
        return APIKey(
            id: try id(prefix + "id"),
            userID: try id(prefix + "user_id"),
            name: try string(prefix + "name"),
            prefix: try string(prefix + "prefix"),
            scope: scope,
            createdAt: try date(prefix + "created_at"),
            expiresAt: try optionalDate(prefix + "expires_at"),
            lastUsedAt: try optionalDate(prefix + "last_used_at")
        )
    }
}
