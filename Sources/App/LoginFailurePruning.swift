import Core
import Logging
import ServiceLifecycle

/// Deletes idle runs of failed logins every `interval`, so that the table stays bounded however many
/// names and addresses are tried. Every process does it; the deletions are idempotent.
struct LoginFailurePruning: Service {
    let throttle: LoginThrottle
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            // Sleeps first: the schema is migrated while the server starts, after services have started.
            while (try? await Task.sleep(for: interval)) != nil {
                do {
                    try await throttle.forgetStale()
                } catch {
                    logger.warning("Could not delete old failed-login records", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
