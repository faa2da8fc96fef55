import Core
import Foundation
import Synchronization

/// The `Hypervisor` port on one vcenter host: a VM's machine is the vSphere VM named `vs-<vm id>` in
/// the host's folder. Templates are cloned from the VM or template their image names (then resized,
/// since a clone keeps the source's size on some versions, the simulator among them); ISO VMs are new
/// VMs with a thin disk, a CD-ROM on `[<datastore>] iso/<file name of the ISO URL>` and a NIC.
/// Every operation is idempotent, as the port requires.
public final class VCenterHost: Hypervisor {
    package let session: VimSession
    let placement: VCenterHostSettings.Placement
    /// Found once per host (the inventory of a vCenter changes rarely); a failure is tried again next time.
    private let destination = Mutex<Task<Destination, any Error>?>(nil)
    /// One changing operation per machine at a time in this process (the job queue already runs one
    /// job per VM at a time across processes). vCenter refuses a second VM of the same name in a
    /// folder, but the simulator does not, and two creates racing must not make two machines.
    private let machineLocks = KeyedPermits<VMID>(limit: 1, maximumWaiting: 10_000)
    /// Tests only: every changing operation first waits this long (cancellably), so that a test can
    /// cancel one in flight on the simulator, whose tasks finish at once.
    let operationDelay: Duration

    init(session: VimSession, placement: VCenterHostSettings.Placement, operationDelay: Duration = .zero) {
        self.session = session
        self.placement = placement
        self.operationDelay = operationDelay
    }

    /// Logs the session out.
    public func close() async { await session.close() }

    /// SOAP calls made on this host's session so far, logins included.
    public var soapCalls: Int { session.callCount.load(ordering: .relaxed) }

    public static func machineName(of id: VMID) -> String { "vs-\(id)" }

    static let machinePaths = ["name", "runtime.powerState", "guest.ipAddress", "guest.toolsRunningStatus", "config.template"]

    public func create(_ spec: MachineSpec) async throws -> Machine {
        try await changing(spec.id) {
            let destination = try await self.destination()
            let name = Self.machineName(of: spec.id)
            // A machine that exists is returned as it is (the port's contract): a stopped one was
            // stopped since, by someone, and the reconciliation reports that.
            if let existing = try await session.find(child: name, of: destination.folder) { return try await machine(of: existing) }
            let vm = try await build(spec, named: name, in: destination)
            try await session.runTask("PowerOnVM_Task", on: vm)
            return try await machine(of: vm)
        }
    }

    public func start(_ id: VMID) async throws -> Machine {
        try await changing(id) {
            let vm = try await existing(id)
            try await powerOn(vm)
            return try await machine(of: vm)
        }
    }

    public func stop(_ id: VMID, timeout: Duration) async throws -> Machine {
        try await changing(id) {
            let vm = try await existing(id)
            let properties = try await session.properties(of: vm, Self.machinePaths)
            guard properties["runtime.powerState"]?.text == "poweredOn" else { return try Self.machine(properties) }
            if properties["guest.toolsRunningStatus"]?.text == "guestToolsRunning", await askGuest("ShutdownGuest", vm) {
                let off = try await session.waitForChange(of: vm, path: "runtime.powerState", timeout: timeout) { $0?.text == "poweredOff" }
                if off != nil { return try await machine(of: vm) }
            }
            try await ignoringInvalidPowerState { _ = try await session.runTask("PowerOffVM_Task", on: vm) }
            return try await machine(of: vm)
        }
    }

    public func restart(_ id: VMID) async throws -> Machine {
        try await changing(id) {
            let vm = try await existing(id)
            let properties = try await session.properties(of: vm, Self.machinePaths)
            if properties["runtime.powerState"]?.text != "poweredOn" {
                try await powerOn(vm)
            } else if properties["guest.toolsRunningStatus"]?.text == "guestToolsRunning", await askGuest("RebootGuest", vm) {
                // The guest restarts itself; the machine stays powered on.
            } else {
                try await session.runTask("ResetVM_Task", on: vm)
            }
            return try await machine(of: vm)
        }
    }

    public func delete(_ id: VMID) async throws {
        try await changing(id) {
            let destination = try await self.destination()
            guard let vm = try await session.find(child: Self.machineName(of: id), of: destination.folder) else { return }
            let power = try await session.properties(of: vm, ["runtime.powerState"])["runtime.powerState"]?.text
            if power != "poweredOff" {
                try await ignoringInvalidPowerState { _ = try await session.runTask("PowerOffVM_Task", on: vm) }
            }
            do {
                try await session.runTask("Destroy_Task", on: vm)
            } catch let error as VimError where error.faultType == "ManagedObjectNotFound" {
                // Deleted meanwhile: what was asked.
            }
        }
    }

    public func machine(_ id: VMID) async throws -> Machine? {
        try await guarded {
            let destination = try await self.destination()
            guard let vm = try await session.find(child: Self.machineName(of: id), of: destination.folder) else { return nil }
            return try await machine(of: vm)
        }
    }

    /// The VMs of the host's folder (templates left out), VirtualStack's and others.
    public func inventory() async throws -> [Machine] {
        try await guarded {
            let destination = try await self.destination()
            let found = try await session.objects(ofType: "VirtualMachine", in: destination.folder, Self.machinePaths)
            return try found.filter { $0.properties["config.template"]?.text != "true" }.map { try Self.machine($0.properties) }
        }
    }

    // MARK: - Building

    private func build(_ spec: MachineSpec, named name: String, in destination: Destination) async throws -> ManagedObject {
        let annotation = XMLText.element("annotation", "VirtualStack VM \(spec.id)")
        let size = "<numCPUs>\(spec.size.cpu)</numCPUs><memoryMB>\(spec.size.memoryGB * 1024)</memoryMB>"
        switch spec.source {
        case .template(_, let image):
            guard let image else {
                throw VimError.fault("InvalidArgument", message: "the template has no vcenter image (a VM or template to clone)")
            }
            let path = image.contains("/") ? image : "\(destination.datacenterPath)/vm/\(image)"
            guard let source = try await session.find(path: path) else {
                throw VimError.fault("InvalidArgument", message: "vCenter has no VM or template '\(image)' to clone")
            }
            let cloneSpec = """
                <spec><location>\(destination.datastore.xml("datastore"))\(destination.pool.xml("pool"))</location>\
                <template>false</template><config>\(annotation)\(size)</config><powerOn>false</powerOn></spec>
                """
            let result = try await session.runTask(
                "CloneVM_Task", on: source, destination.folder.xml("folder") + XMLText.element("name", name) + cloneSpec
            )
            guard let vm = result?.reference else { throw VimError.malformed("CloneVM_Task returned no VM") }
            try await session.runTask("ReconfigVM_Task", on: vm, "<spec>\(annotation)\(size)</spec>")
            return vm
        case .iso(let url):
            let iso = "[\(destination.datastoreName)] iso/\(URL(string: url)?.lastPathComponent ?? "install.iso")"
            let config = """
                <config>\(XMLText.element("name", name))<guestId>otherGuest64</guestId>\(annotation)\
                <files>\(XMLText.element("vmPathName", "[\(destination.datastoreName)]"))</files>\(size)\
                <deviceChange><operation>add</operation><device xsi:type="ParaVirtualSCSIController"><key>-100</key>\
                <busNumber>0</busNumber><sharedBus>noSharing</sharedBus></device></deviceChange>\
                <deviceChange><operation>add</operation><fileOperation>create</fileOperation><device xsi:type="VirtualDisk">\
                <key>-101</key><backing xsi:type="VirtualDiskFlatVer2BackingInfo"><fileName></fileName><diskMode>persistent</diskMode>\
                <thinProvisioned>true</thinProvisioned></backing><controllerKey>-100</controllerKey><unitNumber>0</unitNumber>\
                <capacityInKB>\(spec.size.diskGB * 1024 * 1024)</capacityInKB></device></deviceChange>\
                <deviceChange><operation>add</operation><device xsi:type="VirtualCdrom"><key>-102</key>\
                <backing xsi:type="VirtualCdromIsoBackingInfo">\(XMLText.element("fileName", iso))</backing>\
                <connectable><startConnected>true</startConnected><allowGuestControl>true</allowGuestControl><connected>true</connected>\
                </connectable><controllerKey>200</controllerKey><unitNumber>0</unitNumber></device></deviceChange>\
                <deviceChange><operation>add</operation><device xsi:type="VirtualVmxnet3"><key>-103</key>\(destination.network.backing)\
                <connectable><startConnected>true</startConnected><allowGuestControl>true</allowGuestControl><connected>true</connected>\
                </connectable><addressType>generated</addressType></device></deviceChange></config>
                """
            let result = try await session.runTask("CreateVM_Task", on: destination.folder, config + destination.pool.xml("pool"))
            guard let vm = result?.reference else { throw VimError.malformed("CreateVM_Task returned no VM") }
            return vm
        }
    }

    // MARK: - For tests (package access)

    /// The VM named `name` in the host's folder.
    package func inventoryObject(named name: String) async throws -> ManagedObject? {
        try await guarded {
            try await session.find(child: name, of: try await destination().folder)
        }
    }

    /// The key of this host's session (logging in if needed).
    package func sessionKey() async throws -> String {
        try await guarded {
            let manager = try await session.serviceContent.sessionManager
            guard let key = try await session.properties(of: manager, ["currentSession"])["currentSession"]?.child("key")?.text else {
                throw VimError.malformed("no current session")
            }
            return key
        }
    }

    // MARK: - Helpers

    private func destination() async throws -> Destination {
        let task = destination.withLock { cached in
            if let cached { return cached }
            let session = session
            let placement = placement
            let made = Task { try await Destination.resolve(placement, in: session) }
            cached = made
            return made
        }
        do {
            return try await task.value
        } catch {
            destination.withLock { if $0 == task { $0 = nil } }
            throw error as? VimError ?? VimError.transport("\(error)")
        }
    }

    private func existing(_ id: VMID) async throws -> ManagedObject {
        let destination = try await destination()
        guard let vm = try await session.find(child: Self.machineName(of: id), of: destination.folder) else {
            throw VimError.fault("NotFound", message: "no machine \(Self.machineName(of: id)) in the host's folder")
        }
        return vm
    }

    private func powerOn(_ vm: ManagedObject) async throws {
        let power = try await session.properties(of: vm, ["runtime.powerState"])["runtime.powerState"]?.text
        guard power != "poweredOn" else { return }
        try await ignoringInvalidPowerState { _ = try await session.runTask("PowerOnVM_Task", on: vm) }
    }

    /// Asks the guest (through VMware Tools) to shut down or reboot; false when it cannot be asked.
    private func askGuest(_ method: String, _ vm: ManagedObject) async -> Bool {
        (try? await session.call(method, on: vm)) != nil
    }

    /// A power operation that finds the machine already in the state it asks for has done its work.
    private func ignoringInvalidPowerState(_ operation: () async throws -> Void) async throws {
        do {
            try await operation()
        } catch let error as VimError where error.faultType == "InvalidPowerState" {}
    }

    private func machine(of vm: ManagedObject) async throws -> Machine {
        try Self.machine(try await session.properties(of: vm, Self.machinePaths))
    }

    static func machine(_ properties: VimSession.Properties) throws -> Machine {
        guard let name = properties["name"]?.text else { throw VimError.malformed("a VM without a name") }
        let vmID = name.hasPrefix("vs-") ? VMID(String(name.dropFirst(3))) : nil
        let power: VMLifecycle.Power = properties["runtime.powerState"]?.text == "poweredOn" ? .running : .stopped
        let address = properties["guest.ipAddress"]?.text
        return Machine(vmID: vmID, name: name, power: power, ipAddress: address?.isEmpty == false ? address : nil)
    }

    /// Runs `body`, turning the driver's errors into the port's.
    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as VimError {
            throw error.portError(endpoint: session.endpoint)
        }
    }

    /// `guarded`, holding the machine's lock, after the test delay.
    private func changing<T>(_ id: VMID, _ body: () async throws -> T) async throws -> T {
        try await machineLocks.withPermit(for: id) {
            if operationDelay > .zero { try await Task.sleep(for: operationDelay) }
            return try await guarded(body)
        }
    }
}
