import Core
import Logging
import ServiceLifecycle

/// Deletes what has outlived its use every `interval`, so that tables stay bounded: idle runs of
/// failed logins (however many names and addresses are tried) and expired idempotency keys. Every
/// process does it; the deletions are idempotent.
struct PeriodicPruning: Service {
    struct Task: Sendable {
        /// What is deleted, for the log when it fails.
        let what: String
        let prune: @Sendable () async throws -> Void
    }

    let tasks: [Task]
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // Sleeps first: the schema is migrated while the server starts, after services have started.
            while (try? await _Concurrency.Task.sleep(for: interval)) != nil {
                for task in tasks {
                    do {
                        try await task.prune()
                    } catch {
                        logger.warning("Could not delete \(task.what)", metadata: ["error": "\(error)"])
                    }
                }
            }
        }
    }
}
