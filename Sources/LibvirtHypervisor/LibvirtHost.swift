#if LIBVIRT
import CLibvirt
import Core
import Foundation

/// One libvirt host: the `Hypervisor` the core drives. A machine is a domain whose UUID is the VM id
/// and whose name is `vs-<vm id>`; its disk is the volume `vs-<vm id>.qcow2`. Each operation but
/// stop is one closure on the connection's thread, so operations of one process on one host never
/// interleave halfway (concurrent creates of one VM make one domain); another process's create that
/// wins the race is found by its UUID.
public struct LibvirtHost: Hypervisor {
    let connection: LibvirtConnection
    public let virtType: LibvirtVirtType
    let settings: LibvirtSettings
    let operationDelay: Duration

    public var uri: String { connection.uri }

    public static func domainName(of id: VMID) -> String { "vs-\(id)" }
    public static func diskName(of id: VMID) -> String { "vs-\(id).qcow2" }

    public func create(_ spec: MachineSpec) async throws -> Machine {
        try await beforeChange()
        let settings = settings
        let virtType = virtType
        let network = settings.network(for: connection.uri)
        let fill = settings.fillTestHosts && connection.uri.hasPrefix("test:")
        return try await connection.run { session in
            if let existing = try session.domain(spec.id) { return try existing.machine() }
            let disk = try Self.makeDisk(for: spec, isoPool: settings.isoPool, fill: fill, in: session)
            let xml = DomainXML.domain(
                id: spec.id, size: spec.size, disk: disk, virtType: virtType, network: network,
                consoleLog: settings.consoleLogDirectory.map { "\($0)/\(Self.domainName(of: spec.id)).log" }
            )
            let domain: Domain
            do {
                domain = try session.define(xml)
            } catch let error as LibvirtCallError {
                // Another process defined it first: that machine is the one.
                if let existing = try session.domain(spec.id) { return try existing.machine() }
                throw error
            }
            do {
                try domain.perform("start") { virDomainCreate($0) }
            } catch {
                // Another process's create of the same VM started it first: that is the machine.
                if (try? domain.power()) == .running { return try domain.machine() }
                // A machine that could not start is undefined again, so that a retry starts afresh
                // (the disk stays and is used again).
                _ = virDomainUndefine(domain.pointer)
                virResetLastError()
                throw error
            }
            return try domain.machine()
        }
    }

    public func start(_ id: VMID) async throws -> Machine {
        try await beforeChange()
        return try await connection.run { session in
            let domain = try Self.existing(id, in: session)
            switch try domain.state() {
            case VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_CRASHED, VIR_DOMAIN_NOSTATE: try domain.perform("start") { virDomainCreate($0) }
            case VIR_DOMAIN_PAUSED: try domain.perform("resume") { virDomainResume($0) }
            default: break
            }
            return try domain.machine()
        }
    }

    /// Asks the guest to shut down (ACPI power button or guest agent, as the hypervisor chooses),
    /// watches until it is off, and destroys it when `timeout` passed first. The waiting happens
    /// between calls, off the connection's thread, and is cancellable.
    public func stop(_ id: VMID, timeout: Duration) async throws -> Machine {
        try await beforeChange()
        let asked = try await connection.run { session -> Machine? in
            let domain = try Self.existing(id, in: session)
            guard try domain.power() == .running else { return try domain.machine() }
            do {
                try domain.perform("shut down") { virDomainShutdown($0) }
            } catch let error as LibvirtCallError where error.is(VIR_ERR_OPERATION_INVALID) {
                // It went off between the two calls.
                if try domain.power() == .stopped { return try domain.machine() }
                throw error
            }
            return nil
        }
        if let asked { return asked }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: min(settings.stopPollInterval, deadline - ContinuousClock.now))
            if let off = try await connection.run({ session -> Machine? in
                let domain = try Self.existing(id, in: session)
                return try domain.power() == .stopped ? try domain.machine() : nil
            }) {
                return off
            }
        }
        return try await connection.run { session in
            let domain = try Self.existing(id, in: session)
            if try domain.power() == .running {
                do {
                    try domain.perform("force off") { virDomainDestroy($0) }
                } catch let error as LibvirtCallError where error.is(VIR_ERR_OPERATION_INVALID) {
                    // It shut down on its own at the last moment.
                }
            }
            return try domain.machine()
        }
    }

    /// Reboots a running machine (the guest is asked, as for stop) and starts a stopped one.
    public func restart(_ id: VMID) async throws -> Machine {
        try await beforeChange()
        return try await connection.run { session in
            let domain = try Self.existing(id, in: session)
            switch try domain.state() {
            case VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_CRASHED, VIR_DOMAIN_NOSTATE:
                try domain.perform("start") { virDomainCreate($0) }
            case VIR_DOMAIN_PAUSED:
                try domain.perform("resume") { virDomainResume($0) }
                try domain.perform("reboot") { virDomainReboot($0, 0) }
            default:
                try domain.perform("reboot") { virDomainReboot($0, 0) }
            }
            return try domain.machine()
        }
    }

    /// Destroys and undefines the domain, then deletes its disk volume `vs-<id>.qcow2` wherever it is
    /// (also when a create stopped after making the disk). Nothing else: not the template's base
    /// image, not other volumes.
    public func delete(_ id: VMID) async throws {
        try await beforeChange()
        try await connection.run { session in
            if let domain = try session.domain(id) {
                if try domain.power() == .running {
                    do {
                        try domain.perform("force off") { virDomainDestroy($0) }
                    } catch let error as LibvirtCallError where error.is(VIR_ERR_OPERATION_INVALID) {}
                }
                do {
                    try domain.perform("undefine") { virDomainUndefine($0) }
                } catch let error as LibvirtCallError where error.is(VIR_ERR_NO_DOMAIN) {}
            }
            for pool in try session.activePools() {
                try pool.volume(Self.diskName(of: id))?.delete()
            }
        }
    }

    public func machine(_ id: VMID) async throws -> Machine? {
        try await connection.run { session in try session.domain(id)?.machine() }
    }

    /// A domain undefined between the listing and the reading of its state is left out: it is gone.
    public func inventory() async throws -> [Machine] {
        try await connection.run { session in
            try session.allDomains().compactMap { domain -> Machine? in
                do {
                    return try domain.machine()
                } catch let error as LibvirtCallError where error.is(VIR_ERR_NO_DOMAIN) {
                    return nil
                }
            }.sorted { $0.name < $1.name }
        }
    }

    // MARK: - On the connection's thread

    static func existing(_ id: VMID, in session: Session) throws -> Domain {
        guard let domain = try session.domain(id) else { throw refused("The host has no machine for VM \(id)") }
        return domain
    }

    /// The VM's disk: a copy-on-write clone of the template's base volume in the base's pool, or an
    /// empty disk in the ISO pool; an existing one (from a create that stopped halfway) is used again.
    /// With `fill` (test driver only), a missing pool or base volume is made, empty.
    static func makeDisk(for spec: MachineSpec, isoPool: String, fill: Bool, in session: Session) throws -> DomainXML.Disk {
        func pool(_ name: String) throws -> Pool? {
            if let pool = try session.pool(name) { return pool }
            return fill ? try session.createPool(name) : nil
        }
        let name = diskName(of: spec.id)
        var bytes = UInt64(spec.size.diskGB) << 30
        switch spec.source {
        case .template(_, let image):
            guard let image, let slash = image.firstIndex(of: "/"), slash != image.startIndex, image.index(after: slash) != image.endIndex
            else {
                throw refused("The template has no libvirt image of the form <pool>/<volume> (\(image ?? "none"))")
            }
            let poolName = String(image[..<slash])
            let baseName = String(image[image.index(after: slash)...])
            guard let pool = try pool(poolName) else { throw refused("The host has no storage pool \(poolName)") }
            if try pool.volume(name) == nil {
                let found = try pool.volume(baseName)
                    ?? (fill ? try pool.createVolume(DomainXML.volume(name: baseName, capacity: 1 << 30, backing: nil), named: baseName) : nil)
                guard let base = found else {
                    throw refused("Storage pool \(poolName) has no volume \(baseName)")
                }
                // A clone is never smaller than its base.
                bytes = max(bytes, try base.capacity())
                try pool.createVolumeUnlessExists(
                    DomainXML.volume(name: name, capacity: bytes, backing: (try base.path(), try base.format())), named: name
                )
            }
            return DomainXML.Disk(pool: poolName, volume: name, iso: nil)
        case .iso(let address):
            guard let url = URL(string: address), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw refused("The ISO address \(address) is not an http(s) URL")
            }
            guard let pool = try pool(isoPool) else { throw refused("The host has no storage pool \(isoPool) for ISO VMs' disks") }
            if try pool.volume(name) == nil {
                try pool.createVolumeUnlessExists(DomainXML.volume(name: name, capacity: bytes, backing: nil), named: name)
            }
            return DomainXML.Disk(pool: isoPool, volume: name, iso: url)
        }
    }

    // MARK: - Delay

    private func beforeChange() async throws {
        if operationDelay > .zero { try await Task.sleep(for: operationDelay) }
        try Task.checkCancellation()
    }
}

extension Domain {
    /// The machine as the port reports it: the VM id when the domain is one of VirtualStack's (named
    /// `vs-<uuid>` with that UUID), its power, and while it runs its address.
    func machine() throws -> Machine {
        let name = self.name
        let uuid = self.uuid
        let vmID = uuid.flatMap(VMID.init).flatMap { name == LibvirtHost.domainName(of: $0) ? $0 : nil }
        let power = try power()
        return Machine(vmID: vmID, name: name, power: power, ipAddress: power == .running ? address() : nil)
    }
}
#endif
