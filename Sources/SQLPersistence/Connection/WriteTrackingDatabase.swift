import Logging
import NIOCore
import SQLKit
import Synchronization

/// PostgreSQL's change counter for the read caches: this process's own writes, counted as they
/// happen (`WriteTrackingDatabase`), so a process always reads its own writes at once. Other
/// processes' writes are not counted; the caches bound every entry's age for them (see decisions.md).
final class WriteGeneration: ChangeCounter {
    private let counter = Atomic<Int64>(0)

    init() {}

    func current() async -> CacheGeneration? {
        CacheGeneration(epoch: 0, version: counter.load(ordering: .acquiring))
    }

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
        let (statement, isRead) = classified(query)
        return base.execute(sql: statement, onRow).always { [generation] _ in
            if !isRead { generation.advance() }
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (statement, isRead) = classified(query)
        // Advanced after the statement, also when it failed: a failed COMMIT may still have committed.
        defer { if !isRead { generation.advance() } }
        try await base.execute(sql: statement, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await base.withSession { [generation] session in
            try await closure(WriteTrackingDatabase(base: session, generation: generation))
        }
    }

    /// Whether `query` is a read, and the statement to run for it: a statement that had to be
    /// serialized to be recognised is handed on serialized, so it is not serialized a second time.
    private func classified(_ query: any SQLExpression) -> (statement: any SQLExpression, isRead: Bool) {
        if query is SQLSelect { return (query, true) }
        let (sql, binds) = base.serialize(query)
        let isRead = sql.drop { $0 == " " || $0 == "\n" }.prefix(6).uppercased() == "SELECT"
        return (SerializedStatement(sql: sql, binds: binds), isRead)
    }
}

/// A whole statement already serialized for the database's dialect. Its bind placeholders were
/// numbered from the first, which is where they land again when it is executed on its own.
private struct SerializedStatement: SQLExpression {
    let sql: String
    let binds: [any Encodable & Sendable]

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(sql)
        serializer.binds.append(contentsOf: binds)
    }
}
