import Core
import Foundation
import SQLKit

extension SQLComputeStore: VMRepository {
    static let vmColumns: SQLQueryString = """
        v.id, v.tenant_id, v.name, v.status, v.task, v.cpu, v.memory_gb, v.disk_gb, v.source_type, v.template_id, v.image, \
        v.iso_url, v.template_name, v.host_id, v.ip_address, v.created_at, v.updated_at
        """

    public func insertVM(_ vm: VirtualMachine) async throws {
        let (sourceType, templateID, image, isoURL): (String, String?, String?, String?) =
            switch vm.source {
            case .template(let id, let image): ("template", id?.description, image, nil)
            case .iso(let url): ("iso", nil, nil, url)
            }
        let listed = vm.task != .deleting
        try await translatingErrors(conflict: Self.nameTaken(vm.name)) {
            try await database.raw(
                """
                INSERT INTO vms (id, tenant_id, name, name_key, status, task, cpu, memory_gb, disk_gb, source_type, template_id,
                    image, iso_url, template_name, host_id, ip_address, created_at, updated_at)
                VALUES (\(bind: vm.id.description), \(bind: vm.tenantID.description), \(bind: vm.name),
                    \(bind: listed ? SearchKey.fold(vm.name) : nil), \(bind: vm.status.rawValue), \(bind: vm.task?.rawValue),
                    \(bind: vm.size.cpu), \(bind: vm.size.memoryGB), \(bind: vm.size.diskGB), \(bind: sourceType), \(bind: templateID),
                    \(bind: image), \(bind: isoURL), \(bind: vm.templateName), \(bind: vm.hostID.description), \(bind: vm.ipAddress),
                    \(bind: vm.createdAt), \(bind: vm.updatedAt))
                """
            ).run()
        }
    }

    static func nameTaken(_ name: String) -> String { "A VM named '\(name)' already exists in this tenant" }

    public func vm(_ id: VMID, in tenantID: TenantID) async throws -> VirtualMachine? {
        try await vm(where: "v.id = \(bind: id.description) AND v.tenant_id = \(bind: tenantID.description) AND v.name_key IS NOT NULL")
    }

    public func lockedVM(_ id: VMID, in tenantID: TenantID) async throws -> VirtualMachine? {
        try await vm(
            where: "v.id = \(bind: id.description) AND v.tenant_id = \(bind: tenantID.description) AND v.name_key IS NOT NULL",
            lock: rowLock
        )
    }

    public func lockedVM(_ id: VMID) async throws -> VirtualMachine? {
        try await vm(where: "v.id = \(bind: id.description)", lock: rowLock)
    }

    public func vm(_ id: VMID) async throws -> VirtualMachine? {
        try await vm(where: "v.id = \(bind: id.description)")
    }

    private func vm(where condition: SQLQueryString, lock: SQLQueryString = "") async throws -> VirtualMachine? {
        try await database.raw("SELECT \(Self.vmColumns) FROM vms v WHERE \(condition)\(lock)").first()?.virtualMachine()
    }

    public func vms(in tenantID: TenantID, filter: VMFilter, page: PageRequest) async throws -> Page<VirtualMachine> {
        var conditions: [SQLQueryString] = ["tenant_id = \(bind: tenantID.description)", "name_key IS NOT NULL"]
        if let status = filter.status { conditions.append("status = \(bind: status.rawValue)") }
        if let search = filter.search, !search.isEmpty {
            // Folded like the stored key; `%`, `_` and `\` match themselves.
            let pattern = "%" + SQLIdentityStore.escapeLike(SearchKey.fold(search)) + "%"
            conditions.append("name_key LIKE \(bind: pattern) ESCAPE '\\'")
        }
        let matching = conditions.joined(separator: " AND ")
        // Without a search, the total is a sum of the tenant's tallies (kept by triggers, see the
        // migration); a search is counted from the index.
        let tallied: SQLQueryString? =
            switch (filter.status, filter.search?.isEmpty ?? true) {
            case (nil, true): "tenant_id = \(bind: tenantID.description)"
            case (let status?, true): "tenant_id = \(bind: tenantID.description) AND status = \(bind: status.rawValue)"
            case (_, false): nil
            }
        let totalSQL: SQLQueryString =
            if let tallied { "(SELECT COALESCE(SUM(listed), 0) FROM vm_tallies WHERE \(tallied))" } else { "(SELECT COUNT(*) FROM vms WHERE \(matching))" }
        // A deferred join: the page's ids are cut from the covering index `vms_listed` (or
        // `vms_listed_by_status`), which holds the order and the name key, so the entries OFFSET skips
        // are index entries only; then just the page's rows are read. Near the start of the list the
        // total rides along as an uncorrelated subquery (evaluated once), saving a round trip; only a
        // page past the end needs a query of its own for it. LIMIT and OFFSET are literals (validated
        // integers), as everywhere.
        func rows(with extra: SQLQueryString, newestFirst: Bool, limit: Int, offset: Int) async throws -> [any SQLRow] {
            let order: SQLQueryString = newestFirst ? "DESC" : "ASC"
            return try await database.raw(
                """
                SELECT \(Self.vmColumns)\(extra) FROM (
                    SELECT id FROM vms WHERE \(matching)
                    ORDER BY created_at \(order), id \(order)
                    LIMIT \(literal: limit) OFFSET \(literal: offset)
                ) p JOIN vms v ON v.id = p.id
                ORDER BY v.created_at DESC, v.id DESC
                """
            ).all()
        }
        func readTotal() async throws -> Int { try await database.raw("SELECT \(totalSQL) AS total").first()?.int("total") ?? 0 }
        // Skipping an index entry costs little (about 80 ns on SQLite) but adds up: far into the list,
        // the total is read first and the page is cut from whichever end of the index is nearer, so
        // the last pages cost what the first ones do and no page skips more than half the list.
        guard page.offset >= Self.skipWorthCounting else {
            let found = try await rows(with: ", \(totalSQL) AS total", newestFirst: true, limit: page.limit, offset: page.offset)
            let count = try await found.isEmpty ? readTotal() : found[0].int("total")
            return Page(items: try found.map { try $0.virtualMachine() }, total: count, request: page)
        }
        let count = try await readTotal()
        let left = count - page.offset
        guard left > 0 else { return Page(items: [], total: count, request: page) }
        let found =
            left - page.limit < page.offset
            ? try await rows(with: "", newestFirst: false, limit: min(page.limit, left), offset: max(0, left - page.limit))
            : try await rows(with: "", newestFirst: true, limit: page.limit, offset: page.offset)
        return Page(items: try found.map { try $0.virtualMachine() }, total: count, request: page)
    }

    /// From how many skipped entries on a page is cut after reading the total (one round trip more).
    static let skipWorthCounting = 1000

    public func renameVM(_ id: VMID, in tenantID: TenantID, to name: String, at date: Date) async throws -> Bool {
        try await translatingErrors(conflict: Self.nameTaken(name)) {
            try await database.raw(
                """
                UPDATE vms SET name = \(bind: name), name_key = \(bind: SearchKey.fold(name)), updated_at = \(bind: date)
                WHERE id = \(bind: id.description) AND tenant_id = \(bind: tenantID.description) AND name_key IS NOT NULL
                RETURNING id
                """
            ).first() != nil
        }
    }

    public func setState(of id: VMID, _ state: VMState, ipAddress: String??, at date: Date) async throws {
        var assignments: [SQLQueryString] = [
            "status = \(bind: state.status.rawValue)", "task = \(bind: state.task?.rawValue)", "updated_at = \(bind: date)",
        ]
        if case .some(let address) = ipAddress { assignments.append("ip_address = \(bind: address)") }
        // A VM whose deletion begins leaves the lists (and its tenant's tallies) and frees its name.
        if state.task == .deleting { assignments.append("name_key = NULL") }
        try await database.raw("UPDATE vms SET \(assignments.joined(separator: ", ")) WHERE id = \(bind: id.description)").run()
    }

    public func removeVM(_ id: VMID) async throws {
        // Its logs and jobs go with it (their foreign keys cascade).
        try await database.raw("DELETE FROM vms WHERE id = \(bind: id.description)").run()
    }

    public func settledVMs(onHost hostID: HostID) async throws -> [VirtualMachine] {
        try await database.raw(
            """
            SELECT \(Self.vmColumns) FROM vms v
            WHERE v.host_id = \(bind: hostID.description) AND v.task IS NULL
            AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.vm_id = v.id)
            ORDER BY v.id
            """
        ).all().map { try $0.virtualMachine() }
    }

    public func knownVMIDs(_ ids: Set<VMID>) async throws -> Set<VMID> {
        var known: Set<VMID> = []
        // In slices, well below either engine's limit on bound parameters.
        let all = Array(ids)
        for start in stride(from: 0, to: all.count, by: 500) {
            let slice = all[start..<min(start + 500, all.count)]
            let rows = try await database.raw("SELECT id FROM vms WHERE id IN (\(binds: slice.map(\.description)))").all()
            for row in rows { known.insert(try row.id("id")) }
        }
        return known
    }

    public func vmCount(in tenantID: TenantID) async throws -> Int {
        try await database.raw("SELECT COUNT(*) AS n FROM vms WHERE tenant_id = \(bind: tenantID.description)").first()?.int("n") ?? 0
    }
}

extension SQLRow {
    func virtualMachine() throws -> VirtualMachine {
        let source: VMSource
        switch try string("source_type") {
        case "iso":
            source = .iso(try string("iso_url"))
        default:
            let templateID: TemplateID? = try optionalID("template_id")
            source = .template(templateID, image: try optionalString("image"))
        }
        return VirtualMachine(
            id: try id("id"),
            tenantID: try id("tenant_id"),
            name: try string("name"),
            status: try enumValue("status"),
            task: try optionalString("task").map { try Self.enumValue(VMTask.self, $0, column: "task") },
            size: VMSize(cpu: try int("cpu"), memoryGB: try int("memory_gb"), diskGB: try int("disk_gb")),
            source: source,
            templateName: try optionalString("template_name"),
            hostID: try id("host_id"),
            ipAddress: try optionalString("ip_address"),
            createdAt: try date("created_at"),
            updatedAt: try date("updated_at")
        )
    }

    /// A column holding an enum's raw value; a value the code does not know is corrupt data.
    func enumValue<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value where Value.RawValue == String {
        try Self.enumValue(type, try string(column), column: column)
    }

    static func enumValue<Value: RawRepresentable>(_ type: Value.Type, _ text: String, column: String) throws -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(column) holds an unknown value: \(text)"))
        }
        return value
    }
}
