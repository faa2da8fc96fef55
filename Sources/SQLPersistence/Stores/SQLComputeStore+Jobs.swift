import Core
import Foundation
import SQLKit

extension SQLComputeStore: JobQueue {
    static let jobColumns: SQLQueryString = "id, vm_id, kind, attempt, run_at, lease_token, lease_expires_at, last_error, created_at"

    public func enqueue(_ job: Job) async throws {
        try await database.raw(
            """
            INSERT INTO jobs (id, vm_id, kind, attempt, run_at, lease_token, lease_expires_at, last_error, created_at)
            VALUES (\(bind: job.id.description), \(bind: job.vmID.description), \(bind: job.kind.rawValue), \(bind: job.attempt),
                \(bind: job.runAt), \(bind: job.lease.map { $0.token.uuidString.lowercased() }), \(bind: job.lease?.expiresAt),
                \(bind: job.lastError), \(bind: job.createdAt))
            """
        ).run()
    }

    public func cancelQueuedJobs(of vmID: VMID, now: Date) async throws {
        try await database.raw(
            """
            DELETE FROM jobs
            WHERE vm_id = \(bind: vmID.description) AND (lease_expires_at IS NULL OR lease_expires_at < \(bind: now))
            """
        ).run()
    }

    /// One statement, atomic on its own, outside any transaction. The jobs to lease are chosen first:
    /// due, not held, and neither preceded by an older job of their VM nor accompanied by a held one
    /// (jobs of a VM run one at a time, oldest first). On PostgreSQL that choice takes its rows
    /// `FOR UPDATE SKIP LOCKED`: a concurrent claimer passes over rows another is leasing instead of
    /// waiting for them, and a row leased meanwhile fails the re-check PostgreSQL makes of a row that
    /// changed under the statement. The choice is a materialised CTE, evaluated once (as `id IN
    /// (subquery)`, PostgreSQL may run a LIMIT subquery more than once and lock more rows than it
    /// leases). On SQLite a writing statement takes the write lock before it reads, which excludes
    /// every other writer.
    public func claimJobs(limit: Int, token: UUID, now: Date, leaseUntil: Date) async throws -> [Job] {
        guard limit > 0 else { return [] }
        let skipLocked: SQLQueryString = client.backend == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        let rows = try await client.writeStatement { database in
            try await database.raw(
                """
                WITH claimed AS MATERIALIZED (
                    SELECT j.id AS claimed_id FROM jobs j
                    WHERE j.run_at <= \(bind: now)
                    AND (j.lease_expires_at IS NULL OR j.lease_expires_at < \(bind: now))
                    AND NOT EXISTS (
                        SELECT 1 FROM jobs o
                        WHERE o.vm_id = j.vm_id AND o.id <> j.id
                        AND (o.created_at < j.created_at OR (o.created_at = j.created_at AND o.id < j.id)
                            OR o.lease_expires_at >= \(bind: now))
                    )
                    ORDER BY j.created_at, j.id
                    LIMIT \(literal: limit)\(skipLocked)
                )
                UPDATE jobs SET lease_token = \(bind: token.uuidString.lowercased()), lease_expires_at = \(bind: leaseUntil)
                FROM claimed WHERE jobs.id = claimed.claimed_id
                RETURNING \(Self.jobColumns)
                """
            ).all()
        }
        // RETURNING follows no order.
        return try rows.map { try $0.job() }.sorted { ($0.createdAt, $0.id.description) < ($1.createdAt, $1.id.description) }
    }

    public func renewLease(of id: JobID, token: UUID, until: Date) async throws -> Bool {
        try await database.raw(
            """
            UPDATE jobs SET lease_expires_at = \(bind: until)
            WHERE id = \(bind: id.description) AND lease_token = \(bind: token.uuidString.lowercased())
            RETURNING id
            """
        ).first() != nil
    }

    public func releaseLease(of id: JobID, token: UUID) async throws {
        try await database.raw(
            """
            UPDATE jobs SET lease_token = NULL, lease_expires_at = NULL
            WHERE id = \(bind: id.description) AND lease_token = \(bind: token.uuidString.lowercased())
            """
        ).run()
    }

    /// The token decides, not the lease's expiry: a holder whose lease ran out may still complete the
    /// job as long as nobody claimed it meanwhile (a new claim writes a new token).
    public func lockedJob(_ id: JobID, token: UUID) async throws -> Job? {
        try await database.raw(
            """
            SELECT \(Self.jobColumns) FROM jobs
            WHERE id = \(bind: id.description) AND lease_token = \(bind: token.uuidString.lowercased())\(rowLock)
            """
        ).first()?.job()
    }

    public func takeJob(_ id: JobID, token: UUID) async throws -> Bool {
        try await database.raw(
            """
            DELETE FROM jobs WHERE id = \(bind: id.description) AND lease_token = \(bind: token.uuidString.lowercased())
            RETURNING id
            """
        ).first() != nil
    }

    public func deleteJob(_ id: JobID) async throws {
        try await database.raw("DELETE FROM jobs WHERE id = \(bind: id.description)").run()
    }

    public func rescheduleJob(_ id: JobID, attempt: Int, runAt: Date, lastError: String) async throws {
        try await database.raw(
            """
            UPDATE jobs SET attempt = \(bind: attempt), run_at = \(bind: runAt), last_error = \(bind: lastError),
                lease_token = NULL, lease_expires_at = NULL
            WHERE id = \(bind: id.description)
            """
        ).run()
    }

    public func jobCount() async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS n FROM jobs").first()?.int("n") ?? 0
    }
}

extension SQLRow {
    func job() throws -> Job {
        var lease: Job.Lease?
        if let token = try optionalString("lease_token"), let expiresAt = try optionalDate("lease_expires_at") {
            guard let uuid = UUID(uuidString: token) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "lease_token is not a UUID: \(token)"))
            }
            lease = Job.Lease(token: uuid, expiresAt: expiresAt)
        }
        return Job(
            id: try id("id"),
            vmID: try id("vm_id"),
            kind: try enumValue("kind"),
            attempt: try int("attempt"),
            runAt: try date("run_at"),
            lease: lease,
            lastError: try optionalString("last_error"),
            createdAt: try date("created_at")
        )
    }
}
