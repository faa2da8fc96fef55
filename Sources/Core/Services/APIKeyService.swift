import Foundation

/// API keys: their owners create, list and revoke them; requests carrying one act for the owner,
/// limited to the key's scope.
public struct APIKeyService: Sendable {
    /// `last_used_at` is written at most once per key in this interval, not on every request.
    public static let useRecordingInterval: TimeInterval = 60
    /// Keys expire at most ten years (3,653 days) after they are made: a forgotten key does not live forever
    /// by accident of a typo in the year.
    public static let maximumLifetime: TimeInterval = 3653 * 86_400

    let store: any IdentityStore
    let secrets: any SecretTokens
    let environment: CoreEnvironment

    public init(store: any IdentityStore, secrets: any SecretTokens, environment: CoreEnvironment) {
        self.store = store
        self.secrets = secrets
        self.environment = environment
    }

    public struct Draft: Sendable {
        public var name: String
        public var expiresAt: Date?
        /// nil: an unscoped key; an empty list: a key that holds no tenant permission at all.
        public var permissionIDs: [String]?

        public init(name: String, expiresAt: Date?, permissionIDs: [String]?) {
            self.name = name
            self.expiresAt = expiresAt
            self.permissionIDs = permissionIDs
        }
    }

    /// Creates a key and returns its secret, which is never shown again. Only a login may create keys:
    /// a leaked key must not be able to mint fresh ones.
    public func create(by principal: Principal, _ draft: Draft) async throws -> IssuedAPIKey {
        try principal.requireInteractiveLogin(toDo: "create API keys")
        let name = try Names.valid(draft.name, field: "name")
        let now = environment.now()
        if let expiresAt = draft.expiresAt {
            guard expiresAt > now else { throw DomainError.invalid("expires_at must be in the future") }
            guard expiresAt.timeIntervalSince(now) <= Self.maximumLifetime else {
                throw DomainError.invalid("expires_at must be at most 3653 days (ten years) ahead")
            }
        }
        var scope: Set<Permission>?
        if let ids = draft.permissionIDs { scope = try await store.knownPermissions(ids) }
        let secret = APIKey.secretPrefix + secrets.generate()
        let key = APIKey(
            id: environment.newID(), userID: principal.userID, name: name,
            prefix: String(secret.prefix(APIKey.displayPrefixLength)), scope: scope, createdAt: now, expiresAt: draft.expiresAt
        )
        let digest = secrets.digest(secret)
        try await store.transaction { [environment] store in
            guard try await store.lockedUser(key.userID) != nil else { throw DomainError.unauthenticated() }
            guard try await store.apiKeyCount(of: key.userID) < Limits.apiKeysPerUser else {
                throw DomainError.conflict("You have \(Limits.apiKeysPerUser) API keys, the most one may have; revoke one first")
            }
            try await store.insertAPIKey(key, digest: digest)
            try await store.record(
                "api_key.create", on: .apiKey(key.id), in: nil, by: AuditActor(principal), environment: environment, details: ["name": name]
            )
        }
        return IssuedAPIKey(key: key, secret: secret)
    }

    public func list(for principal: Principal, page: PageRequest) async throws -> Page<APIKey> {
        try await store.apiKeys(of: principal.userID, page: page)
    }

    /// Revokes (deletes) one of the caller's keys; another user's key is not found. A key may revoke
    /// keys, itself included: that only ever takes access away.
    public func revoke(by principal: Principal, id: APIKeyID) async throws {
        try await store.transaction { [environment] store in
            guard try await store.deleteAPIKey(id, of: principal.userID) else { throw DomainError.notFound("API key not found") }
            try await store.record("api_key.revoke", on: .apiKey(id), in: nil, by: AuditActor(principal), environment: environment)
        }
    }

    /// The owner of a valid key, for requests outside any tenant: one query (plus, at most once a
    /// minute, the write that records the use).
    public func authenticatePrincipal(apiKey secret: String) async throws -> Principal {
        let (key, owner) = try await verified(secret)
        return Principal(user: owner, credential: .apiKey(id: key.id, scope: key.scope))
    }

    /// The owner of a valid key with their standing in `tenant` (or all their tenants): the key query
    /// and the caller query. The scope is applied when the tenant access is derived from the caller.
    public func authenticate(apiKey secret: String, tenant: TenantID?) async throws -> Caller {
        try await caller(of: authenticatePrincipal(apiKey: secret), tenant: tenant)
    }

    /// The caller query for a principal whose key was verified already (`authenticatePrincipal`).
    public func caller(of principal: Principal, tenant: TenantID?) async throws -> Caller {
        guard let (user, standings, tenantExists) = try await store.caller(userID: principal.userID, tenant: tenant), user.isActive
        else { throw DomainError.unauthenticated() }
        return Caller(
            principal: Principal(user: user, credential: principal.credential), standings: standings,
            requestedTenantExists: tenantExists
        )
    }

    /// Finds the key by its digest and checks it: unknown, expired, or owned by a disabled account is 401.
    func verified(_ secret: String) async throws -> (APIKey, User) {
        // Anything that cannot be one of our keys costs no query.
        guard secret.hasPrefix(APIKey.secretPrefix), secret.utf8.count <= 128 else {
            throw DomainError.unauthenticated("Invalid API key")
        }
        let digest = secrets.digest(secret)
        // The lookup already matched the digest; comparing again in constant time keeps the decision
        // independent of how the database compares strings.
        guard let found = try await store.apiKey(digest: digest), ConstantTime.equal(found.storedDigest, digest) else {
            throw DomainError.unauthenticated("Invalid API key")
        }
        let now = environment.now()
        guard !found.key.isExpired(at: now) else { throw DomainError.unauthenticated("The API key has expired") }
        guard found.owner.isActive else { throw DomainError.unauthenticated() }
        let recent = now.addingTimeInterval(-Self.useRecordingInterval)
        if found.key.lastUsedAt.map({ $0 <= recent }) ?? true {
            // Bookkeeping only: a failed write must not turn a valid request away.
            try? await store.recordUse(of: found.key.id, at: now, unlessUsedAfter: recent)
        }
        return (found.key, found.owner)
    }
}
