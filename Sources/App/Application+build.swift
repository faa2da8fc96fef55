import Configuration
import Core
import Foundation
import HTTPAdapter
import Hummingbird
import LibvirtHypervisor
import Logging
import SQLPersistence
import SecurityAdapters
import VCenterHypervisor
import WebConsole

/// Builds the whole service from configuration: the composition root.
public func buildApplication(reader: ConfigReader, handEncodedRoutes: Bool = true) async throws -> some ApplicationProtocol {
    let configuration = try AppConfiguration(reader: reader)
    var logger = Logger(label: "virtualstack")
    logger.logLevel = configuration.logLevel
    return try await buildApplication(configuration: configuration, logger: logger, handEncodedRoutes: handEncodedRoutes)
}

/// `handEncodedRoutes: false` serves every operation through its generated handler: for tests that
/// compare the two (see `HTTPSettings.handEncodedRoutes`).
public func buildApplication(
    configuration: AppConfiguration, logger: Logger, handEncodedRoutes: Bool = true
) async throws -> some ApplicationProtocol {
    let database = try DatabaseClient(
        location: configuration.database, poolWaitTimeout: configuration.databasePoolTimeout, logger: logger
    )
    let core = CoreServices(configuration: configuration, database: database, logger: logger)
    let readiness = OneTimeGate()

    let router = try buildRouter(
        handlers: core.apiHandlers,
        settings: HTTPSettings(
            corsAllowedOrigins: Set(configuration.corsAllowedOrigins), handEncodedRoutes: handEncodedRoutes,
            bodyTimeout: .seconds(configuration.httpBodyTimeout),
            console: try ConsoleAssets(
                directory: configuration.consoleDirectory.map { URL(fileURLWithPath: $0) } ?? WebConsole.directory,
                live: configuration.consoleDirectory != nil
            )
        ),
        health: { await core.databaseAnswers() }
    )
    var app = Application(
        router: router,
        // A connection that sends nothing (no request, or a request head that never completes) is closed
        // after the idle timeout; a body that trickles in is cut off by `HTTPSettings.bodyTimeout`.
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [MalformedRequestHandler()], idleTimeout: .seconds(Int64(configuration.httpIdleTimeout))
            )
        ),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: "virtualstack"
        ),
        services: [
            DatabaseService(client: database),
            PeriodicPruning(
                tasks: [
                    .init(what: "old failed-login records") { try await core.loginThrottle.forgetStale() },
                    .init(what: "expired idempotency keys") { _ = try await core.idempotency.prune() },
                    .init(what: "VM changes older than a day") { _ = try await core.events.prune() },
                ],
                interval: .seconds(600), logger: logger
            ),
            EventStreaming(hub: core.vmChanges, interval: configuration.eventPollInterval, readiness: readiness, logger: logger),
            AuditSealing(trail: core.audit, interval: configuration.auditSealInterval, readiness: readiness, logger: logger),
            ComputeWorkerService(
                worker: core.jobWorker, reconciler: core.reconciler, reconcileInterval: configuration.reconcileInterval,
                hostEvents: core.hostEvents, readiness: readiness, onStop: {
                    await core.libvirt.shutdown()
                    await core.vcenter.shutdown()
                }
            ),
        ],
        logger: logger
    )
    app.beforeServerStarts {
        try await core.prepare(configuration: configuration, logger: logger)
        readiness.open()
    }
    return app
}
