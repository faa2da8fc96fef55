import Core
import Foundation

/// What a driver's tests provide to run the contract: one fresh host per check.
///
/// A driver's test target runs every check of `HypervisorContract.checks` against its fixture:
///
/// ```swift
/// @Test(arguments: HypervisorContract.checks)
/// func contract(_ check: HypervisorContract.Check) async throws {
///     try await check.run(on: MyDriverFixture())
/// }
/// ```
public protocol HypervisorFixture: Sendable {
    /// Runs `body` with drivers for a host that has no machine of the VM ids the check makes (fresh
    /// random ids; other machines may be there), and cleans up afterwards.
    func withHost(_ body: @Sendable (HostUnderTest) async throws -> Void) async throws
    /// A machine the host can build for VM `id` (an image it has, a size it accepts).
    func spec(for id: VMID) -> MachineSpec
}

extension HypervisorFixture {
    /// One vCPU, 1 GB of memory and 10 GB of disk from a template without a host image.
    public func spec(for id: VMID) -> MachineSpec {
        MachineSpec(id: id, size: VMSize(cpu: 1, memoryGB: 1, diskGB: 10), source: .template(TemplateID(UUID()), image: nil))
    }
}

/// The host a check runs on, through two drivers.
public struct HostUnderTest: Sendable {
    public let driver: any Hypervisor
    /// The same host through a driver whose changing operations take a second or more, so that a
    /// check can cancel one in flight. May be `driver` itself when its operations are that slow.
    public let slowDriver: any Hypervisor

    public init(driver: any Hypervisor, slowDriver: any Hypervisor) {
        self.driver = driver
        self.slowDriver = slowDriver
    }
}

/// The behaviour every `Hypervisor` driver owes the core (see the port's documentation), written
/// once, driver-neutral. Checks throw a `ContractViolation` saying what went wrong; they do not
/// depend on a test framework, so they can also be run against a real host from a command.
public enum HypervisorContract {
    public struct Check: Sendable, CustomStringConvertible {
        public let name: String
        let body: @Sendable (Context) async throws -> Void

        public var description: String { name }

        /// Runs the check on a fresh host of `fixture`.
        public func run(on fixture: some HypervisorFixture) async throws {
            try await fixture.withHost { host in
                try await body(Context(name: name, host: host, spec: fixture.spec(for:)))
            }
        }
    }

    /// What a check works with.
    struct Context: Sendable {
        let name: String
        let host: HostUnderTest
        let spec: @Sendable (VMID) -> MachineSpec

        var driver: any Hypervisor { host.driver }

        func newSpec() -> MachineSpec { spec(VMID(UUID())) }

        func require(
            _ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
        ) throws {
            guard condition else { throw ContractViolation(check: name, message: message(), file: file, line: line) }
        }

        /// Runs `operation`, which must fail with a `HypervisorError` whose `retryable` is as given.
        func requireFailure(
            _ what: String, retryable: Bool, file: StaticString = #fileID, line: UInt = #line,
            _ operation: () async throws -> Void
        ) async throws {
            do {
                try await operation()
            } catch let error as HypervisorError {
                try require(
                    error.retryable == retryable,
                    "\(what) failed \(error.retryable ? "retryably" : "for good") (\(error)); expected \(retryable ? "a retryable" : "a non-retryable") error",
                    file: file, line: line
                )
                return
            } catch {
                throw ContractViolation(check: name, message: "\(what) threw \(type(of: error)) (\(error)), not a HypervisorError", file: file, line: line)
            }
            throw ContractViolation(check: name, message: "\(what) succeeded; expected it to fail", file: file, line: line)
        }

        /// The machines of the host that belong to `ids`.
        func machines(of ids: Set<VMID>) async throws -> [Machine] {
            try await driver.inventory().filter { $0.vmID.map(ids.contains) ?? false }
        }

        /// The machine of `id` as `machine(_:)` reports it; a violation when there is none.
        func existing(_ id: VMID, file: StaticString = #fileID, line: UInt = #line) async throws -> Machine {
            guard let machine = try await driver.machine(id) else {
                throw ContractViolation(check: name, message: "machine(\(id)) is nil; expected the machine", file: file, line: line)
            }
            return machine
        }
    }
}

/// A driver broke the contract.
public struct ContractViolation: Error, CustomStringConvertible {
    public let check: String
    public let message: String
    public let file: StaticString
    public let line: UInt

    public var description: String { "\(check): \(message) (\(file):\(line))" }
}
