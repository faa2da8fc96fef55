import Core
import Foundation
import Logging
import SQLPersistence
import SecurityAdapters

/// The core's use cases wired to their adapters, shared by the HTTP server and the CLI.
struct CoreServices: Sendable {
    let database: DatabaseClient
    let store: SQLIdentityStore
    let hasher: BcryptPasswordHasher
    let tokens: JWTAccessTokenCodec
    let loginThrottle: LoginThrottle
    let authentication: AuthenticationService
    let bootstrap: BootstrapService
    let tenants: TenantService
    let members: MemberService
    let roles: RoleService
    let profile: ProfileService
    let invitations: InvitationService
    let apiKeys: APIKeyService

    /// The settings key under which a generated token signing secret is kept.
    static let jwtSecretSetting = "jwt_secret"

    init(configuration: AppConfiguration, database: DatabaseClient, logger: Logger, environment: CoreEnvironment = .live) {
        self.database = database
        store = SQLIdentityStore(client: database)
        hasher = BcryptPasswordHasher(cost: configuration.bcryptCost)
        tokens = JWTAccessTokenCodec()
        loginThrottle = LoginThrottle(policy: configuration.loginThrottle, store: SQLLoginAttemptStore(client: database), now: environment.now)
        authentication = AuthenticationService(
            store: store, hasher: hasher, tokens: tokens, environment: environment,
            tokenLifetime: TimeInterval(configuration.accessTokenLifetime), throttle: loginThrottle
        )
        bootstrap = BootstrapService(store: store, hasher: hasher, environment: environment)
        tenants = TenantService(store: store, environment: environment)
        members = MemberService(store: store, hasher: hasher, environment: environment)
        roles = RoleService(store: store, environment: environment)
        profile = ProfileService(store: store, hasher: hasher, environment: environment, throttle: loginThrottle)
        let secrets = SHA256SecretTokens()
        invitations = InvitationService(
            store: store, hasher: hasher, secrets: secrets, mailer: LogInvitationMailer(logger: logger), environment: environment,
            settings: .init(lifetime: TimeInterval(configuration.invitationLifetime), publicBaseURL: configuration.publicBaseURL)
        )
        apiKeys = APIKeyService(store: store, secrets: secrets, environment: environment)
    }

    /// Start-up work before the first request: migrate, install the signing key, and create the
    /// configured admin on an empty database.
    func prepare(configuration: AppConfiguration, logger: Logger) async throws {
        try await database.checkConnection()
        try await Migrator(client: database, logger: logger).migrate()
        let secret: String
        if let configured = configuration.jwtSecret {
            secret = configured
        } else {
            secret = try await SQLSettingsStore(client: database).valueInsertingIfAbsent(
                key: Self.jwtSecretSetting, value: SecretGenerator.randomToken(byteCount: 48)
            )
        }
        try await tokens.install(secret: secret)
        if let email = configuration.adminEmail, let password = configuration.adminPassword {
            let outcome = try await bootstrap.bootstrap(email: email, password: password, onlyIfNoUsers: true)
            if case .created = outcome {
                logger.notice("Created the first superuser", metadata: ["email": "\(email)"])
            }
        }
    }

    /// For `/health`: whether the database answers within two seconds.
    func databaseAnswers() async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await store.ping()) != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
