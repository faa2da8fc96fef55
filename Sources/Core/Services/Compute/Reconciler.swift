import Foundation
import Logging

/// Compares what hosts run with what the database says, and corrects the database: a machine that
/// stopped, started or vanished outside VirtualStack moves its VM (with a log line saying so). A
/// machine the database does not know is reported in the service log and left alone: it may be an
/// operator's, and deleting it could lose someone's data.
public struct Reconciler: Sendable {
    let compute: any ComputeUnitOfWork
    let hypervisors: any HypervisorProvider
    let environment: CoreEnvironment
    let logger: Logger

    public init(compute: any ComputeUnitOfWork, hypervisors: any HypervisorProvider, environment: CoreEnvironment, logger: Logger) {
        self.compute = compute
        self.hypervisors = hypervisors
        self.environment = environment
        self.logger = logger
    }

    /// What one pass over a host found.
    public struct Report: Sendable, Equatable {
        public var corrected: [VMID] = []
        /// Machines of the host that are no VM of VirtualStack, by the host's name for them.
        public var unknownMachines: [String] = []
    }

    /// Every host in turn (those `including` picks); a host that does not answer is skipped (and
    /// logged as down: its VMs' jobs wait and retry meanwhile) until the next pass. Unknown machines are
    /// logged only when `reportingUnknown` (the periodic pass; passes that a driver's events prompt after
    /// every operation would repeat the warning each time).
    public func reconcileAll(reportingUnknown: Bool = true, including: (HypervisorHost) -> Bool = { _ in true }) async {
        do {
            for host in try await compute.stores.hosts.hosts() where including(host) {
                do {
                    _ = try await reconcile(host, reportingUnknown: reportingUnknown)
                } catch is CancellationError {
                    return
                } catch let error as HypervisorError where error.hostDown {
                    // HostHealth logged it when the host went down; a host that stays down is not news.
                    continue
                } catch let error as HypervisorError where error.retryable {
                    logger.warning(
                        "A host does not answer; its VMs' jobs retry until it does", metadata: ["host": "\(host.name)", "error": "\(error)"]
                    )
                } catch {
                    logger.warning("Could not reconcile a host", metadata: ["host": "\(host.name)", "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("Could not list hosts to reconcile", metadata: ["error": "\(error)"])
        }
    }

    public func reconcile(_ host: HypervisorHost, reportingUnknown: Bool = true) async throws -> Report {
        // The VMs are read before the inventory, and a correction is written only if the VM has not
        // changed since: a job that finished in between is newer than the inventory, not contradicted by it.
        let settled = try await compute.stores.vms.settledVMs(onHost: host.id)
        let health = HostHealth(compute: compute, environment: environment, logger: logger)
        let machines: [Machine]
        do {
            machines = try await hypervisors.hypervisor(for: host).inventory()
        } catch let error as HypervisorError {
            await health.failed(host, with: error)
            throw error
        }
        await health.answered(host)
        var report = Report()
        var byVM: [VMID: Machine] = [:]
        for machine in machines {
            if let id = machine.vmID { byVM[id] = machine }
        }
        for vm in settled {
            let observed = byVM[vm.id]
            let transition = VMLifecycle.observed(observed?.power, in: vm.state)
            let addressChanged = observed != nil && observed?.ipAddress != vm.ipAddress
            guard transition != nil || addressChanged else { continue }
            if try await correct(vm, transition: transition, address: observed.map { .some($0.ipAddress) } ?? nil) {
                report.corrected.append(vm.id)
            }
        }
        let known = try await compute.stores.vms.knownVMIDs(Set(byVM.keys))
        report.unknownMachines = machines.filter { machine in machine.vmID.map { !known.contains($0) } ?? true }.map(\.name).sorted()
        if reportingUnknown, !report.unknownMachines.isEmpty {
            logger.warning(
                "A host runs machines VirtualStack does not know; they are left alone",
                metadata: ["host": "\(host.name)", "machines": "\(report.unknownMachines.joined(separator: ", "))"]
            )
        }
        return report
    }

    func correct(_ read: VirtualMachine, transition: VMLifecycle.Transition?, address: String??) async throws -> Bool {
        let now = environment.now()
        return try await compute.transaction { [environment] stores in
            guard let vm = try await stores.vms.lockedVM(read.id), vm.updatedAt == read.updatedAt, vm.state == read.state else {
                return false
            }
            try await stores.vms.setState(of: vm.id, transition?.next ?? vm.state, ipAddress: address, at: now)
            var details: [String: String] = [:]
            if let transition, transition.next.status != vm.status { details["status"] = transition.next.status.rawValue }
            if case .some(let address) = address { details["ip_address"] = address ?? "" }
            try await stores.audit.record("vm.reconcile", on: .vm(vm.id), in: vm.tenantID, by: .system, environment: environment, details: details)
            if let transition { try await VMService.record(transition, for: vm.id, at: now, in: stores) }
            return true
        }
    }
}
