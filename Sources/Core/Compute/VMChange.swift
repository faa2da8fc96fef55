/// A place in the feed of VM changes: every process orders the feed the same way, and a position once
/// delivered is never followed by a change that sorts before it (see the `vm_events` migration).
/// Written as `"<commit order>-<sequence>"`, the `id` of a server-sent event.
public struct VMChangePosition: Sendable, Hashable, Comparable, LosslessStringConvertible {
    public let commitOrder: Int64
    public let sequence: Int64

    public init(commitOrder: Int64, sequence: Int64) {
        self.commitOrder = commitOrder
        self.sequence = sequence
    }

    /// Before every change.
    public static let start = VMChangePosition(commitOrder: 0, sequence: 0)

    public init?(_ description: String) {
        let parts = description.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
            let order = Int64(parts[0]), let sequence = Int64(parts[1])
        else { return nil }
        self.init(commitOrder: order, sequence: sequence)
    }

    public var description: String { "\(commitOrder)-\(sequence)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.commitOrder, lhs.sequence) < (rhs.commitOrder, rhs.sequence)
    }
}

/// One change of a tenant's VM, with the VM as it is when the change is read: nil once the VM left the
/// lists (its deletion was accepted), so a client that missed steps still lands on the latest state.
public struct VMChange: Sendable {
    public enum Kind: String, Sendable {
        case created, updated, deleted
    }

    public let position: VMChangePosition
    public let tenantID: TenantID
    public let vmID: VMID
    public let kind: Kind
    public let vm: VirtualMachine?

    public init(position: VMChangePosition, tenantID: TenantID, vmID: VMID, kind: Kind, vm: VirtualMachine?) {
        self.position = position
        self.tenantID = tenantID
        self.vmID = vmID
        self.kind = kind
        self.vm = vm
    }

    /// What a client should do: a VM no longer listed is gone, whatever the change said.
    public var effectiveKind: Kind { vm == nil ? .deleted : kind }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
