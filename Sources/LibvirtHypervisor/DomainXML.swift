#if LIBVIRT
import Core
import Foundation

/// The XML the driver gives libvirt, built from the VM alone (pure, so it is read and tested as text).
enum DomainXML {
    /// What the VM boots from, once its disk volume exists.
    struct Disk {
        let pool: String
        let volume: String
        /// An installation ISO (http or https) QEMU reads itself, as a CD-ROM.
        let iso: URL?
    }

    /// A KVM-style machine: q35, the VM's vCPUs and memory, a virtio disk and NIC, a channel for the
    /// QEMU guest agent, a serial console. Under `qemu` (software emulation) no `<cpu>` element:
    /// `host-passthrough` is refused there.
    static func domain(
        id: VMID, size: VMSize, disk: Disk, virtType: LibvirtVirtType, network: LibvirtNetwork, consoleLog: String?
    ) -> String {
        let boot = disk.iso == nil ? "<boot dev='hd'/>" : "<boot dev='hd'/><boot dev='cdrom'/>"
        let cpu = virtType == .kvm ? "\n  <cpu mode='host-passthrough'/>" : ""
        let interface =
            switch network {
            case .user: "<interface type='user'><model type='virtio'/></interface>"
            case .network(let name): "<interface type='network'><source network=\(quoted(name))/><model type='virtio'/></interface>"
            }
        let serial =
            consoleLog.map { "<serial type='file'><source path=\(quoted($0)) append='on'/><target port='0'/></serial>" }
            ?? "<serial type='pty'><target port='0'/></serial>"
        return """
            <domain type='\(virtType.rawValue)'>
              <name>\(LibvirtHost.domainName(of: id))</name>
              <uuid>\(id)</uuid>
              <memory unit='GiB'>\(size.memoryGB)</memory>
              <vcpu placement='static'>\(size.cpu)</vcpu>
              <os><type arch='x86_64' machine='q35'>hvm</type>\(boot)</os>
              <features><acpi/><apic/></features>\(cpu)
              <clock offset='utc'/>
              <on_poweroff>destroy</on_poweroff>
              <on_reboot>restart</on_reboot>
              <on_crash>destroy</on_crash>
              <devices>
                <disk type='volume' device='disk'>
                  <driver name='qemu' type='qcow2'/>
                  <source pool=\(quoted(disk.pool)) volume=\(quoted(disk.volume))/>
                  <target dev='vda' bus='virtio'/>
                </disk>\(disk.iso.map(cdrom) ?? "")
                \(interface)
                <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
                \(serial)
                <memballoon model='virtio'/>
              </devices>
            </domain>
            """
    }

    /// A read-only SATA CD-ROM whose source is the ISO's URL (QEMU's curl block driver reads it).
    static func cdrom(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? "https"
        let port = url.port ?? (scheme == "http" ? 80 : 443)
        let query = url.query.map { " query=\(quoted($0))" } ?? ""
        return """

                <disk type='network' device='cdrom'>
                  <driver name='qemu' type='raw'/>
                  <source protocol=\(quoted(scheme)) name=\(quoted(url.path))\(query)><host name=\(quoted(url.host ?? "")) port='\(port)'/></source>
                  <target dev='sda' bus='sata'/>
                  <readonly/>
                </disk>
            """
    }

    /// A qcow2 volume of `capacity` bytes; with `backing`, a copy-on-write clone of that volume.
    static func volume(name: String, capacity: UInt64, backing: (path: String, format: String)?) -> String {
        let backingStore = backing.map {
            "\n  <backingStore><path>\(escaped($0.path))</path><format type=\(quoted($0.format))/></backingStore>"
        } ?? ""
        return """
            <volume>
              <name>\(escaped(name))</name>
              <capacity unit='bytes'>\(capacity)</capacity>
              <target><format type='qcow2'/></target>\(backingStore)
            </volume>
            """
    }

    /// The `<format type='…'/>` of a volume definition's `<target>`.
    static func volumeFormat(in xml: String) -> String? {
        guard let target = xml.range(of: "<target>") else { return nil }
        let rest = xml[target.upperBound...]
        guard let start = rest.range(of: "<format type='") else { return nil }
        let value = rest[start.upperBound...]
        return value.firstIndex(of: "'").map { String(value[..<$0]) }
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&apos;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func quoted(_ text: String) -> String { "'\(escaped(text))'" }
}
#endif
