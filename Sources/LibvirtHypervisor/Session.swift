#if LIBVIRT
import CLibvirt
import Core
import Foundation

/// An open connection, on its thread: the few libvirt calls the driver makes, each turning a
/// failure into a `LibvirtCallError`. The objects it hands out free their libvirt handle when they
/// go away, so no path (an error thrown halfway included) leaks a `virDomainPtr` or a volume.
struct Session {
    let pointer: virConnectPtr

    /// The domain whose UUID is `id`; nil when the host has none.
    func domain(_ id: VMID) throws -> Domain? {
        guard let domain = virDomainLookupByUUIDString(pointer, id.description) else {
            let error = LibvirtCallError.last("look up the machine of VM \(id)")
            if error.is(VIR_ERR_NO_DOMAIN) { return nil }
            throw error
        }
        return Domain(domain)
    }

    func allDomains() throws -> [Domain] {
        var list: UnsafeMutablePointer<virDomainPtr?>?
        let count = virConnectListAllDomains(pointer, &list, 0)
        guard count >= 0, let list else { throw LibvirtCallError.last("list the host's machines") }
        defer { free(list) }
        return (0..<Int(count)).compactMap { list[$0].map(Domain.init) }
    }

    func define(_ xml: String) throws -> Domain {
        guard let domain = virDomainDefineXML(pointer, xml) else { throw LibvirtCallError.last("define the machine") }
        return Domain(domain)
    }

    /// The storage pool named `name`; nil when the host has none.
    func pool(_ name: String) throws -> Pool? {
        guard let pool = virStoragePoolLookupByName(pointer, name) else {
            let error = LibvirtCallError.last("look up storage pool \(name)")
            if error.is(VIR_ERR_NO_STORAGE_POOL) { return nil }
            throw error
        }
        return Pool(pool)
    }

    /// Starts a transient `dir` pool (used on libvirt's test driver only, see `LibvirtSettings.fillTestHosts`).
    func createPool(_ name: String) throws -> Pool {
        let xml = "<pool type='dir'><name>\(DomainXML.escaped(name))</name><target><path>/\(DomainXML.escaped(name))</path></target></pool>"
        guard let pool = virStoragePoolCreateXML(pointer, xml, 0) else { throw LibvirtCallError.last("create storage pool \(name)") }
        return Pool(pool)
    }

    func activePools() throws -> [Pool] {
        var list: UnsafeMutablePointer<virStoragePoolPtr?>?
        let count = virConnectListAllStoragePools(pointer, &list, UInt32(VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE.rawValue))
        guard count >= 0, let list else { throw LibvirtCallError.last("list the host's storage pools") }
        defer { free(list) }
        return (0..<Int(count)).compactMap { list[$0].map(Pool.init) }
    }
}

final class Domain {
    let pointer: virDomainPtr

    init(_ pointer: virDomainPtr) { self.pointer = pointer }
    deinit { virDomainFree(pointer) }

    var name: String { virDomainGetName(pointer).map { String(cString: $0) } ?? "" }

    var uuid: String? {
        var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        guard virDomainGetUUIDString(pointer, &buffer) == 0 else {
            virResetLastError()
            return nil
        }
        return String(cString: buffer)
    }

    func state() throws -> virDomainState {
        var state: Int32 = 0
        var reason: Int32 = 0
        guard virDomainGetState(pointer, &state, &reason, 0) == 0 else { throw LibvirtCallError.last("read the state of \(name)") }
        return virDomainState(rawValue: UInt32(state))
    }

    /// Running, paused, being shut down, suspended to memory: the machine is on. Shut off, crashed or
    /// in no state: off.
    func power() throws -> VMLifecycle.Power {
        switch try state() {
        case VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_CRASHED, VIR_DOMAIN_NOSTATE: .stopped
        default: .running
        }
    }

    func xml() throws -> String {
        guard let text = virDomainGetXMLDesc(pointer, 0) else { throw LibvirtCallError.last("read the definition of \(name)") }
        defer { free(text) }
        return String(cString: text)
    }

    /// Calls a libvirt operation that answers 0 or -1.
    func perform(_ what: String, _ call: (virDomainPtr) -> Int32) throws {
        guard call(pointer) == 0 else { throw LibvirtCallError.last("\(what) \(name)") }
    }

    /// The guest's first IPv4 address (else IPv6, link-local excluded), from its guest agent, else from
    /// the host's DHCP leases; nil when neither knows one. Best effort: a guest still booting has no
    /// agent yet, and that is no error.
    func address() -> String? {
        for source in [VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE] {
            var list: UnsafeMutablePointer<virDomainInterfacePtr?>?
            let count = virDomainInterfaceAddresses(pointer, &list, source.rawValue, 0)
            guard count >= 0, let list else {
                virResetLastError()
                continue
            }
            var found: [(isIPv4: Bool, address: String)] = []
            for index in 0..<Int(count) {
                guard let interface = list[index] else { continue }
                defer { virDomainInterfaceFree(interface) }
                let name = interface.pointee.name.map { String(cString: $0) } ?? ""
                guard name != "lo", let addresses = interface.pointee.addrs else { continue }
                for entry in 0..<Int(interface.pointee.naddrs) {
                    guard let text = addresses[entry].addr.map({ String(cString: $0) }) else { continue }
                    let isIPv4 = addresses[entry].type == Int32(VIR_IP_ADDR_TYPE_IPV4.rawValue)
                    if text.hasPrefix("127.") || text == "::1" || text.lowercased().hasPrefix("fe80:") { continue }
                    found.append((isIPv4, text))
                }
            }
            free(list)
            if let best = found.first(where: \.isIPv4) ?? found.first { return best.address }
        }
        return nil
    }
}

final class Pool {
    let pointer: virStoragePoolPtr

    init(_ pointer: virStoragePoolPtr) { self.pointer = pointer }
    deinit { virStoragePoolFree(pointer) }

    var name: String { virStoragePoolGetName(pointer).map { String(cString: $0) } ?? "" }

    /// The volume named `name`; nil when the pool has none.
    func volume(_ name: String) throws -> Volume? {
        guard let volume = virStorageVolLookupByName(pointer, name) else {
            let error = LibvirtCallError.last("look up volume \(name) in storage pool \(self.name)")
            if error.is(VIR_ERR_NO_STORAGE_VOL) { return nil }
            throw error
        }
        return Volume(volume)
    }

    func createVolume(_ xml: String, named name: String) throws -> Volume {
        guard let volume = virStorageVolCreateXML(pointer, xml, 0) else {
            throw LibvirtCallError.last("create volume \(name) in storage pool \(self.name)")
        }
        return Volume(volume)
    }

    /// Creates the volume; one that another process created meanwhile (the same VM's disk) is fine.
    func createVolumeUnlessExists(_ xml: String, named name: String) throws {
        do {
            _ = try createVolume(xml, named: name)
        } catch let error as LibvirtCallError {
            // Drivers say "exists" with different codes (the test driver: operation failed): look.
            guard try volume(name) != nil else { throw error }
        }
    }
}

final class Volume {
    let pointer: virStorageVolPtr

    init(_ pointer: virStorageVolPtr) { self.pointer = pointer }
    deinit { virStorageVolFree(pointer) }

    func path() throws -> String {
        guard let text = virStorageVolGetPath(pointer) else { throw LibvirtCallError.last("read a volume's path") }
        defer { free(text) }
        return String(cString: text)
    }

    /// The volume's virtual size in bytes.
    func capacity() throws -> UInt64 {
        var info = virStorageVolInfo()
        guard virStorageVolGetInfo(pointer, &info) == 0 else { throw LibvirtCallError.last("read a volume's size") }
        return UInt64(info.capacity)
    }

    /// The volume's format (`qcow2`, `raw`, …) from its definition.
    func format() throws -> String {
        guard let text = virStorageVolGetXMLDesc(pointer, 0) else { throw LibvirtCallError.last("read a volume's definition") }
        defer { free(text) }
        return DomainXML.volumeFormat(in: String(cString: text)) ?? "raw"
    }

    func delete() throws {
        guard virStorageVolDelete(pointer, 0) == 0 else { throw LibvirtCallError.last("delete a volume") }
    }
}
#endif
