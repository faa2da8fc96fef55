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

    public init(
        store: any IdentityStore, hasher: any PasswordHasher, tokens: any AccessTokenCodec,
        environment: CoreEnvironment, tokenLifetime: TimeInterval
    ) {
        self.store = store
        self.hasher = hasher
        self.tokens = tokens
        self.environment = environment
        self.tokenLifetime = tokenLifetime
    }

    static let loginFailed = DomainError.unauthenticated("Incorrect email or password")

    /// Checks the password and issues an access token. Unknown email, wrong password and disabled
    /// account all fail the same way, after the same amount of work.
    public func login(email rawEmail: String, password: String) async throws -> IssuedAccessToken {
        guard let email = try? EmailAddress(rawEmail) else {
            await hasher.verifyDecoy(password)
            throw Self.loginFailed
        }
        guard let user = try await store.user(email: email) else {
            await hasher.verifyDecoy(password)
            throw Self.loginFailed
        }
        guard await hasher.verify(password, against: user.passwordHash), user.isActive else {
            throw Self.loginFailed
        }
        return try await issueToken(for: user.id)
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

    /// Verifies a bearer token and loads the caller with their standing in `tenant` (or in all their
    /// tenants when none is named), in one store query.
    public func authenticate(bearerToken: String, tenant: TenantID?) async throws -> Caller {
        let claims = try await tokens.verify(bearerToken, now: environment.now())
        guard let (user, standings, tenantExists) = try await store.caller(userID: claims.subject, tenant: tenant),
            user.isActive,
            // A password change moves `tokensValidAfter` forward and so revokes every older token.
            claims.issuedAt >= user.tokensValidAfter
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
