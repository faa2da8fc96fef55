import Configuration
import Core
import Foundation
import LibvirtHypervisor
import Logging
import SQLPersistence
import SecurityAdapters

/// A configuration value that cannot be used; the process stops with this one line.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
}

/// Everything the service reads from its configuration, validated. Keys are read below the
/// `virtualstack` scope, so `database.url` is `VIRTUALSTACK_DATABASE_URL` in the environment.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseLocation
    /// How long a query waits for a free SQLite connection before the request is answered `503`.
    public var databasePoolTimeout: Duration
    /// nil: generate one and keep it in the database.
    public var jwtSecret: String?
    public var adminEmail: String?
    public var adminPassword: String?
    public var computeDriver: ComputeDriverKind
    public var libvirtURI: String
    /// `virt_type` of the libvirt host registered at start (`kvm`, or `qemu` for software emulation).
    public var libvirtVirtType: String
    /// The libvirt driver's settings (`libvirt.iso.pool`, `libvirt.network`, `libvirt.console.log.dir`).
    public var libvirt: LibvirtSettings
    public var accessTokenLifetime: Int
    public var logLevel: Logger.Level
    public var corsAllowedOrigins: [String]
    public var bcryptCost: Int
    public var loginThrottle: LoginThrottle.Policy
    /// How long invitations stay acceptable, in seconds.
    public var invitationLifetime: Int
    /// Where users reach the frontend, without a trailing slash; accept links in invitations point there.
    public var publicBaseURL: String
    /// Seconds a connection may stay silent (no request, or no part of one) before it is closed.
    public var httpIdleTimeout: Int
    /// Seconds a request's whole body may take to arrive, however steadily it trickles in.
    public var httpBodyTimeout: Int
    /// How long each operation of the simulated driver takes.
    public var simulatedDelay: Duration
    /// Share (0 to 1) of simulated driver operations that fail with a retryable error.
    public var simulatedFailureRate: Double
    /// Leases, retries and concurrency of the job worker.
    public var jobs: JobPolicy
    /// How often the worker compares every host's machines with the database.
    public var reconcileInterval: Duration
    /// Encrypts stored host credentials: AES-GCM under `VIRTUALSTACK_SECRET_KEY` (and
    /// `VIRTUALSTACK_SECRET_KEY_PREVIOUS` while rotating), or nothing when no key is set.
    public var secretBox: any SecretBox
    /// The quota limits of tenants that no superuser set limits for (`VIRTUALSTACK_QUOTA_DEFAULT_VMS`, …).
    public var defaultQuota: QuotaLimits
    /// Seconds audit events are kept (`VIRTUALSTACK_AUDIT_RETENTION_DAYS` × 86,400); nil keeps them forever.
    public var auditRetention: Int?
    /// How often each process seals new audit events into the chain.
    public var auditSealInterval: Duration
    /// Keep-alives and lifetime of `GET /events` streams.
    public var eventStreams: VMEventService.Settings
    /// How often each process reads the VM change feed while a stream is open in it.
    public var eventPollInterval: Duration
    /// Where the web console's files are read from on each request (`VIRTUALSTACK_CONSOLE_DIR`, for
    /// working on the console without rebuilding); nil serves the copy built into the package.
    public var consoleDirectory: String?

    public enum ComputeDriverKind: String, Sendable, CaseIterable {
        case simulated, libvirt
    }

    public init(reader: ConfigReader) throws(ConfigurationError) {
        let config = reader.scoped(to: "virtualstack")
        host = config.string(forKey: "host", default: "127.0.0.1")
        port = try Self.integer(config, "port", default: 8080, in: 0...65535, what: "a TCP port")
        do {
            database = try DatabaseLocation(url: config.string(forKey: "database.url", default: "sqlite://virtualstack.sqlite"))
        } catch {
            throw ConfigurationError(description: "VIRTUALSTACK_DATABASE_URL: \(error.description)")
        }
        databasePoolTimeout = .seconds(
            try Self.integer(config, "database.pool.timeout", default: 5, in: 1...600, what: "a number of seconds")
        )
        jwtSecret = config.string(forKey: "jwt.secret", isSecret: true)
        if let jwtSecret, jwtSecret.utf8.count < 32 {
            throw ConfigurationError(description: "VIRTUALSTACK_JWT_SECRET must be at least 32 bytes long")
        }
        adminEmail = config.string(forKey: "admin.email")
        adminPassword = config.string(forKey: "admin.password", isSecret: true)
        if (adminEmail == nil) != (adminPassword == nil) {
            throw ConfigurationError(description: "VIRTUALSTACK_ADMIN_EMAIL and VIRTUALSTACK_ADMIN_PASSWORD must be set together")
        }
        let driver = config.string(forKey: "compute.driver", default: "simulated")
        guard let kind = ComputeDriverKind(rawValue: driver) else {
            throw ConfigurationError(
                description: "VIRTUALSTACK_COMPUTE_DRIVER: '\(driver)' is not one of \(ComputeDriverKind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        computeDriver = kind
        libvirtURI = config.string(forKey: "libvirt.uri", default: "test:///default")
        libvirtVirtType = config.string(forKey: "libvirt.virt.type", default: "kvm")
        guard ["kvm", "qemu"].contains(libvirtVirtType) else {
            throw ConfigurationError(description: "VIRTUALSTACK_LIBVIRT_VIRT_TYPE: '\(libvirtVirtType)' is not one of kvm, qemu")
        }
        libvirt = LibvirtSettings(
            isoPool: config.string(forKey: "libvirt.iso.pool", default: "default"),
            network: config.string(forKey: "libvirt.network").map { $0 == "user" ? .user : .network($0) },
            consoleLogDirectory: config.string(forKey: "libvirt.console.log.dir"),
            // Only hosts of libvirt's test driver: the two-command start on test:///default serves the catalog.
            fillTestHosts: true
        )
        accessTokenLifetime = try Self.integer(config, "access.token.ttl", default: 3600, in: 60...31_536_000, what: "a lifetime in seconds")
        let level = config.string(forKey: "log.level", default: "info")
        guard let logLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigurationError(
                description: "VIRTUALSTACK_LOG_LEVEL: '\(level)' is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        self.logLevel = logLevel
        corsAllowedOrigins = config.string(forKey: "cors.allowed.origins", default: "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        bcryptCost = try Self.integer(config, "bcrypt.cost", default: 12, in: 10...16, what: "a bcrypt cost")
        loginThrottle = LoginThrottle.Policy(
            freeFailures: try Self.integer(config, "login.max.failures", default: 5, in: 1...1000, what: "a number of attempts"),
            freeFailuresPerAddress: try Self.integer(
                config, "login.max.failures.per.address", default: 20, in: 1...100_000, what: "a number of attempts"
            ),
            baseDelay: TimeInterval(try Self.integer(config, "login.backoff.seconds", default: 1, in: 1...3600, what: "a number of seconds")),
            maximumDelay: TimeInterval(try Self.integer(config, "login.backoff.max.seconds", default: 900, in: 1...86_400, what: "a number of seconds"))
        )
        invitationLifetime = try Self.integer(config, "invitation.ttl", default: 604_800, in: 1...31_536_000, what: "a lifetime in seconds")
        publicBaseURL = try Self.baseURL(config.string(forKey: "public.base.url", default: "http://localhost:8080"))
        httpIdleTimeout = try Self.integer(config, "http.idle.timeout", default: 30, in: 1...3600, what: "a number of seconds")
        httpBodyTimeout = try Self.integer(config, "http.body.timeout", default: 30, in: 1...3600, what: "a number of seconds")
        simulatedDelay = .milliseconds(
            try Self.integer(config, "simulated.delay.ms", default: 1000, in: 0...600_000, what: "a number of milliseconds")
        )
        simulatedFailureRate = try Self.fraction(config, "simulated.failure.rate", default: 0)
        jobs = JobPolicy(
            maxAttempts: try Self.integer(config, "job.max.attempts", default: 5, in: 1...100, what: "a number of attempts"),
            retryDelay: .milliseconds(try Self.integer(config, "job.retry.delay.ms", default: 1000, in: 1...3_600_000, what: "a number of milliseconds")),
            lease: .seconds(try Self.integer(config, "job.lease.seconds", default: 30, in: 2...86_400, what: "a number of seconds")),
            stopTimeout: .seconds(try Self.integer(config, "vm.stop.timeout.seconds", default: 60, in: 1...3600, what: "a number of seconds")),
            concurrency: try Self.integer(config, "job.concurrency", default: 64, in: 1...10_000, what: "a number of jobs")
        )
        reconcileInterval = .seconds(
            try Self.integer(config, "reconcile.interval.seconds", default: 30, in: 1...86_400, what: "a number of seconds")
        )
        let previousKey = config.string(forKey: "secret.key.previous", isSecret: true)
        if let key = config.string(forKey: "secret.key", isSecret: true) {
            do {
                secretBox = try AESGCMSecretBox(key: key, previousKey: previousKey)
            } catch {
                throw ConfigurationError(description: error.description)
            }
        } else if previousKey != nil {
            throw ConfigurationError(description: "VIRTUALSTACK_SECRET_KEY_PREVIOUS is set without VIRTUALSTACK_SECRET_KEY")
        } else {
            secretBox = NoSecretBox()
        }
        func limit(_ key: String) throws(ConfigurationError) -> Int? {
            guard config.string(forKey: ConfigKey(key)) != nil else { return nil }
            return try Self.integer(config, key, default: 0, in: 0...QuotaLimits.maximum, what: "a quota limit")
        }
        auditRetention =
            config.string(forKey: "audit.retention.days") == nil
            ? nil : try Self.integer(config, "audit.retention.days", default: 0, in: 1...36_500, what: "a number of days") * 86_400
        auditSealInterval = .milliseconds(
            try Self.integer(config, "audit.seal.interval.ms", default: 1000, in: 10...3_600_000, what: "a number of milliseconds")
        )
        eventStreams = VMEventService.Settings(
            keepAliveInterval: .seconds(try Self.integer(config, "events.keepalive.seconds", default: 15, in: 1...3600, what: "a number of seconds")),
            lifetime: .seconds(try Self.integer(config, "events.lifetime.seconds", default: 600, in: 1...86_400, what: "a number of seconds"))
        )
        eventPollInterval = .milliseconds(
            try Self.integer(config, "events.poll.interval.ms", default: 250, in: 10...60_000, what: "a number of milliseconds")
        )
        consoleDirectory = config.string(forKey: "console.dir")
        defaultQuota = QuotaLimits(
            vms: try limit("quota.default.vms"), vcpus: try limit("quota.default.vcpus"),
            memoryGB: try limit("quota.default.memory.gb"), diskGB: try limit("quota.default.disk.gb")
        )
    }

    /// The host a database without hosts gets at start.
    public var configuredHost: (driver: DriverKind, uri: String, virtType: String?) {
        switch computeDriver {
        case .simulated: (.simulated, "simulated://default", nil)
        case .libvirt: (.libvirt, libvirtURI, libvirtVirtType)
        }
    }

    /// The environment variable a configuration key is read from: `job.lease.seconds` is
    /// `VIRTUALSTACK_JOB_LEASE_SECONDS`.
    static func environmentName(of key: String) -> String {
        "VIRTUALSTACK_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// A number from 0 to 1, read as text so that a malformed value is an error.
    static func fraction(_ config: ConfigReader, _ key: String, default defaultValue: Double) throws(ConfigurationError) -> Double {
        guard let text = config.string(forKey: ConfigKey(key)) else { return defaultValue }
        let name = environmentName(of: key)
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, (0...1).contains(value) else {
            throw ConfigurationError(description: "\(name): '\(text)' is not a number from 0 to 1")
        }
        return value
    }

    /// An absolute http(s) URL with a host and no query or fragment; a trailing slash is dropped so
    /// that paths can be appended.
    static func baseURL(_ text: String) throws(ConfigurationError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let url = URLComponents(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host?.isEmpty == false, url.query == nil, url.fragment == nil
        else {
            throw ConfigurationError(description: "VIRTUALSTACK_PUBLIC_BASE_URL: '\(text)' is not an absolute http:// or https:// URL")
        }
        return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
    }

    /// Reads an integer as text so that a malformed value is an error rather than silently the default.
    static func integer(
        _ config: ConfigReader, _ key: String, default defaultValue: Int, in range: ClosedRange<Int>, what: String
    ) throws(ConfigurationError) -> Int {
        guard let text = config.string(forKey: ConfigKey(key)) else { return defaultValue }
        let name = environmentName(of: key)
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigurationError(description: "\(name): '\(text)' is not \(what)")
        }
        guard range.contains(value) else {
            throw ConfigurationError(description: "\(name): \(value) is out of range \(range.lowerBound)–\(range.upperBound)")
        }
        return value
    }
}
