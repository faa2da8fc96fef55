import Core
import Logging
import ServiceLifecycle

/// Runs this process's reader of the VM change feed for the event streams open in it; at shutdown it
/// ends them (the HTTP server ends them first, see `APIHandlers.streamEvents`).
struct EventStreaming: Service {
    let hub: VMChangeHub
    let interval: Duration
    /// Opens once the schema is migrated.
    let readiness: OneTimeGate
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await readiness.wait()
            await hub.run(interval: interval) { error in
                logger.warning("Could not read the VM change feed; the next round tries again", metadata: ["error": "\(error)"])
            }
        }
        await hub.stop()
    }
}
