import Core
import SQLKit

/// `SettingsStore` over the `settings` table.
public struct SQLSettingsStore: SettingsStore {
    let database: any SQLDatabase

    public init(client: DatabaseClient) {
        self.database = client.sql
    }

    public func valueInsertingIfAbsent(key: String, value: String) async throws -> String {
        // ON CONFLICT DO NOTHING makes concurrent first starts agree on one value: whoever inserted first wins.
        try await database.insert(into: "settings").columns("key", "value").values(SQLBind(key), SQLBind(value))
            .ignoringConflicts(with: ["key"]).run()
        guard let row = try await database.select().column("value").from("settings").where("key", .equal, SQLBind(key)).first()
        else { throw DomainError.unavailable("setting \(key) could not be stored") }
        return try row.string("value")
    }
}
