import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// The `SQLDatabase` the stores use on SQLite: each statement borrows a connection from the pool,
/// `withSession` keeps one connection for a whole transaction.
///
/// Statements run through SQLiteNIO's async API, which steps through all rows on the connection's
/// thread and comes back to the caller once; SQLiteKit's pool wrapper instead posts every row to
/// an event loop as a task of its own.
struct PooledSQLiteDatabase: SQLDatabase {
    enum Target: Sendable {
        case pool(SQLiteConnectionPool)
        case session(SQLiteConnection)
    }

    let target: Target
    let logger: Logger

    /// Made once: its initialiser allocates a `JSONEncoder`, and every statement encodes its binds.
    private static let encoder = SQLiteDataEncoder()

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, values) = serialize(query)
        logger.trace("Executing query", metadata: ["sql": .string(sql), "binds": .array(values.map { .string("\($0)") })])
        let binds = try values.map { try Self.encoder.encode($0) }
        switch target {
        case .pool(let pool):
            try await pool.withConnection { try await $0.query(sql, binds) { onRow(SQLiteRowReader(row: $0)) } }
        case .session(let connection):
            try await connection.query(sql, binds) { onRow(SQLiteRowReader(row: $0)) }
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        switch target {
        case .pool(let pool):
            try await pool.withConnection { try await closure(PooledSQLiteDatabase(target: .session($0), logger: logger)) }
        case .session:
            try await closure(self)
        }
    }
}

/// An `SQLRow` that hands over the values this service stores (text, integers, reals and NULL) as
/// they are, without a trip through `Decodable`. Other requests go to SQLiteKit's decoder.
struct SQLiteRowReader: SQLRow {
    let row: SQLiteRow

    private static let fallback = SQLiteDataDecoder()

    var allColumns: [String] { row.columns.map(\.name) }

    func contains(column: String) -> Bool { row.column(column) != nil }

    func decodeNil(column: String) throws -> Bool { try data(column) == .null }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        let data = try data(column)
        switch data {
        case .text(let text) where D.self == String.self:
            return unsafeBitCast(text, to: D.self)  // D is String: the cast is the identity
        case .integer(let number) where D.self == Bool.self:
            return unsafeBitCast(number != 0, to: D.self)
        case .integer(let number) where D.self == Int.self:
            return unsafeBitCast(number, to: D.self)
        case .float, .integer:
            if D.self == Date.self, let date = Date(sqliteData: data) { return unsafeBitCast(date, to: D.self) }
        default:
            break
        }
        return try Self.fallback.decode(D.self, from: data)
    }

    private func data(_ column: String) throws -> SQLiteData {
        guard let data = row.column(column) else {
            throw DecodingError.keyNotFound(
                SQLiteColumnKey(stringValue: column), .init(codingPath: [], debugDescription: "No column named \(column)")
            )
        }
        return data
    }
}

private struct SQLiteColumnKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
