import Foundation

/// An access token as handed to the client.
public struct IssuedAccessToken: Sendable, Equatable {
    public let token: String
    public let expiresIn: Int
}

/// Logging in with a password and recognising callers by their credentials.
public struct AuthenticationService: Sendable {
    let store: any IdentityStore
    let hasher: any PasswordHasher
    let tokens: any AccessTokenCodec
    let environment: CoreEnvironment
    let tokenLifetime: TimeInterval
    let throttle: LoginThrottle
    /// Where logins are recorded: outside any transaction, and without touching the read caches.
    let audit: any AuditLog

    public init(
        store: any IdentityStore, hasher: any PasswordHasher, tokens: any AccessTokenCodec,
        environment: CoreEnvironment, tokenLifetime: TimeInterval, throttle: LoginThrottle, audit: any AuditLog
    ) {
        self.throttle = throttle
        self.audit = audit
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.environment = environment
        self.tokenLifetime = tokenLifetime
    }

    /// A token is good for an active account that has not changed its password since the token was
    /// issued (a password change moves `tokensValidAfter` forward and so revokes every older token).
    static func accepts(_ user: User, _ claims: AccessTokenClaims) -> Bool {
        user.isActive && claims.issuedAt >= user.tokensValidAfter
    }

    static let loginFailed = DomainError.unauthenticated("Incorrect email or password")

    /// Checks the password and issues an access token. Unknown email, wrong password and disabled
    /// account all fail the same way, after the same amount of work; repeated failures are throttled
    /// per account and per client address (checked before any password work is spent).
    ///
    /// Every checked attempt is recorded in the audit trail, as `auth.login` with its outcome; a failure
    /// names the account only when the email belongs to one (what was typed is never kept: it may be a
    /// password typed in the wrong field). Attempts refused by the throttle were not checked.
    public func login(email rawEmail: String, password: String, clientAddress: String?) async throws -> IssuedAccessToken {
        var account: User?
        let user = try await throttle.attempt(account: rawEmail, address: clientAddress) {
            account = try await self.account(email: rawEmail)
            return await verified(account, password: password)
        }
        let actor: AuditActor = account.map { .user($0.id) } ?? .anonymous
        let target = AuditTarget(type: "user", id: account?.id.description)
        try await audit.record(
            "auth.login", on: target, in: nil, by: actor, environment: environment, outcome: user == nil ? .failure : .success
        )
        guard let user else { throw Self.loginFailed }
        return try await issueToken(for: user.id)
    }

    func account(email rawEmail: String) async throws -> User? {
        guard let email = try? EmailAddress(rawEmail) else { return nil }
        return try await store.user(email: email)
    }

    /// The account if it is active and `password` is its password; always one bcrypt verification.
    func verified(_ account: User?, password: String) async -> User? {
        guard let account else {
            await hasher.verifyDecoy(password)
            return nil
        }
        guard await hasher.verify(password, against: account.passwordHash), account.isActive else { return nil }
        return account
    }

    func issueToken(for userID: UserID) async throws -> IssuedAccessToken {
        let now = environment.now()
        let claims = AccessTokenClaims(
            subject: userID,
            issuedAt: now,
            expiresAt: now.addingTimeInterval(tokenLifetime),
            tokenID: environment.newUUID().uuidString.lowercased()
        )
        return IssuedAccessToken(token: try await tokens.sign(claims), expiresIn: Int(tokenLifetime))
    }

    /// Verifies a bearer token and loads only the account: for requests outside any tenant
    /// (`/users/me`, `/tenants`), one primary-key lookup.
    public func authenticatePrincipal(bearerToken: String) async throws -> Principal {
        let claims = try await tokens.verify(bearerToken, now: environment.now())
        guard let user = try await store.user(id: claims.subject), Self.accepts(user, claims) else {
            throw DomainError.unauthenticated()
        }
        return Principal(user: user, credential: .accessToken)
    }

    /// Verifies a bearer token and loads the caller with their standing in `tenant` (or in all their
    /// tenants when none is named), in one store query.
    public func authenticate(bearerToken: String, tenant: TenantID?) async throws -> Caller {
        let claims = try await tokens.verify(bearerToken, now: environment.now())
        guard let (user, standings, tenantExists) = try await store.caller(userID: claims.subject, tenant: tenant),
            Self.accepts(user, claims)
        else {
            throw DomainError.unauthenticated()
        }
        return Caller(
            principal: Principal(user: user, credential: .accessToken),
            standings: standings,
            requestedTenantExists: tenantExists
        )
    }
}
