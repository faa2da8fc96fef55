import Logging
import NIOCore
import SQLKit
import Synchronization

/// A counter that moves forward after every statement that may have changed data in this process.
/// Reads cached in memory remember the count they were loaded at and are stale once it moved.
public final class WriteGeneration: Sendable {
    private let counter = Atomic<UInt64>(0)

    init() {}

    var current: UInt64 { counter.load(ordering: .acquiring) }

    func advance() {
        counter.add(1, ordering: .releasing)
    }
}

/// Forwards to the real database and advances `generation` after every statement that is not
/// plainly a read. Conservative on purpose: anything not recognised as a `SELECT` counts as a write
/// (INSERT, UPDATE, DELETE, and also COMMIT, which is what makes a transaction's writes visible).
struct WriteTrackingDatabase: SQLDatabase {
    let base: any SQLDatabase
    let generation: WriteGeneration

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let isRead = isRead(query)
        return base.execute(sql: query, onRow).always { [generation] _ in
            if !isRead { generation.advance() }
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let isRead = isRead(query)
        // Advanced after the statement, also when it failed: a failed COMMIT may still have committed.
        defer { if !isRead { generation.advance() } }
        try await base.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { [generation] session in
            try await closure(WriteTrackingDatabase(base: session, generation: generation))
        }
    }

    private func isRead(_ query: any SQLExpression) -> Bool {
        if query is SQLSelect { return true }
        let text = base.serialize(query).sql
        return text.drop { $0 == " " || $0 == "\n" }.prefix(6).uppercased() == "SELECT"
    }
}
