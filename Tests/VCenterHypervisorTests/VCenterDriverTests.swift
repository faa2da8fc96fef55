import Core
import Foundation
import HypervisorContract
import Testing
import VCenterHypervisor
import VCenterTestSupport

@Suite("vCenter driver on govmomi's simulator", .enabled(if: Simulator.available, "needs scripts/vcsim-setup.sh"))
struct VCenterDriverTests {
    @Test("The driver contract", arguments: HypervisorContract.checks)
    func contract(_ check: HypervisorContract.Check) async throws {
        try await check.run(on: VCenterFixture())
    }

    @Test("A clone gets the VM's size (the simulator ignores it in the clone spec; the driver reconfigures)")
    func cloneIsResized() async throws {
        try await Simulator.withMachine(Simulator.spec(cpu: 2, memoryGB: 3)) { _, spec, second in
            let hardware = try await second.properties(of: spec.id, ["config.hardware.numCPU", "config.hardware.memoryMB", "config.annotation"])
            #expect(hardware["config.hardware.numCPU"]?.text == "2")
            #expect(hardware["config.hardware.memoryMB"]?.text == "3072")
            #expect(hardware["config.annotation"]?.text == "VirtualStack VM \(spec.id)")
        }
    }

    @Test("An ISO VM is a new VM with a thin disk of its size, a CD-ROM on the datastore's ISO and a NIC")
    func isoVM() async throws {
        let iso = MachineSpec(id: VMID(UUID()), size: VMSize(cpu: 1, memoryGB: 2, diskGB: 20), source: .iso("https://example.com/isos/debian-12.iso"))
        try await Simulator.withMachine(iso) { driver, spec, second in
            let machine = try #require(try await driver.machine(spec.id))
            #expect(machine.power == .running && machine.vmID == spec.id)
            let devices = try #require(try await second.properties(of: spec.id, ["config.hardware.device"])["config.hardware.device"])
            let disk = try #require(devices.children.first { $0.schemaType == "VirtualDisk" })
            #expect(disk.child("capacityInKB")?.text == "\(20 * 1024 * 1024)")
            let cdrom = try #require(devices.children.first { $0.schemaType == "VirtualCdrom" })
            #expect(cdrom.at("backing.fileName")?.text == "[LocalDS_0] iso/debian-12.iso")
            #expect(devices.children.contains { $0.schemaType == "VirtualVmxnet3" })
        }
    }

    @Test("State and address come from the VM's runtime and guest info; a machine powered off by another client is seen")
    func stateFromAnotherClient() async throws {
        try await Simulator.withMachine { driver, spec, second in
            // The simulator's guests have no address unless one is set (real guests report theirs through VMware Tools).
            try await second.setGuest(of: spec.id, ["ipAddress": "10.0.0.42"])
            #expect(try await driver.machine(spec.id)?.ipAddress == "10.0.0.42")
            try await second.powerOff(spec.id)
            let listed = try await driver.inventory().first { $0.vmID == spec.id }
            #expect(listed?.power == .stopped)
            #expect(try await driver.inventory().contains { $0.vmID == nil }, "the simulator's own VMs are listed as unknown machines")
        }
    }

    @Test("A guest with VMware Tools is asked to shut down (the simulator powers off at once, so the timeout's power-off is not shown)")
    func gracefulStop() async throws {
        try await Simulator.withMachine { driver, spec, second in
            try await second.setGuest(of: spec.id, ["toolsRunningStatus": "guestToolsRunning"])
            #expect(try await driver.stop(spec.id, timeout: .seconds(5)).power == .stopped)
            #expect(try await driver.restart(spec.id).power == .running)
        }
    }

    @Test("After vCenter ends the driver's session, the next call logs in again and succeeds (SOAP fault or per-object fault)")
    func reLogin() async throws {
        try await Simulator.withMachine { driver, spec, second in
            let firstKey = try await driver.sessionKey()
            try await second.terminateSession(of: driver)
            #expect(try await driver.stop(spec.id, timeout: .seconds(5)).power == .stopped)
            #expect(try await driver.sessionKey() != firstKey, "a new session")
            // Ended again; this time the first call is RetrievePropertiesEx, which reports the expiry per object.
            try await second.terminateSession(of: driver)
            #expect(try await driver.inventory().contains { $0.vmID == spec.id })
        }
    }

    @Test("A task that fails is a HypervisorError with vCenter's message, not retried when a retry cannot help")
    func failedTask() async throws {
        try await Simulator.withCloud { cloud in
            let driver = try cloud.vcenterHost(for: try Simulator.host())
            let template = try #require(try await driver.inventoryObject(named: Simulator.template))
            let folder = try #require(try await driver.session.properties(of: template, ["parent"])["parent"]?.reference)
            // A clone without a resource pool: the simulator's task ends in an InvalidArgument error.
            let spec = "<spec><location></location><template>false</template><powerOn>false</powerOn></spec>"
            do {
                try await driver.session.runTask("CloneVM_Task", on: template, folder.xml("folder") + "<name>vs-never</name>" + spec)
                Issue.record("the clone succeeded")
            } catch let error as VimError {
                #expect(error.faultType == "InvalidArgument", "\(error)")
                let mapped = error.hypervisorError(endpoint: driver.session.endpoint)
                #expect(!mapped.retryable && !mapped.hostDown, "\(mapped)")
            }
            await #expect(throws: HypervisorError.self) {
                _ = try await driver.create(MachineSpec(id: VMID(UUID()), size: VMSize(cpu: 1, memoryGB: 1, diskGB: 1), source: .template(nil, image: "no-such-template")))
            }
        }
    }

    @Test("A wrong password: a clear error that marks the host down, and no second login with the same password")
    func wrongPassword() async throws {
        try await Simulator.withCloud { cloud in
            let driver = try cloud.vcenterHost(for: try Simulator.host(password: "not-the-password"))
            for attempt in 1...3 {
                do {
                    _ = try await driver.machine(VMID(UUID()))
                    Issue.record("attempt \(attempt) succeeded")
                } catch let error as HypervisorError {
                    #expect(!error.retryable && error.hostDown, "\(error)")
                    #expect(error.message.contains("refused the username or password"), "\(error)")
                }
            }
            #expect(driver.soapCalls == 2, "one RetrieveServiceContent and one Login: the refusal is remembered")
        }
    }

    @Test("TLS: an untrusted certificate and a wrong pin are refused; the right pin and insecure connect")
    func tls() async throws {
        try await Simulator.withCloud { cloud in
            for (what, host) in [
                ("the system's roots", try Simulator.host(caPEM: nil)),
                ("another CA", try Simulator.host(caPEM: SimulatorEnvironment.otherCAPEM)),
                ("a wrong pin", try Simulator.host(thumbprint: String(repeating: "AB:", count: 31) + "AB")),
            ] {
                do {
                    _ = try await cloud.vcenterHost(for: host).machine(VMID(UUID()))
                    Issue.record("\(what): connected")
                } catch let error as HypervisorError {
                    #expect(!error.retryable && error.hostDown, "\(what): \(error)")
                    #expect(error.message.contains("certificate"), "\(what): \(error)")
                }
            }
            for host in [try Simulator.host(thumbprint: Simulator.thumbprint), try Simulator.host(insecure: true)] {
                #expect(try await cloud.vcenterHost(for: host).machine(VMID(UUID())) == nil)
            }
        }
    }

    @Test("Placement names that vCenter does not have are a clear error that marks the host down")
    func unknownPlacement() async throws {
        try await Simulator.withCloud { cloud in
            let host = try Simulator.host(placement: .init(datastore: "NoSuchDatastore"))
            do {
                _ = try await cloud.vcenterHost(for: host).create(Simulator.spec())
                Issue.record("created")
            } catch let error as HypervisorError {
                #expect(error.message.contains("no datastore 'NoSuchDatastore'") && error.hostDown && !error.retryable, "\(error)")
            }
        }
    }

    @Test("SOAP calls per operation, on a warm session")
    func callsPerOperation() async throws {
        try await Simulator.withCloud { cloud in
            let driver = try cloud.vcenterHost(for: try Simulator.host())
            _ = try await driver.inventory()
            var counts: [String: Int] = [:]
            func counting<T>(_ name: String, _ operation: () async throws -> T) async throws -> T {
                let before = driver.soapCalls
                let clock = ContinuousClock.now
                let result = try await operation()
                counts[name] = driver.soapCalls - before
                print("vcenter \(name): \(driver.soapCalls - before) SOAP calls, \(ContinuousClock.now - clock)")
                return result
            }
            let spec = Simulator.spec()
            _ = try await counting("create") { try await driver.create(spec) }
            _ = try await counting("stop") { try await driver.stop(spec.id, timeout: .seconds(5)) }
            _ = try await counting("start") { try await driver.start(spec.id) }
            _ = try await counting("restart") { try await driver.restart(spec.id) }
            _ = try await counting("machine") { try await driver.machine(spec.id) }
            _ = try await counting("inventory") { try await driver.inventory() }
            try await counting("delete") { try await driver.delete(spec.id) }
            // Bounds, so that a change that adds round trips shows here.
            #expect(counts["create"]! <= 10 && counts["machine"]! <= 2 && counts["inventory"]! <= 1, "\(counts)")
        }
    }
}
