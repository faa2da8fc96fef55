import Core
import Foundation
import SQLKit
import SQLPersistence

/// One simulated host: the `Hypervisor` the core drives, over the rows of `simulated_machines` whose
/// `host_uri` is `uri`. Every operation is idempotent, as the port requires; each changing operation
/// runs in one transaction after its delay, so a cancelled or failed operation changes nothing.
public struct SimulatedHost: Hypervisor {
    public let uri: String
    let client: DatabaseClient
    let chaos: Chaos

    /// The host's own name for the machine of a VM (what `virsh list` would show).
    public static func machineName(of id: VMID) -> String { "vs-\(id)" }

    /// The address the host gives the machine of a VM: 10.x.y.z from the id's last bytes, stable
    /// across deletes and re-creations.
    public static func ipAddress(of id: VMID) -> String {
        let bytes = id.uuid.uuid
        return "10.\(bytes.13).\(bytes.14).\(min(max(bytes.15, 1), 254))"
    }

    public func create(_ spec: MachineSpec) async throws -> Machine {
        try await perform(.create, on: spec.id) { database in
            let (image, iso): (String?, String?) =
                switch spec.source {
                case .template(let template, let image): (image ?? "template-\(template)", nil)
                case .iso(let url): (nil, url)
                }
            let name = Self.machineName(of: spec.id)
            // Concurrent creates of one VM insert one row; the others find it below.
            let inserted = try await database.raw(
                """
                INSERT INTO simulated_machines
                    (host_uri, name, vm_id, power, ip_address, cpu, memory_gb, disk_gb, image, iso, created_at)
                VALUES (\(bind: uri), \(bind: name), \(bind: spec.id.description), \(bind: VMLifecycle.Power.running.rawValue),
                    \(bind: Self.ipAddress(of: spec.id)), \(bind: spec.size.cpu), \(bind: spec.size.memoryGB), \(bind: spec.size.diskGB),
                    \(bind: image), \(bind: iso), \(bind: Date()))
                ON CONFLICT DO NOTHING
                RETURNING \(Self.machineColumns)
                """
            ).first()
            if let inserted {
                try await count(.create, of: spec.id, in: database)
                return try Self.machine(from: inserted)
            }
            guard let machine = try await machine(spec.id, in: database) else {
                throw HypervisorError("Host \(uri) has a machine named \(name) that is not VM \(spec.id)'s", retryable: false)
            }
            return machine
        }
    }

    public func start(_ id: VMID) async throws -> Machine {
        try await perform(.start, on: id) { try await power(id, to: .running, counting: .start, in: $0) }
    }

    /// The simulated guest shuts down within the operation's delay, so `timeout` is never reached.
    public func stop(_ id: VMID, timeout: Duration) async throws -> Machine {
        try await perform(.stop, on: id) { try await power(id, to: .stopped, counting: .stop, in: $0) }
    }

    /// Reboots a running machine, and powers on a stopped one.
    public func restart(_ id: VMID) async throws -> Machine {
        try await perform(.restart, on: id) { database in
            let restarted = try await database.raw(
                """
                UPDATE simulated_machines SET power = \(bind: VMLifecycle.Power.running.rawValue)
                WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description)
                RETURNING \(Self.machineColumns)
                """
            ).first()
            guard let restarted else { throw noSuchMachine(id) }
            try await count(.restart, of: id, in: database)
            return try Self.machine(from: restarted)
        }
    }

    public func delete(_ id: VMID) async throws {
        try await perform(.delete, on: id) { database in
            let deleted = try await database.raw(
                "DELETE FROM simulated_machines WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description) RETURNING name"
            ).first()
            if deleted != nil { try await count(.delete, of: id, in: database) }
        }
    }

    public func machine(_ id: VMID) async throws -> Machine? {
        try await requireUp(client.sql)
        return try await machine(id, in: client.sql)
    }

    public func inventory() async throws -> [Machine] {
        try await requireUp(client.sql)
        return try await client.sql.raw(
            "SELECT \(Self.machineColumns) FROM simulated_machines WHERE host_uri = \(bind: uri) ORDER BY name"
        ).all().map(Self.machine(from:))
    }

    // MARK: - Carrying out an operation

    private enum Outcome<Value: Sendable>: Sendable {
        case done(Value)
        case failed(HypervisorError)
    }

    /// Random failure and delay first; then, in one transaction: the host must be up, an injected
    /// fault for `id` is consumed (and committed, while the operation fails), or `work` runs.
    private func perform<Value: Sendable>(
        _ operation: SimulatedOperation, on id: VMID,
        _ work: @escaping @Sendable (any SQLDatabase) async throws -> Value
    ) async throws -> Value {
        try await chaos.beforeOperation(operation, on: uri)
        let outcome = try await client.transaction { database -> Outcome<Value> in
            // One read says both whether the host is up and whether a fault waits for `id`.
            let row = try await database.raw(
                """
                SELECT COALESCE((SELECT down FROM simulated_hosts WHERE uri = \(bind: uri)), FALSE) AS down,
                    EXISTS (
                        SELECT 1 FROM simulated_faults
                        WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description) AND (fail_permanently OR failures_left > 0)
                    ) AS faulty
                """
            ).first()
            if try row?.decode(column: "down", as: Bool.self) == true { throw hostDown() }
            if try row?.decode(column: "faulty", as: Bool.self) == true,
                let fault = try await consumeFault(of: id, operation: operation, in: database)
            {
                return .failed(fault)
            }
            return .done(try await work(database))
        }
        switch outcome {
        case .done(let value): return value
        case .failed(let error): throw error
        }
    }

    /// Sets the power of `id`'s machine, counting the operation only when the power changed.
    private func power(
        _ id: VMID, to power: VMLifecycle.Power, counting operation: SimulatedOperation, in database: any SQLDatabase
    ) async throws -> Machine {
        let changed = try await database.raw(
            """
            UPDATE simulated_machines SET power = \(bind: power.rawValue)
            WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description) AND power <> \(bind: power.rawValue)
            RETURNING name
            """
        ).first()
        if changed != nil { try await count(operation, of: id, in: database) }
        guard let machine = try await machine(id, in: database) else { throw noSuchMachine(id) }
        return machine
    }

    func requireUp(_ database: any SQLDatabase) async throws {
        let row = try await database.raw("SELECT down FROM simulated_hosts WHERE uri = \(bind: uri)").first()
        if try row?.decode(column: "down", as: Bool.self) == true { throw hostDown() }
    }

    func hostDown() -> HypervisorError {
        HypervisorError("Host \(uri) does not answer", retryable: true, hostDown: true)
    }

    private func consumeFault(
        of id: VMID, operation: SimulatedOperation, in database: any SQLDatabase
    ) async throws -> HypervisorError? {
        let row = try await database.raw(
            """
            UPDATE simulated_faults
            SET failures_left = CASE WHEN fail_permanently THEN failures_left ELSE failures_left - 1 END
            WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description) AND (fail_permanently OR failures_left > 0)
            RETURNING fail_permanently
            """
        ).first()
        guard let row else { return nil }
        let permanent = try row.decode(column: "fail_permanently", as: Bool.self)
        return HypervisorError(
            "Host \(uri) failed to \(operation.rawValue) the machine of VM \(id) (injected\(permanent ? ", permanent" : "") fault)",
            retryable: !permanent
        )
    }

    func count(_ operation: SimulatedOperation, of id: VMID, in database: any SQLDatabase) async throws {
        try await database.raw(
            """
            INSERT INTO simulated_operations (host_uri, vm_id, operation, times)
            VALUES (\(bind: uri), \(bind: id.description), \(bind: operation.rawValue), 1)
            ON CONFLICT (host_uri, vm_id, operation) DO UPDATE SET times = simulated_operations.times + 1
            """
        ).run()
    }

    func noSuchMachine(_ id: VMID) -> HypervisorError {
        HypervisorError("Host \(uri) has no machine for VM \(id)", retryable: false)
    }

    // MARK: - Rows

    static let machineColumns: SQLRaw = SQLRaw("vm_id, name, power, ip_address")

    func machine(_ id: VMID, in database: any SQLDatabase) async throws -> Machine? {
        try await database.raw(
            "SELECT \(Self.machineColumns) FROM simulated_machines WHERE host_uri = \(bind: uri) AND vm_id = \(bind: id.description)"
        ).first().map(Self.machine(from:))
    }

    static func machine(from row: any SQLRow) throws -> Machine {
        let vmID = try row.decodeNil(column: "vm_id") ? nil : try row.decode(column: "vm_id", as: String.self)
        let power = try row.decode(column: "power", as: String.self)
        return Machine(
            vmID: vmID.flatMap(VMID.init),
            name: try row.decode(column: "name", as: String.self),
            power: VMLifecycle.Power(rawValue: power) ?? .stopped,
            ipAddress: try row.decodeNil(column: "ip_address") ? nil : try row.decode(column: "ip_address", as: String.self)
        )
    }
}
