import Core
import Logging
import ServiceLifecycle

/// Seals new audit events into the hash chain every `interval`, and drops events past the retention
/// once an hour. Every process does both; sealers take turns on the chain's head in the database, so
/// the chain is one whatever the number of processes.
struct AuditSealing: Service {
    let trail: AuditTrail
    let interval: Duration
    /// Opens once the schema is migrated.
    let readiness: OneTimeGate
    let logger: Logger

    static let retentionEvery = 3600

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var rounds = 0
            await readiness.wait()
            while (try? await Task.sleep(for: interval)) != nil {
                do {
                    try await trail.seal()
                } catch {
                    // Cancelled at shutdown: the next process to run seals what is left.
                    if !Task.isCancelled {
                        logger.warning("Could not seal audit events; the next round tries again", metadata: ["error": "\(error)"])
                    }
                }
                rounds += 1
                guard Duration.seconds(Self.retentionEvery) <= interval * rounds else { continue }
                rounds = 0
                do {
                    let dropped = try await trail.applyRetention()
                    if dropped > 0 { logger.notice("Dropped audit events past their retention", metadata: ["events": "\(dropped)"]) }
                } catch {
                    if !Task.isCancelled { logger.warning("Could not drop old audit events", metadata: ["error": "\(error)"]) }
                }
            }
        }
    }
}
