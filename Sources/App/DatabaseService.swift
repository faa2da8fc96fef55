import ServiceLifecycle
import SQLPersistence

/// Keeps the database pool alive for the application's lifetime and closes it on shutdown,
/// after the HTTP server has finished its in-flight requests (services stop in reverse order).
struct DatabaseService: Service {
    let client: DatabaseClient

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await client.run()
        }
    }
}
