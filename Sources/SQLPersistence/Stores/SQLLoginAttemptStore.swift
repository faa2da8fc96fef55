import Core
import Foundation
import SQLKit

/// `LoginAttemptStore` over the `login_failures` table: one row per (scope, key) with a running
/// count. Counting is one atomic upsert, so concurrent failures in any number of processes are all
/// counted (SQLite ≥ 3.35 and PostgreSQL both have `ON CONFLICT … DO UPDATE … RETURNING`).
public struct SQLLoginAttemptStore: LoginAttemptStore {
    let database: any SQLDatabase

    public init(client: DatabaseClient) {
        self.database = client.sql
    }

    public func failures(of keys: [AttemptKey], since: Date) async throws -> [AttemptKey: FailureRecord] {
        guard !keys.isEmpty else { return [:] }
        let rows = try await database.raw(
            "SELECT scope, key, failures, last_failure_at FROM login_failures WHERE \(Self.matching(keys)) AND last_failure_at >= \(bind: since)"
        ).all()
        return try Self.records(rows)
    }

    @discardableResult
    public func recordFailure(of keys: [AttemptKey], at now: Date, since: Date) async throws -> [AttemptKey: FailureRecord] {
        guard !keys.isEmpty else { return [:] }
        // Rows are written in the order given (the account first), so two upserts never lock the same
        // two rows in opposite orders.
        let values = SQLList(keys.map { key in
            SQLQueryString("(\(bind: key.scope.rawValue), \(bind: key.value), 1, \(bind: now))") as any SQLExpression
        })
        let rows = try await database.raw(
            """
            INSERT INTO login_failures (scope, key, failures, last_failure_at) VALUES \(values)
            ON CONFLICT (scope, key) DO UPDATE SET
                failures = CASE WHEN login_failures.last_failure_at < \(bind: since) THEN 1 ELSE login_failures.failures + 1 END,
                last_failure_at = excluded.last_failure_at
            RETURNING scope, key, failures, last_failure_at
            """
        ).all()
        return try Self.records(rows)
    }

    public func clear(_ key: AttemptKey) async throws {
        try await database.raw(
            "DELETE FROM login_failures WHERE scope = \(bind: key.scope.rawValue) AND key = \(bind: key.value)"
        ).run()
    }

    public func forget(before cutoff: Date) async throws {
        try await database.raw("DELETE FROM login_failures WHERE last_failure_at < \(bind: cutoff)").run()
    }

    /// `(scope = ? AND key = ?) OR …`, parenthesised: one primary-key probe per key.
    static func matching(_ keys: [AttemptKey]) -> SQLGroupExpression {
        SQLGroupExpression(SQLList(
            keys.map { SQLQueryString("(scope = \(bind: $0.scope.rawValue) AND key = \(bind: $0.value))") as any SQLExpression },
            separator: SQLRaw(" OR ")
        ))
    }

    static func records(_ rows: [any SQLRow]) throws -> [AttemptKey: FailureRecord] {
        var records: [AttemptKey: FailureRecord] = [:]
        for row in rows {
            guard let scope = AttemptKey.Scope(rawValue: try row.string("scope")) else { continue }
            records[AttemptKey(scope, try row.string("key"))] = FailureRecord(
                failures: try row.int("failures"), lastFailure: try row.date("last_failure_at")
            )
        }
        return records
    }
}
