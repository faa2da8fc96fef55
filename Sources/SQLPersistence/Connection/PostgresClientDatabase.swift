import Core
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit

/// An `SQLDatabase` over PostgresNIO's connection pool (`PostgresClient`): each query leases a
/// connection, `withSession` keeps one connection for a whole transaction.
struct PostgresClientDatabase: SQLDatabase {
    let client: PostgresClient
    /// Opened by `DatabaseClient.run()` as it starts the client.
    let started: OneTimeGate
    let logger: Logger
    let eventLoopGroup: any EventLoopGroup

    var eventLoop: any EventLoop { eventLoopGroup.any() }
    var dialect: any SQLDialect { PostgresDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        await started.wait()
        try await client.withConnection { connection in
            try await connection.sql(queryLogLevel: queryLogLevel).execute(sql: query, onRow)
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        await started.wait()
        return try await client.withConnection { connection in
            try await closure(connection.sql(queryLogLevel: queryLogLevel))
        }
    }
}
