import Core
import Foundation
import HTTPAdapter
import LibvirtHypervisor
import Logging
import SQLPersistence
import SecurityAdapters
import SimulatedHypervisor
import Synchronization
import VCenterHypervisor

/// The core's use cases wired to their adapters, shared by the HTTP server and the CLI.
struct CoreServices: Sendable {
    let database: DatabaseClient
    let store: SQLIdentityStore
    let hasher: BcryptPasswordHasher
    let tokens: JWTAccessTokenCodec
    let loginThrottle: LoginThrottle
    let auditTrail: SQLAuditTrail
    let audit: AuditTrail
    let authentication: AuthenticationService
    let bootstrap: BootstrapService
    let tenants: TenantService
    let members: MemberService
    let roles: RoleService
    let profile: ProfileService
    let invitations: InvitationService
    let apiKeys: APIKeyService
    let compute: SQLComputeStore
    let hypervisors: HypervisorDirectory
    let libvirt: LibvirtCloud
    let vcenter: VCenterCloud
    /// The hosts whose libvirt events asked for an early reconciliation.
    let hostEvents: HostEvents
    let vms: VMService
    let quotas: QuotaService
    let idempotency: IdempotencyService
    let templates: TemplateService
    let hosts: HostService
    /// Wakes this process's job worker when a request queues a job.
    let jobsQueued: WakeSignal
    let jobWorker: JobWorker
    let reconciler: Reconciler
    /// This process's one reader of the VM change feed, shared by its event streams.
    let vmChanges: VMChangeHub
    let events: VMEventService

    /// The settings key under which a generated token signing secret is kept.
    static let jwtSecretSetting = "jwt_secret"

    init(configuration: AppConfiguration, database: DatabaseClient, logger: Logger, environment: CoreEnvironment = .live) {
        self.database = database
        store = SQLIdentityStore(client: database)
        hasher = BcryptPasswordHasher(cost: configuration.bcryptCost)
        tokens = JWTAccessTokenCodec()
        loginThrottle = LoginThrottle(policy: configuration.loginThrottle, store: SQLLoginAttemptStore(client: database), now: environment.now)
        auditTrail = SQLAuditTrail(client: database)
        authentication = AuthenticationService(
            store: store, hasher: hasher, tokens: tokens, environment: environment,
            tokenLifetime: TimeInterval(configuration.accessTokenLifetime), throttle: loginThrottle, audit: auditTrail
        )
        bootstrap = BootstrapService(store: store, hasher: hasher, environment: environment)
        compute = SQLComputeStore(client: database)
        tenants = TenantService(store: store, vms: compute.stores.vms, environment: environment)
        members = MemberService(store: store, hasher: hasher, environment: environment)
        roles = RoleService(store: store, environment: environment)
        profile = ProfileService(store: store, hasher: hasher, environment: environment, throttle: loginThrottle)
        let secrets = SHA256SecretTokens()
        invitations = InvitationService(
            store: store, hasher: hasher, secrets: secrets, mailer: LogInvitationMailer(logger: logger), environment: environment,
            settings: .init(lifetime: TimeInterval(configuration.invitationLifetime), publicBaseURL: configuration.publicBaseURL)
        )
        apiKeys = APIKeyService(store: store, secrets: secrets, environment: environment)
        audit = AuditTrail(
            store: auditTrail, digests: secrets, environment: environment, retention: configuration.auditRetention.map(TimeInterval.init)
        )
        idempotency = IdempotencyService(store: SQLIdempotencyStore(client: database), digests: secrets, environment: environment)
        let hostEvents = HostEvents()
        self.hostEvents = hostEvents
        libvirt = LibvirtCloud(settings: configuration.libvirt, onHostEvent: { hostEvents.signal($0) })
        vcenter = VCenterCloud(secrets: configuration.secretBox, logger: logger)
        hypervisors = HypervisorDirectory(drivers: [
            .simulated: SimulatedCloud(
                client: database, delay: configuration.simulatedDelay, failureRate: configuration.simulatedFailureRate
            ),
            .libvirt: libvirt,
            .vcenter: vcenter,
        ])
        let wakeUp = WakeSignal()
        jobsQueued = wakeUp
        let quotaPolicy = QuotaPolicy(defaults: configuration.defaultQuota)
        vms = VMService(compute: compute, environment: environment, quotas: quotaPolicy, jobsQueued: { wakeUp.signal() })
        quotas = QuotaService(compute: compute, identity: store, policy: quotaPolicy, environment: environment)
        templates = TemplateService(compute: compute, environment: environment)
        hosts = HostService(
            compute: compute, hypervisors: hypervisors, secrets: configuration.secretBox, environment: environment,
            hostChanged: { hostEvents.signal($0.uri) }
        )
        jobWorker = JobWorker(
            runner: JobRunner(compute: compute, hypervisors: hypervisors, environment: environment, policy: configuration.jobs, logger: logger),
            wakeUp: wakeUp, logger: logger
        )
        reconciler = Reconciler(compute: compute, hypervisors: hypervisors, environment: environment, logger: logger)
        vmChanges = VMChangeHub(feed: compute)
        events = VMEventService(feed: compute, hub: vmChanges, environment: environment, settings: configuration.eventStreams)
    }

    /// The HTTP adapter's entry points into these services.
    var apiHandlers: APIHandlers {
        APIHandlers(
            authentication: authentication, tenants: tenants, members: members, roles: roles, profile: profile,
            invitations: invitations, apiKeys: apiKeys, vms: vms, templates: templates, hosts: hosts, quotas: quotas,
            audit: audit, events: events, idempotency: idempotency
        )
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
        let resealed = try await hosts.resealStaleCredentials()
        if resealed > 0 {
            logger.notice("Sealed stored host credentials again under the current VIRTUALSTACK_SECRET_KEY", metadata: ["hosts": "\(resealed)"])
        }
        let (driver, uri, virtType) = configuration.configuredHost
        if let host = try await hosts.registerConfiguredHost(driver: driver, uri: uri, virtType: virtType) {
            logger.notice("Registered the first hypervisor host", metadata: ["driver": "\(driver.rawValue)", "uri": "\(host.uri)"])
        }
        if let email = configuration.adminEmail, let password = configuration.adminPassword {
            let outcome = try await bootstrap.bootstrap(email: email, password: password, onlyIfNoUsers: true)
            if case .created = outcome {
                logger.notice("Created the first superuser", metadata: ["email": "\(email)"])
            }
        }
    }

    /// For `/health`: whether the database answers within two seconds. The ping runs in a task of its
    /// own that the answer does not wait for: a pool that cannot reach its database (dropped, or out of
    /// connections) may keep a query waiting for a connection however it is cancelled, and `/health`
    /// must answer all the same.
    func databaseAnswers() async -> Bool {
        let answer = FirstAnswer()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            answer.install(continuation)
            let ping = Task { answer.give((try? await store.ping()) != nil) }
            Task {
                try? await Task.sleep(for: .seconds(2))
                ping.cancel()
                answer.give(false)
            }
        }
    }
}

/// Resumes a continuation with the first of several answers; later ones are dropped. The
/// continuation is installed before any answer can be given.
private final class FirstAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)

    func install(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func give(_ value: Bool) {
        continuation.withLock { waiting in
            defer { waiting = nil }
            return waiting
        }?.resume(returning: value)
    }
}
