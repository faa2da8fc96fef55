import Core

/// Where the VMs of a vcenter host go, found in vCenter's inventory once per session from the host's
/// settings, each defaulting to the first one found: the datacenter, the cluster (or standalone
/// host), its resource pool, a datastore and a network the cluster reaches, and the VM folder.
struct Destination: Sendable {
    /// The datacenter's inventory path (its name when it sits at the top).
    let datacenterPath: String
    let folder: ManagedObject
    let pool: ManagedObject
    let datastore: ManagedObject
    let datastoreName: String
    let network: Network

    struct Network: Sendable {
        let name: String
        /// The NIC backing, as XML (a standard network, or a port group of a distributed switch).
        let backing: String
    }

    static func resolve(_ placement: VCenterHostSettings.Placement, in session: VimSession) async throws -> Destination {
        let content = try await session.serviceContent
        // The datacenter.
        let datacenter: ManagedObject
        let datacenterPath: String
        if let path = placement.datacenter {
            datacenter = try await required(session.find(path: path), "datacenter", path, type: "Datacenter")
            datacenterPath = path
        } else {
            let found = try await session.objects(ofType: "Datacenter", in: content.rootFolder, ["name"])
            guard let first = found.min(by: { name($0.properties) < name($1.properties) }) else { throw notFound("datacenter", "any") }
            datacenter = first.object
            datacenterPath = name(first.properties)
        }
        let dcProperties = try await session.properties(of: datacenter, ["vmFolder", "hostFolder"])
        guard let vmFolder = dcProperties["vmFolder"]?.reference, let hostFolder = dcProperties["hostFolder"]?.reference else {
            throw VimError.malformed("datacenter \(datacenterPath) has no VM or host folder")
        }
        // The cluster, or a standalone host's compute resource.
        let compute: ManagedObject
        let computeName: String
        if let cluster = placement.cluster {
            compute = try await required(session.find(path: "\(datacenterPath)/host/\(cluster)"), "cluster", cluster)
            computeName = cluster
        } else {
            var found = try await session.objects(ofType: "ClusterComputeResource", in: hostFolder, ["name"])
            if found.isEmpty { found = try await session.objects(ofType: "ComputeResource", in: hostFolder, ["name"]) }
            guard let first = found.min(by: { name($0.properties) < name($1.properties) }) else { throw notFound("cluster", "any") }
            compute = first.object
            computeName = name(first.properties)
        }
        let computeProperties = try await session.properties(of: compute, ["resourcePool", "datastore", "network"])
        let pool: ManagedObject
        if let path = placement.resourcePool {
            pool = try await required(session.find(path: "\(datacenterPath)/host/\(computeName)/Resources/\(path)"), "resource_pool", path)
        } else {
            guard let root = computeProperties["resourcePool"]?.reference else { throw VimError.malformed("\(computeName) has no resource pool") }
            pool = root
        }
        let datastore = try await pick(
            "datastore", placement.datastore, among: computeProperties["datastore"]?.children.compactMap(\.reference) ?? [], session
        )
        let network = try await pick(
            "network", placement.network, among: computeProperties["network"]?.children.compactMap(\.reference) ?? [], session
        )
        let folder: ManagedObject
        if let path = placement.folder {
            folder = try await required(session.find(path: "\(datacenterPath)/vm/\(path)"), "folder", path, type: "Folder")
        } else {
            folder = vmFolder
        }
        return Destination(
            datacenterPath: datacenterPath, folder: folder, pool: pool, datastore: datastore.object, datastoreName: datastore.name,
            network: Network(name: network.name, backing: try await backing(of: network.object, named: network.name, session))
        )
    }

    /// The one named `wanted` (or the first) of `candidates`, with its name.
    private static func pick(
        _ field: String, _ wanted: String?, among candidates: [ManagedObject], _ session: VimSession
    ) async throws -> (object: ManagedObject, name: String) {
        let named = try await session.names(of: candidates)
        if let wanted {
            guard let match = named.first(where: { $0.name == wanted }) else { throw notFound(field, wanted) }
            return match
        }
        guard let first = named.first else { throw notFound(field, "any") }
        return first
    }

    private static func backing(of network: ManagedObject, named name: String, _ session: VimSession) async throws -> String {
        guard network.type == "DistributedVirtualPortgroup" else {
            return """
                <backing xsi:type="VirtualEthernetCardNetworkBackingInfo">\(XMLText.element("deviceName", name))\
                \(network.xml("network"))</backing>
                """
        }
        let group = try await session.properties(of: network, ["key", "config.distributedVirtualSwitch"])
        guard let key = group["key"]?.text, let dvs = group["config.distributedVirtualSwitch"]?.reference,
            let uuid = try await session.properties(of: dvs, ["uuid"])["uuid"]?.text
        else {
            throw VimError.malformed("port group \(name) has no key or switch")
        }
        return """
            <backing xsi:type="VirtualEthernetCardDistributedVirtualPortBackingInfo"><port>\
            \(XMLText.element("switchUuid", uuid))\(XMLText.element("portgroupKey", key))</port></backing>
            """
    }

    private static func required(
        _ found: ManagedObject?, _ field: String, _ value: String, type: String? = nil
    ) throws -> ManagedObject {
        guard let found, type.map({ $0 == found.type }) ?? true else { throw notFound(field, value) }
        return found
    }

    private static func notFound(_ field: String, _ value: String) -> VimError {
        .fault("InventoryNotFound", message: value == "any" ? "vCenter has no \(field) to place VMs in" : "vCenter has no \(field) '\(value)'")
    }

    private static func name(_ properties: VimSession.Properties) -> String { properties["name"]?.text ?? "" }
}
