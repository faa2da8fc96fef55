/// The four things a tenant's VMs consume, as counts: VMs, vCPUs and GB of memory and disk.
public struct ResourceTally: Sendable, Equatable {
    public var vms: Int
    public var vcpus: Int
    public var memoryGB: Int
    public var diskGB: Int

    public init(vms: Int = 0, vcpus: Int = 0, memoryGB: Int = 0, diskGB: Int = 0) {
        self.vms = vms
        self.vcpus = vcpus
        self.memoryGB = memoryGB
        self.diskGB = diskGB
    }

    /// What one VM of `size` takes.
    public init(oneVMOf size: VMSize) {
        self.init(vms: 1, vcpus: size.cpu, memoryGB: size.memoryGB, diskGB: size.diskGB)
    }

    public subscript(dimension: QuotaDimension) -> Int {
        switch dimension {
        case .vms: vms
        case .vcpus: vcpus
        case .memoryGB: memoryGB
        case .diskGB: diskGB
        }
    }

    public static func + (lhs: ResourceTally, rhs: ResourceTally) -> ResourceTally {
        ResourceTally(vms: lhs.vms + rhs.vms, vcpus: lhs.vcpus + rhs.vcpus, memoryGB: lhs.memoryGB + rhs.memoryGB, diskGB: lhs.diskGB + rhs.diskGB)
    }
}

/// A dimension of a quota, named as the API names it.
public enum QuotaDimension: String, Sendable, CaseIterable {
    case vms
    case vcpus
    case memoryGB = "memory_gb"
    case diskGB = "disk_gb"
}

/// A tenant's limits; nil is unlimited.
public struct QuotaLimits: Sendable, Equatable {
    public var vms: Int?
    public var vcpus: Int?
    public var memoryGB: Int?
    public var diskGB: Int?

    public static let unlimited = QuotaLimits()

    /// Above any size a tenant could reach, and far from overflowing the sums it is compared with.
    public static let maximum = 1_000_000_000

    public init(vms: Int? = nil, vcpus: Int? = nil, memoryGB: Int? = nil, diskGB: Int? = nil) {
        self.vms = vms
        self.vcpus = vcpus
        self.memoryGB = memoryGB
        self.diskGB = diskGB
    }

    public subscript(dimension: QuotaDimension) -> Int? {
        switch dimension {
        case .vms: vms
        case .vcpus: vcpus
        case .memoryGB: memoryGB
        case .diskGB: diskGB
        }
    }

    public var isUnlimited: Bool { self == .unlimited }

    /// `422` for a negative or absurdly large limit.
    public func validated() throws(DomainError) -> QuotaLimits {
        for dimension in QuotaDimension.allCases {
            if let limit = self[dimension], !(0...Self.maximum).contains(limit) {
                throw .invalid("\(dimension.rawValue) must be null (unlimited) or between 0 and \(Self.maximum)")
            }
        }
        return self
    }
}

/// What a tenant consumes. `reserved` is held by VMs whose creation is still in flight
/// (`PROVISIONING`); `used` by every other VM that exists, `ERROR` ones included, until its deletion
/// is accepted.
public struct QuotaUsage: Sendable, Equatable {
    public var used: ResourceTally
    public var reserved: ResourceTally

    public init(used: ResourceTally = ResourceTally(), reserved: ResourceTally = ResourceTally()) {
        self.used = used
        self.reserved = reserved
    }

    public var total: ResourceTally { used + reserved }
}

/// Limits and usage side by side: `GET /quota`.
public struct QuotaReport: Sendable, Equatable {
    public let limits: QuotaLimits
    public let usage: QuotaUsage

    public init(limits: QuotaLimits, usage: QuotaUsage) {
        self.limits = limits
        self.usage = usage
    }

    /// What can still be asked for in `dimension`: nil when unlimited, never negative (a limit lowered
    /// below the usage leaves none).
    public func headroom(_ dimension: QuotaDimension) -> Int? {
        limits[dimension].map { max(0, $0 - usage.total[dimension]) }
    }

    /// `409` naming the first dimension that `asked` would take past its limit.
    public func admit(_ asked: ResourceTally) throws(DomainError) {
        for dimension in QuotaDimension.allCases {
            guard let limit = limits[dimension], asked[dimension] > 0 else { continue }
            let inUse = usage.total[dimension]
            if inUse + asked[dimension] > limit {
                throw .conflict(
                    "Quota exceeded for \(dimension.rawValue): the limit is \(limit), \(inUse) in use "
                        + "(\(usage.used[dimension]) used, \(usage.reserved[dimension]) reserved), \(asked[dimension]) asked"
                )
            }
        }
    }
}
