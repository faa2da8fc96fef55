import Foundation

/// Reading the inventory through the PropertyCollector and the SearchIndex, and following changes
/// (tasks, power states) through property updates rather than polling.
extension VimSession {
    /// An object's properties, by path; a path the object lacks is absent.
    package typealias Properties = [String: XMLNode]

    /// `paths` of one object.
    package func properties(of object: ManagedObject, _ paths: [String]) async throws -> Properties {
        let objectSet = "<objectSet>\(object.xml("obj"))<skip>false</skip></objectSet>"
        return try await retrieve(type: object.type, paths, objectSet: objectSet).first?.properties ?? [:]
    }

    /// The names of `objects`, in their order, in one call.
    func names(of objects: [ManagedObject]) async throws -> [(object: ManagedObject, name: String)] {
        guard !objects.isEmpty else { return [] }
        let objectSet = objects.map { "<objectSet>\($0.xml("obj"))<skip>false</skip></objectSet>" }.joined()
        let found = try await retrieve(type: "ManagedEntity", ["name"], objectSet: objectSet)
        let names = Dictionary(found.map { ($0.object, $0.properties["name"]?.text ?? "") }, uniquingKeysWith: { first, _ in first })
        return objects.compactMap { object in names[object].map { (object, $0) } }
    }

    /// `paths` of every object of `type` below `container` (through a container view of the session).
    func objects(
        ofType type: String, in container: ManagedObject, _ paths: [String]
    ) async throws -> [(object: ManagedObject, properties: Properties)] {
        let view = try await containerView(of: container, type: type)
        let objectSet = """
            <objectSet>\(view.xml("obj"))<skip>true</skip>\
            <selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet>\
            </objectSet>
            """
        return try await retrieve(type: type, paths, objectSet: objectSet)
    }

    private func retrieve(
        type: String, _ paths: [String], objectSet: String
    ) async throws -> [(object: ManagedObject, properties: Properties)] {
        do {
            return try await retrieveOnce(type: type, paths, objectSet: objectSet)
        } catch let error as VimError where error.faultType == "NotAuthenticated" {
            // The expiry came as `missingSet` entries, which `call` cannot see: log in again, once.
            return try await retrieveOnce(type: type, paths, objectSet: objectSet)
        }
    }

    private func retrieveOnce(
        type: String, _ paths: [String], objectSet: String
    ) async throws -> [(object: ManagedObject, properties: Properties)] {
        let collector = try await serviceContent.propertyCollector
        let propSet = "<propSet>\(XMLText.element("type", type))<all>false</all>\(paths.map { XMLText.element("pathSet", $0) }.joined())</propSet>"
        var response = try await call(
            "RetrievePropertiesEx", on: collector, "<specSet>\(propSet)\(objectSet)</specSet><options><maxObjects>1000</maxObjects></options>"
        )
        var found: [(object: ManagedObject, properties: Properties)] = []
        while true {
            let result = response.child("returnval")
            for object in result?.all("objects") ?? [] {
                // vCenter may answer an expired session with a fault per object instead of a SOAP fault.
                if let missing = object.all("missingSet").first(where: { $0.at("fault.fault")?.schemaType == "NotAuthenticated" }) {
                    sessionExpired()
                    throw VimError.fault("NotAuthenticated", message: missing.at("fault.localizedMessage")?.text ?? "")
                }
                guard let reference = object.child("obj")?.reference else { continue }
                var properties: Properties = [:]
                for property in object.all("propSet") {
                    if let name = property.child("name")?.text, let value = property.child("val") { properties[name] = value }
                }
                found.append((reference, properties))
            }
            guard let token = result?.child("token")?.text else { return found }
            response = try await call("ContinueRetrievePropertiesEx", on: collector, XMLText.element("token", token))
        }
    }

    /// The object at an inventory path (`DC0/vm/templates/ubuntu`), or nil.
    package func find(path: String) async throws -> ManagedObject? {
        let index = try await serviceContent.searchIndex
        return try await call("FindByInventoryPath", on: index, XMLText.element("inventoryPath", path)).child("returnval")?.reference
    }

    /// The direct child of `parent` named `name`, or nil.
    package func find(child name: String, of parent: ManagedObject) async throws -> ManagedObject? {
        let index = try await serviceContent.searchIndex
        return try await call("FindChild", on: index, parent.xml("entity") + XMLText.element("name", name)).child("returnval")?.reference
    }

    /// Runs a method that returns a task and follows the task to its end: the task's result (a
    /// cloned VM's reference, say), or the task's error as a `VimError.fault`.
    @discardableResult
    package func runTask(_ method: String, on this: ManagedObject, _ arguments: String = "") async throws -> XMLNode? {
        guard let task = try await call(method, on: this, arguments).child("returnval")?.reference else {
            throw VimError.malformed("\(method) returned no task")
        }
        // Most tasks of a control plane are short: read the task once before setting up a wait.
        var info = try await properties(of: task, ["info"])["info"]
        if !Self.finished(info) {
            info = try await waitForChange(of: task, path: "info", timeout: nil) { Self.finished($0) }
        }
        guard let info else { throw VimError.malformed("\(method): the task has no info") }
        if info.child("state")?.text == "error" {
            let fault = info.at("error.fault")
            throw VimError.fault(fault?.schemaType ?? "TaskError", message: info.at("error.localizedMessage")?.text ?? "")
        }
        return info.child("result")
    }

    private static func finished(_ info: XMLNode?) -> Bool {
        ["success", "error"].contains(info?.child("state")?.text ?? "")
    }

    /// Waits until `path` of `object` satisfies `until` and returns its value, or returns nil when
    /// `timeout` passes first (nil: no limit). Uses a property collector of its own, so that
    /// concurrent waits on one session do not take each other's updates.
    func waitForChange(
        of object: ManagedObject, path: String, timeout: Duration?, until: (XMLNode?) -> Bool
    ) async throws -> XMLNode? {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let root = try await serviceContent.propertyCollector
        guard let collector = try await call("CreatePropertyCollector", on: root).child("returnval")?.reference else {
            throw VimError.malformed("CreatePropertyCollector returned no collector")
        }
        do {
            let spec = """
                <spec><propSet>\(XMLText.element("type", object.type))<all>false</all>\(XMLText.element("pathSet", path))</propSet>\
                <objectSet>\(object.xml("obj"))<skip>false</skip></objectSet></spec><partialUpdates>false</partialUpdates>
                """
            _ = try await call("CreateFilter", on: collector, spec)
            var version = ""
            while true {
                var wait = 60
                if let deadline {
                    let left = deadline - ContinuousClock.now
                    if left <= .zero { break }
                    wait = max(1, min(wait, Int(left.components.seconds) + 1))
                }
                let response = try await call(
                    "WaitForUpdatesEx", on: collector,
                    XMLText.element("version", version) + "<options><maxWaitSeconds>\(wait)</maxWaitSeconds></options>", lane: .wait
                )
                guard let update = response.child("returnval") else { continue }
                version = update.child("version")?.text ?? version
                for change in update.all("filterSet").flatMap({ $0.all("objectSet") }).flatMap({ $0.all("changeSet") })
                where change.child("name")?.text == path {
                    let value = change.child("val")
                    if until(value) {
                        await destroy(collector)
                        return value
                    }
                }
            }
        } catch {
            await destroy(collector)
            throw error
        }
        await destroy(collector)
        return nil
    }

    private func destroy(_ collector: ManagedObject) async {
        _ = try? await call("DestroyPropertyCollector", on: collector)
    }
}
