/// How big a machine is: virtual CPUs and gigabytes of memory and disk.
public struct VMSize: Sendable, Equatable, Hashable {
    public var cpu: Int
    public var memoryGB: Int
    public var diskGB: Int

    public init(cpu: Int, memoryGB: Int, diskGB: Int) {
        self.cpu = cpu
        self.memoryGB = memoryGB
        self.diskGB = diskGB
    }

    public static let zero = VMSize(cpu: 0, memoryGB: 0, diskGB: 0)

    /// The contract's bounds for one VM (and for a template's defaults).
    public static let cpuRange = 1...128
    public static let memoryRange = 1...2048
    public static let diskRange = 1...65536

    /// The size, or 422 naming the first field out of range.
    public func validated() throws(DomainError) -> VMSize {
        try Self.require(cpu, in: Self.cpuRange, field: "cpu")
        try Self.require(memoryGB, in: Self.memoryRange, field: "memory_gb")
        try Self.require(diskGB, in: Self.diskRange, field: "disk_gb")
        return self
    }

    static func require(_ value: Int, in range: ClosedRange<Int>, field: String) throws(DomainError) {
        guard range.contains(value) else {
            throw .invalid("\(field) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
    }

    public static func + (lhs: VMSize, rhs: VMSize) -> VMSize {
        VMSize(cpu: lhs.cpu + rhs.cpu, memoryGB: lhs.memoryGB + rhs.memoryGB, diskGB: lhs.diskGB + rhs.diskGB)
    }

    public static func - (lhs: VMSize, rhs: VMSize) -> VMSize {
        VMSize(cpu: lhs.cpu - rhs.cpu, memoryGB: lhs.memoryGB - rhs.memoryGB, diskGB: lhs.diskGB - rhs.diskGB)
    }
}
