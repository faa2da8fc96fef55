import App
import ArgumentParser
import Configuration
import Core
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

@main
struct VirtualStack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtualstack",
        abstract: "Multi-tenant control plane for virtual machines.",
        discussion: "Configuration comes from flags, then VIRTUALSTACK_* environment variables, then defaults.",
        subcommands: [Serve.self, Migrate.self, Bootstrap.self, Audit.self]
    )
}

/// Flags every command shares; each overrides its environment variable.
struct CommonOptions: ParsableArguments {
    @Option(help: "Database URL: sqlite:///path.sqlite, sqlite::memory: or postgres://user:pass@host:port/db (VIRTUALSTACK_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (VIRTUALSTACK_LOG_LEVEL).")
    var logLevel: String?

    /// Flags first, then the environment: swift-configuration resolves providers in this order.
    func reader(extra: [String: String?] = [:]) -> ConfigReader {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        let flags: [String: String?] = ["database.url": databaseURL, "log.level": logLevel].merging(extra) { $1 }
        for (key, value) in flags {
            if let value {
                values[AbsoluteConfigKey(["virtualstack"] + key.split(separator: ".").map(String.init))] = .init(.string(value), isSecret: false)
            }
        }
        return ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: values),
            EnvironmentVariablesProvider(),
        ])
    }

    /// Validated configuration plus a logger, or a one-line error and a non-zero exit.
    func load(extra: [String: String?] = [:]) throws -> (AppConfiguration, Logger) {
        do {
            let configuration = try AppConfiguration(reader: reader(extra: extra))
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            var logger = Logger(label: "virtualstack")
            logger.logLevel = configuration.logLevel
            return (configuration, logger)
        } catch {
            FileHandle.standardError.write(Data("virtualstack: configuration error: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// Runs `body`, turning expected failures into one line on standard error and exit code 1.
func reportingFailures<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as DomainError {
        FileHandle.standardError.write(Data("virtualstack: \(error.message)\n".utf8))
        throw ExitCode.failure
    } catch {
        FileHandle.standardError.write(Data("virtualstack: \(String(describing: error))\n".utf8))
        throw ExitCode.failure
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending migrations and serve the API (default 127.0.0.1:8080)."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "Address to listen on (VIRTUALSTACK_HOST).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (VIRTUALSTACK_PORT).")
    var port: String?

    func run() async throws {
        // Run Swift concurrency's jobs on NIO's event loops instead of a second thread pool: a request
        // then no longer hops between the two pools at every await (measured in docs/performance.md).
        // Safe here because nothing blocking runs in tasks: bcrypt and SQLite have their own threads.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let (configuration, logger) = try common.load(extra: ["host": host, "port": port])
        try await reportingFailures {
            let app = try await buildApplication(configuration: configuration, logger: logger)
            try await app.runService()
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let (configuration, logger) = try common.load()
        try await reportingFailures {
            let applied = try await OperatorCommands.migrate(configuration: configuration, logger: logger)
            print(applied.isEmpty ? "Schema is up to date." : "Applied migrations: \(applied.map(String.init).joined(separator: ", "))")
        }
    }
}

struct Bootstrap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the first superuser, the Default tenant and the membership (idempotent)."
    )

    @OptionGroup var common: CommonOptions

    @Option(help: "The superuser's email.")
    var email: String

    @Option(help: "The superuser's password (at least 8 characters).")
    var password: String

    func run() async throws {
        let (configuration, logger) = try common.load()
        try await reportingFailures {
            switch try await OperatorCommands.bootstrap(email: email, password: password, configuration: configuration, logger: logger) {
            case .created(let id): print("Created superuser \(email) (\(id)) in tenant Default.")
            case .alreadyExists(let id): print("User \(email) (\(id)) already exists; nothing changed.")
            case .skipped: print("Nothing to do.")
            }
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Work with the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit trail's hash chain; exit 1 naming the first event changed or removed."
        )

        @OptionGroup var common: CommonOptions

        func run() async throws {
            let (configuration, logger) = try common.load()
            let verification = try await reportingFailures {
                try await OperatorCommands.verifyAudit(configuration: configuration, logger: logger)
            }
            switch verification {
            case .intact(let sealed, let through, let unsealed):
                print("Audit chain intact: \(sealed) events checked, through position \(through); \(unsealed) not sealed yet.")
            case .altered(let position, let eventID):
                print("Audit chain broken: the event at position \(position)\(eventID.isEmpty ? "" : " (\(eventID))") was changed.")
                throw ExitCode.failure
            case .missing(let position):
                print("Audit chain broken: the event at position \(position) was removed.")
                throw ExitCode.failure
            case .truncated(let last, let head):
                print("Audit chain broken: the events after position \(last) were removed (the chain's head is at \(head)).")
                throw ExitCode.failure
            }
        }
    }
}
