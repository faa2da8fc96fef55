import Foundation

public typealias JobID = EntityID<Job>

/// The driver operation a job runs.
public enum JobKind: String, Sendable, CaseIterable {
    /// Create the machine and power it on.
    case create
    case start
    /// Graceful shutdown with a timeout, then forced off.
    case stop
    case restart
    /// Remove the machine and its disks; a machine already gone counts as deleted.
    case delete
}

/// One driver operation waiting to run or running: a row of the durable queue, written in the same
/// transaction as the VM change that asks for it.
public struct Job: Sendable, Equatable {
    public let id: JobID
    public let vmID: VMID
    public let kind: JobKind
    /// Attempts that failed so far.
    public var attempt: Int
    /// Not claimed before this time (backoff after a failure).
    public var runAt: Date
    /// Set while a worker holds the job; an expired lease lets any worker claim it again.
    public var lease: Lease?
    public var lastError: String?
    public let createdAt: Date

    public struct Lease: Sendable, Equatable {
        /// Unique per claim: a worker whose lease expired and was claimed by another can no longer
        /// complete the job.
        public let token: UUID
        public var expiresAt: Date

        public init(token: UUID, expiresAt: Date) {
            self.token = token
            self.expiresAt = expiresAt
        }
    }

    public init(id: JobID, vmID: VMID, kind: JobKind, attempt: Int = 0, runAt: Date, lease: Lease? = nil, lastError: String? = nil, createdAt: Date) {
        self.id = id
        self.vmID = vmID
        self.kind = kind
        self.attempt = attempt
        self.runAt = runAt
        self.lease = lease
        self.lastError = lastError
        self.createdAt = createdAt
    }
}
