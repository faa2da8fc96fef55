import Foundation

/// One line of a VM's activity log (`GET /vms/{id}/logs`).
public struct VMLogEntry: Sendable, Equatable {
    public enum Level: String, Sendable, CaseIterable {
        case info = "INFO"
        case warning = "WARNING"
        case error = "ERROR"
    }

    public let vmID: VMID
    public let timestamp: Date
    public let level: Level
    public let message: String

    public init(vmID: VMID, timestamp: Date, level: Level, message: String) {
        self.vmID = vmID
        self.timestamp = timestamp
        self.level = level
        self.message = message
    }
}
