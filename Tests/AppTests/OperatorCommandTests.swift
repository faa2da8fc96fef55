import App
import Configuration
import TestSupport
import Testing

/// What an operator running the one-shot commands reads: nothing but the outcome.
@Suite("Operator commands")
struct OperatorCommandTests {
    @Test("migrate and bootstrap log no warning", arguments: TestBackend.available)
    func quiet(backend: TestBackend) async throws {
        try await withTestDatabase(backend) { database in
            let recorder = LogRecorder()
            let configuration = try AppConfiguration(
                reader: ConfigReader(provider: InMemoryProvider(values: ["virtualstack.database.url": .init(.string(database.url), isSecret: false)]))
            )

            _ = try await OperatorCommands.migrate(configuration: configuration, logger: recorder.logger)
            _ = try await OperatorCommands.bootstrap(
                email: "root@example.com", password: "root-password", configuration: configuration, logger: recorder.logger
            )

            #expect(recorder.recorded.isEmpty, "\(recorder.recorded)")
        }
    }
}
