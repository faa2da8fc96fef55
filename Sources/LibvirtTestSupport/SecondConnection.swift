import CLibvirt
import Core
import Foundation

/// A plain libvirt connection, independent of the driver: what an operator's `virsh` would do. Tests
/// change and inspect hosts through it behind the driver's back.
public final class SecondConnection: @unchecked Sendable {
    let pointer: virConnectPtr

    public init(_ uri: String) throws {
        // libvirt prints every error to stderr unless told otherwise; tests expect some (no such volume).
        virSetErrorFunc(nil, ignoreError)
        guard let pointer = virConnectOpen(uri) else { throw RawError("connect to \(uri)") }
        self.pointer = pointer
    }

    deinit { virConnectClose(pointer) }

    /// Creates the volume unless the pool has it (another test may have just made it).
    public func ensureVolume(_ name: String, capacity: UInt64, inPool poolName: String) throws {
        guard let pool = virStoragePoolLookupByName(pointer, poolName) else { throw RawError("find pool \(poolName)") }
        defer { virStoragePoolFree(pool) }
        if let volume = virStorageVolLookupByName(pool, name) {
            virStorageVolFree(volume)
            return
        }
        let xml = "<volume><name>\(name)</name><capacity unit='bytes'>\(capacity)</capacity><target><format type='qcow2'/></target></volume>"
        if let volume = virStorageVolCreateXML(pool, xml, 0) {
            virStorageVolFree(volume)
        } else if let volume = virStorageVolLookupByName(pool, name) {
            virStorageVolFree(volume)
        } else {
            throw RawError("create volume \(name)")
        }
    }

    /// The definition of volume `name` of pool `poolName`; nil when there is none.
    public func volumeXML(_ name: String, inPool poolName: String) throws -> String? {
        guard let pool = virStoragePoolLookupByName(pointer, poolName) else { throw RawError("find pool \(poolName)") }
        defer { virStoragePoolFree(pool) }
        guard let volume = virStorageVolLookupByName(pool, name) else { return nil }
        defer { virStorageVolFree(volume) }
        guard let text = virStorageVolGetXMLDesc(volume, 0) else { throw RawError("read volume \(name)") }
        defer { free(text) }
        return String(cString: text)
    }

    /// Runs `change` on the domain of VM `id` (`virDomainDestroy`, `virDomainUndefine`, …).
    public func change(_ id: VMID, _ what: String, _ change: (virDomainPtr) -> Int32) throws {
        guard let domain = virDomainLookupByUUIDString(pointer, id.description) else { throw RawError("find the domain of \(id)") }
        defer { virDomainFree(domain) }
        guard change(domain) == 0 else { throw RawError("\(what) the domain of \(id)") }
    }

    public func domainXML(_ id: VMID) throws -> String {
        guard let domain = virDomainLookupByUUIDString(pointer, id.description) else { throw RawError("find the domain of \(id)") }
        defer { virDomainFree(domain) }
        guard let text = virDomainGetXMLDesc(domain, 0) else { throw RawError("read the domain of \(id)") }
        defer { free(text) }
        return String(cString: text)
    }

    /// Powers the domain of VM `id` off at once, as `virsh destroy` does.
    public func destroy(_ id: VMID) throws {
        try change(id, "destroy") { virDomainDestroy($0) }
    }

    /// Whether the host has a domain with VM `id`'s UUID.
    public func hasDomain(_ id: VMID) -> Bool {
        guard let domain = virDomainLookupByUUIDString(pointer, id.description) else {
            virResetLastError()
            return false
        }
        virDomainFree(domain)
        return true
    }

    /// Whether the domain of VM `id` runs (or is paused): whether QEMU runs it.
    public func isActive(_ id: VMID) throws -> Bool {
        try state(id).state != VIR_DOMAIN_SHUTOFF.rawValue
    }

    /// Whether the domain of VM `id` is shut off because its guest shut down, rather than being
    /// destroyed (forced off) or never started.
    public func shutOffByGuest(_ id: VMID) throws -> Bool {
        let (state, reason) = try state(id)
        return state == VIR_DOMAIN_SHUTOFF.rawValue && reason == VIR_DOMAIN_SHUTOFF_SHUTDOWN.rawValue
    }

    private func state(_ id: VMID) throws -> (state: UInt32, reason: UInt32) {
        guard let domain = virDomainLookupByUUIDString(pointer, id.description) else { throw RawError("find the domain of \(id)") }
        defer { virDomainFree(domain) }
        var state: Int32 = 0
        var reason: Int32 = 0
        guard virDomainGetState(domain, &state, &reason, 0) == 0 else { throw RawError("read the state of \(id)") }
        return (UInt32(state), UInt32(reason))
    }

    /// Forces off and undefines the domain of VM `id` and deletes its disk, as far as they exist: a
    /// failed test's clean-up.
    public func remove(_ id: VMID, diskPool: String) {
        if let domain = virDomainLookupByUUIDString(pointer, id.description) {
            _ = virDomainDestroy(domain)
            _ = virDomainUndefine(domain)
            virDomainFree(domain)
        }
        if let pool = virStoragePoolLookupByName(pointer, diskPool) {
            if let volume = virStorageVolLookupByName(pool, "vs-\(id).qcow2") {
                _ = virStorageVolDelete(volume, 0)
                virStorageVolFree(volume)
            }
            virStoragePoolFree(pool)
        }
        virResetLastError()
    }

    /// Writes `text` into libvirt's debug log (a lookup of a domain by that name, which fails), to mark
    /// where something begins in a log that `LIBVIRT_LOG_OUTPUTS` sends to a file.
    public func mark(_ text: String) {
        if let domain = virDomainLookupByName(pointer, text) { virDomainFree(domain) }
        virResetLastError()
    }

    /// Defines a domain from `xml` as an operator would.
    public func define(_ xml: String) throws {
        guard let domain = virDomainDefineXML(pointer, xml) else { throw RawError("define a domain") }
        virDomainFree(domain)
    }
}

public struct RawError: Error, CustomStringConvertible {
    public let description: String

    init(_ what: String) {
        let reason = virGetLastError().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "no reason"
        description = "Could not \(what): \(reason)"
    }
}

private func ignoreError(_: UnsafeMutableRawPointer?, _: virErrorPtr?) {}
