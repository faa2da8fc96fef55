/// The simulated hypervisor's hosts and machines (see the `SimulatedHypervisor` target). They live in
/// the service's database so that every process of the service sees one hypervisor, and machines
/// survive a restart of the service as they would on a real host.
///
/// - `simulated_hosts`: a row only once a host was marked down (or up again); no row means up.
/// - `simulated_machines`: what each host runs. `name` is the host's own name for the machine (the
///   key, as on a real host); `vm_id` is null for machines made behind VirtualStack's back.
/// - `simulated_faults`: operations on a VM id that are to fail, whether its machine exists yet or not.
/// - `simulated_operations`: how often each operation took effect for a VM id on a host, kept when
///   the machine is deleted, so tests can prove that an operation ran once.
let simulatedMachinesSchema = Migration(version: 7, name: "simulated_machines") { backend in
    let timestamp = backend.timestampType
    return [
        """
        CREATE TABLE simulated_hosts (
            uri TEXT PRIMARY KEY,
            down BOOLEAN NOT NULL
        )
        """,
        """
        CREATE TABLE simulated_machines (
            host_uri TEXT NOT NULL,
            name TEXT NOT NULL,
            vm_id TEXT,
            power TEXT NOT NULL,
            ip_address TEXT,
            cpu INTEGER NOT NULL,
            memory_gb INTEGER NOT NULL,
            disk_gb INTEGER NOT NULL,
            image TEXT,
            iso TEXT,
            created_at \(timestamp) NOT NULL,
            PRIMARY KEY (host_uri, name)
        )
        """,
        // Null VM ids (unknown machines) do not collide: both engines treat nulls as distinct here.
        "CREATE UNIQUE INDEX simulated_machines_by_vm ON simulated_machines (host_uri, vm_id)",
        """
        CREATE TABLE simulated_faults (
            host_uri TEXT NOT NULL,
            vm_id TEXT NOT NULL,
            failures_left INTEGER NOT NULL,
            fail_permanently BOOLEAN NOT NULL,
            PRIMARY KEY (host_uri, vm_id)
        )
        """,
        """
        CREATE TABLE simulated_operations (
            host_uri TEXT NOT NULL,
            vm_id TEXT NOT NULL,
            operation TEXT NOT NULL,
            times INTEGER NOT NULL,
            PRIMARY KEY (host_uri, vm_id, operation)
        )
        """,
    ]
}
