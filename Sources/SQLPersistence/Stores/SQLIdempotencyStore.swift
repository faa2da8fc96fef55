import Core
import Foundation
import SQLKit

/// `IdempotencyStore` over `idempotency_keys`. A claim is one insert that only the first request wins
/// (`ON CONFLICT DO NOTHING`), in any number of processes; taking over an abandoned claim is an update
/// conditioned on the token that abandoned it, so that only one taker wins that too. A repeat waiting
/// for the first request reads the row and writes nothing, so waiters do not queue for SQLite's write lock.
public struct SQLIdempotencyStore: IdempotencyStore {
    let client: DatabaseClient

    /// No read cache depends on this table: its writes leave the caches' change counter alone.
    public init(client: DatabaseClient) {
        self.client = client.uncounted
    }

    /// Runs one write statement, queued behind this process's other writers on SQLite; whether it
    /// returned a row (its `RETURNING`, for the statements that have one).
    @discardableResult
    private func write(_ statement: SQLQueryString) async throws -> Bool {
        try await client.writeStatement { try await $0.raw(statement).first() != nil }
    }

    public func claim(
        _ request: IdempotentRequest, token: UUID, now: Date, staleBefore: Date, expiredBefore: Date
    ) async throws -> IdempotencyClaim {
        let match: SQLQueryString = "caller = \(bind: request.caller) AND key = \(bind: request.key)"
        // Each pass ends in an answer unless another request changed the row between our statements
        // (claimed it first, released it, or took it over): then the next pass sees the change.
        for _ in 0..<5 {
            guard
                let row = try await client.sql.raw(
                    """
                    SELECT fingerprint, claim_token, claimed_at, status, content_type, location, body, created_at
                    FROM idempotency_keys WHERE \(match)
                    """
                ).first()
            else {
                let inserted = try await write(
                    """
                    INSERT INTO idempotency_keys (caller, key, fingerprint, claim_token, claimed_at, created_at)
                    VALUES (\(bind: request.caller), \(bind: request.key), \(bind: request.fingerprint), \(bind: token.uuidString),
                        \(bind: now), \(bind: now))
                    ON CONFLICT (caller, key) DO NOTHING RETURNING caller
                    """
                )
                if inserted { return .claimed }
                continue
            }
            if try row.date("created_at") < expiredBefore {
                try await write("DELETE FROM idempotency_keys WHERE \(match) AND created_at < \(bind: expiredBefore)")
                continue
            }
            guard try row.string("fingerprint") == request.fingerprint else { return .mismatch }
            if let status = try row.decode(column: "status", as: Int?.self) {
                return .answered(
                    RecordedAnswer(
                        status: status, contentType: try row.optionalString("content_type"), location: try row.optionalString("location"),
                        body: Array((try row.optionalString("body") ?? "").utf8)
                    )
                )
            }
            guard try row.date("claimed_at") < staleBefore else { return .inProgress }
            let abandoned = try row.string("claim_token")
            let taken = try await write(
                """
                UPDATE idempotency_keys SET claim_token = \(bind: token.uuidString), claimed_at = \(bind: now)
                WHERE \(match) AND status IS NULL AND claim_token = \(bind: abandoned) RETURNING caller
                """
            )
            if taken { return .claimed }
        }
        return .inProgress
    }

    public func finish(_ request: IdempotentRequest, token: UUID, with answer: RecordedAnswer) async throws {
        try await write(
            """
            UPDATE idempotency_keys SET status = \(bind: answer.status), content_type = \(bind: answer.contentType),
                location = \(bind: answer.location), body = \(bind: String(decoding: answer.body, as: UTF8.self))
            WHERE caller = \(bind: request.caller) AND key = \(bind: request.key) AND claim_token = \(bind: token.uuidString)
            """
        )
    }

    public func release(_ request: IdempotentRequest, token: UUID) async throws {
        try await write(
            """
            DELETE FROM idempotency_keys
            WHERE caller = \(bind: request.caller) AND key = \(bind: request.key) AND claim_token = \(bind: token.uuidString) AND status IS NULL
            """
        )
    }

    public func prune(usedBefore date: Date) async throws -> Int {
        try await client.writeStatement {
            try await $0.raw("DELETE FROM idempotency_keys WHERE created_at < \(bind: date) RETURNING caller").all().count
        }
    }
}
