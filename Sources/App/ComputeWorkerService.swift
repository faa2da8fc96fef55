import Core
import Logging
import SQLPersistence
import ServiceLifecycle

/// Runs the job worker and the reconciliation loop for the service's lifetime. Every `serve`
/// process runs both; the database decides which process runs which job.
struct ComputeWorkerService: Service {
    let worker: JobWorker
    let reconciler: Reconciler
    let reconcileInterval: Duration
    /// Opens once the schema is migrated.
    let readiness: OneTimeGate

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await readiness.wait()
            await DatabaseClient.asBackgroundWork {
                await withDiscardingTaskGroup { group in
                    group.addTask { await worker.run() }
                    group.addTask {
                        while (try? await Task.sleep(for: reconcileInterval)) != nil {
                            await reconciler.reconcileAll()
                        }
                    }
                }
            }
        }
    }
}
