import Core
import Foundation
import LibvirtHypervisor
import LibvirtTestSupport
import Testing

/// How many libvirt calls each operation makes, read from libvirt's own debug log of its public API
/// (so nothing in the driver counts). Runs only when the process logs there:
///
///     LIBVIRT_LOG_FILTERS="1:libvirt" LIBVIRT_LOG_OUTPUTS="1:file:/tmp/libvirt-calls.log" \
///     VIRTUALSTACK_LIBVIRT_CALL_LOG=/tmp/libvirt-calls.log swift test --skip-build --filter CallCountTests
@Suite(
    "libvirt driver: calls per operation",
    .enabled(if: CallLog.path != nil, "set VIRTUALSTACK_LIBVIRT_CALL_LOG and LIBVIRT_LOG_OUTPUTS to the same file to count calls")
)
struct CallCountTests {
    /// What each operation costs today on a host with this one domain (stop: a guest that is off at
    /// the first look), as upper bounds: a change that adds calls to an operation shows up here.
    static let budgets: [(operation: String, calls: Int)] = [
        ("create", 21), ("stop", 14), ("start", 10), ("restart", 10), ("machine", 8), ("inventory", 7), ("delete", 12),
    ]

    @Test("Each operation stays within its budget of libvirt calls")
    func callsPerOperation() async throws {
        let path = try #require(CallLog.path)
        try await withTestHost(.nodeFile) { uri, marker in
            try await withCloud { cloud in
                let host = cloud.host(uri)
                let id = VMID(UUID())
                _ = try await host.inventory()  // the connection is open before counting
                let operations: [(String, @Sendable () async throws -> Void)] = [
                    ("create", { _ = try await host.create(LibvirtFixture(kind: .nodeFile).spec(for: id)) }),
                    ("stop", { _ = try await host.stop(id, timeout: .seconds(10)) }),
                    ("start", { _ = try await host.start(id) }),
                    ("restart", { _ = try await host.restart(id) }),
                    ("machine", { _ = try await host.machine(id) }),
                    ("inventory", { _ = try await host.inventory() }),
                    ("delete", { try await host.delete(id) }),
                ]
                for (name, operation) in operations {
                    marker.mark("mark-\(name)")
                    try await operation()
                }
                marker.mark("mark-end")
            }
        }
        let counts = try CallLog(path: path).callsBetweenMarks()
        for (operation, budget) in Self.budgets {
            let calls = try #require(counts[operation], "no calls logged for \(operation)")
            print("libvirt calls: \(operation): \(calls.total) (\(calls.remote) that would be round trips on a remote host): \(calls.names)")
            #expect(calls.total <= budget, "\(operation) made \(calls.total) calls: \(calls.names)")
        }
    }
}

/// libvirt's debug log, as `LIBVIRT_LOG_OUTPUTS` writes it.
struct CallLog {
    static let path = ProcessInfo.processInfo.environment["VIRTUALSTACK_LIBVIRT_CALL_LOG"]
    /// Calls answered inside the client library, without a message to the daemon (and
    /// `virDomainLookupByUUID`, which `virDomainLookupByUUIDString` calls: one round trip for both).
    static let local: Set<String> = [
        "virDomainFree", "virStoragePoolFree", "virStorageVolFree", "virDomainGetName", "virDomainGetUUIDString",
        "virStoragePoolGetName", "virConnectIsAlive", "virDomainLookupByUUID",
    ]

    struct Calls {
        var names: [String] = []
        var total: Int { names.count }
        var remote: Int { names.filter { !CallLog.local.contains($0) }.count }
    }

    let lines: [Substring]

    init(path: String) throws {
        lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    }

    /// The public API calls of every thread but the marker's, between `mark-<operation>` and the next mark.
    func callsBetweenMarks() -> [String: Calls] {
        var result: [String: Calls] = [:]
        var current: String?
        var markerThread: Substring?
        for line in lines {
            let fields = line.split(separator: " ", maxSplits: 6)
            guard fields.count >= 6, fields[3] == "debug", fields[4] == ":" else { continue }
            let thread = fields[2]
            let function = fields[5].split(separator: ":").first.map(String.init) ?? ""
            if let range = line.range(of: "name=mark-") {
                markerThread = thread
                let name = String(line[range.upperBound...])
                current = name == "end" ? nil : name
                continue
            }
            guard let current, thread != markerThread, function.hasPrefix("vir"), !function.hasPrefix("virObject") else { continue }
            result[current, default: Calls()].names.append(function)
        }
        return result
    }
}
