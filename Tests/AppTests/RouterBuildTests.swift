import Configuration
import Foundation
import HTTPTypes
import Logging
import SQLPersistence
import Testing

@testable import App
@testable import HTTPAdapter

/// The router refuses to be built when code meant for an operation of openapi.yaml finds none:
/// a renamed path must not leave a hand-written handler silently unused.
@Suite("Router build")
struct RouterBuildTests {
    @Test("A hand-encoded route that matches no operation of openapi.yaml stops the build")
    func unknownReplacement() async throws {
        let configuration = try AppConfiguration(
            reader: ConfigReader(provider: InMemoryProvider(values: ["virtualstack.database.url": "sqlite::memory:"]))
        )
        let logger = Logger(label: "router-build-test")
        let database = try DatabaseClient(location: configuration.database, logger: logger)
        let running = Task { await database.run() }
        defer { running.cancel() }
        let core = CoreServices(configuration: configuration, database: database, logger: logger)
        let handlers = core.apiHandlers
        let settings = HTTPSettings(corsAllowedOrigins: [])

        // The service's own replacements all match.
        _ = try buildRouter(handlers: handlers, settings: settings, health: { true })
        #expect(!handlers.handEncodedRoutes.isEmpty)

        // GET /users moved to /members in the document, say: the old key matches nothing.
        for moved in [OperationRoute(method: .get, path: "/api/v1/members"), OperationRoute(method: .post, path: "/api/v1/users/me")] {
            let error = #expect(throws: UnknownOperationError.self) {
                try buildRouter(handlers: handlers, settings: settings, health: { true }, replacements: [moved: handlers.listUsersHandEncoded])
            }
            #expect(error?.route == moved)
        }
    }
}
