import Core
import Foundation

extension HypervisorContract {
    /// Every check, in the order a reader would want them.
    public static let checks: [Check] = [
        Check(name: "create makes a running machine for the VM, which machine() and inventory() report") { context in
            let spec = context.newSpec()

            let created = try await context.driver.create(spec)

            try context.require(created.vmID == spec.id, "create returned vmID \(String(describing: created.vmID)), not \(spec.id)")
            try context.require(created.power == .running, "create returned a \(created.power) machine")
            let reported = try await context.existing(spec.id)
            try context.require(reported.vmID == spec.id && reported.power == .running, "machine() reports \(reported)")
            try context.require(reported.name == created.name, "machine() names it \(reported.name), create \(created.name)")
            let listed = try await context.machines(of: [spec.id])
            try context.require(listed.count == 1 && listed.first?.power == .running, "inventory() lists \(listed) for the VM")
        },
        Check(name: "create is idempotent: creating twice makes one machine") { context in
            let spec = context.newSpec()

            let first = try await context.driver.create(spec)
            let second = try await context.driver.create(spec)

            try context.require(second.vmID == spec.id && second.name == first.name, "the second create returned \(second), the first \(first)")
            let listed = try await context.machines(of: [spec.id])
            try context.require(listed.count == 1, "inventory() lists \(listed.count) machines for the VM")
        },
        Check(name: "create returns a machine as it is, without powering it on again") { context in
            let spec = context.newSpec()
            _ = try await context.driver.create(spec)
            _ = try await context.driver.stop(spec.id, timeout: .seconds(10))

            let again = try await context.driver.create(spec)

            try context.require(again.power == .stopped, "create of an existing stopped machine returned it \(again.power)")
        },
        Check(name: "stop stops the machine, and stopping a stopped machine succeeds") { context in
            let spec = context.newSpec()
            _ = try await context.driver.create(spec)

            let stopped = try await context.driver.stop(spec.id, timeout: .seconds(10))
            let again = try await context.driver.stop(spec.id, timeout: .seconds(10))

            try context.require(stopped.power == .stopped && again.power == .stopped, "stop returned \(stopped.power), then \(again.power)")
            let reported = try await context.existing(spec.id)
            try context.require(reported.power == .stopped, "machine() reports \(reported.power) after stop")
            let listed = try await context.machines(of: [spec.id])
            try context.require(listed.map(\.power) == [.stopped], "inventory() lists \(listed) after stop")
        },
        Check(name: "start starts a stopped machine, and starting a running machine succeeds") { context in
            let spec = context.newSpec()
            _ = try await context.driver.create(spec)
            _ = try await context.driver.stop(spec.id, timeout: .seconds(10))

            let started = try await context.driver.start(spec.id)
            let again = try await context.driver.start(spec.id)

            try context.require(started.power == .running && again.power == .running, "start returned \(started.power), then \(again.power)")
            let reported = try await context.existing(spec.id)
            try context.require(reported.power == .running, "machine() reports \(reported.power) after start")
        },
        Check(name: "restart leaves a running machine running and powers on a stopped one") { context in
            let spec = context.newSpec()
            _ = try await context.driver.create(spec)

            let restarted = try await context.driver.restart(spec.id)
            _ = try await context.driver.stop(spec.id, timeout: .seconds(10))
            let fromStopped = try await context.driver.restart(spec.id)

            try context.require(restarted.power == .running, "restart of a running machine returned it \(restarted.power)")
            try context.require(fromStopped.power == .running, "restart of a stopped machine returned it \(fromStopped.power)")
            let reported = try await context.existing(spec.id)
            try context.require(reported.power == .running, "machine() reports \(reported.power) after restart")
        },
        Check(name: "delete removes the machine, and deleting it again succeeds") { context in
            let spec = context.newSpec()
            _ = try await context.driver.create(spec)

            try await context.driver.delete(spec.id)
            try await context.driver.delete(spec.id)

            let reported = try await context.driver.machine(spec.id)
            try context.require(reported == nil, "machine() reports \(String(describing: reported)) after delete")
            let listed = try await context.machines(of: [spec.id])
            try context.require(listed.isEmpty, "inventory() still lists \(listed) after delete")
        },
        Check(name: "a deleted VM can be created again") { context in
            let spec = context.newSpec()
            _ = try await context.driver.create(spec)
            try await context.driver.delete(spec.id)

            let recreated = try await context.driver.create(spec)

            try context.require(recreated.vmID == spec.id && recreated.power == .running, "create after delete returned \(recreated)")
        },
        Check(name: "a missing machine: machine() is nil, start, stop and restart fail for good, delete succeeds") { context in
            let id = context.newSpec().id

            let reported = try await context.driver.machine(id)

            try context.require(reported == nil, "machine() of a VM never created is \(String(describing: reported))")
            try await context.requireFailure("start of a missing machine", retryable: false) { _ = try await context.driver.start(id) }
            try await context.requireFailure("stop of a missing machine", retryable: false) {
                _ = try await context.driver.stop(id, timeout: .seconds(10))
            }
            try await context.requireFailure("restart of a missing machine", retryable: false) { _ = try await context.driver.restart(id) }
            try await context.driver.delete(id)
            let listed = try await context.machines(of: [id])
            try context.require(listed.isEmpty, "inventory() lists \(listed) for a VM never created")
        },
        Check(name: "concurrent creates of different VMs all succeed, one machine each") { context in
            let specs = (0..<8).map { _ in context.newSpec() }

            let created = try await withThrowingTaskGroup(of: Machine.self) { group in
                for spec in specs { group.addTask { try await context.driver.create(spec) } }
                return try await group.reduce(into: [Machine]()) { $0.append($1) }
            }

            let ids = Set(specs.map(\.id))
            try context.require(Set(created.compactMap(\.vmID)) == ids, "the creates returned machines of \(created.compactMap(\.vmID))")
            let listed = try await context.machines(of: ids)
            try context.require(listed.count == ids.count, "inventory() lists \(listed.count) machines for \(ids.count) VMs")
        },
        Check(name: "concurrent creates of one VM make one machine") { context in
            let spec = context.newSpec()

            let created = try await withThrowingTaskGroup(of: Machine.self) { group in
                for _ in 0..<4 { group.addTask { try await context.driver.create(spec) } }
                return try await group.reduce(into: [Machine]()) { $0.append($1) }
            }

            try context.require(created.allSatisfy { $0.vmID == spec.id }, "the creates returned \(created)")
            let listed = try await context.machines(of: [spec.id])
            try context.require(listed.count == 1, "inventory() lists \(listed.count) machines for the VM")
        },
        Check(name: "a create cancelled in flight throws and leaves no machine or a whole one; creating again makes one") { context in
            let spec = context.newSpec()

            try await context.cancelInFlight("create") { _ = try await context.host.slowDriver.create(spec) }

            if let left = try await context.driver.machine(spec.id) {
                try context.require(left.vmID == spec.id, "the cancelled create left \(left)")
            }
            let created = try await context.driver.create(spec)
            try context.require(created.vmID == spec.id && created.power == .running, "create after the cancelled one returned \(created)")
            let listed = try await context.machines(of: [spec.id])
            try context.require(listed.count == 1, "inventory() lists \(listed.count) machines for the VM")
        },
        Check(name: "a stop cancelled in flight throws and leaves the machine whole; stopping again succeeds") { context in
            let spec = context.newSpec()
            _ = try await context.driver.create(spec)

            try await context.cancelInFlight("stop") { _ = try await context.host.slowDriver.stop(spec.id, timeout: .seconds(60)) }

            _ = try await context.existing(spec.id)
            let stopped = try await context.driver.stop(spec.id, timeout: .seconds(10))
            try context.require(stopped.power == .stopped, "stop after the cancelled one returned \(stopped.power)")
        },
    ]
}

extension HypervisorContract.Context {
    /// Starts `operation`, cancels it while it runs, and requires it to throw `CancellationError` or a
    /// `HypervisorError`.
    func cancelInFlight(
        _ what: String, file: StaticString = #fileID, line: UInt = #line, _ operation: @escaping @Sendable () async throws -> Void
    ) async throws {
        let task = Task { try await operation() }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        do {
            try await task.value
        } catch is CancellationError {
            return
        } catch is HypervisorError {
            return
        }
        throw ContractViolation(check: name, message: "the cancelled \(what) succeeded; expected it to throw", file: file, line: line)
    }
}
