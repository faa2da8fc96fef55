import Core
import Foundation
import VCenterHypervisor

/// Another vSphere client on the same vCenter, with a session of its own: it changes what the
/// driver manages behind the driver's back (as an operator's vSphere Client would), reads what the
/// simulator holds, and ends other sessions.
package struct SecondClient: Sendable {
    package let host: VCenterHost

    /// A client for `host`, through a session of its own.
    package init(_ cloud: VCenterCloud, for host: HypervisorHost) throws {
        self.host = try cloud.separateHost(for: host)
    }

    package func close() async { await host.close() }

    /// The vSphere VM of VM `id`.
    package func vm(_ id: VMID) async throws -> ManagedObject {
        guard let machine = try await host.inventoryObject(named: VCenterHost.machineName(of: id)) else {
            throw VCenterTestError("no machine for VM \(id)")
        }
        return machine
    }

    package func powerOff(_ id: VMID) async throws {
        try await host.session.runTask("PowerOffVM_Task", on: try await vm(id))
    }

    /// Sets what the simulator reports of the guest (vcsim's `SET.guest.*` extraConfig keys).
    package func setGuest(of id: VMID, _ values: [String: String]) async throws {
        let options = values.map { "<extraConfig>\(XMLText.element("key", "SET.guest.\($0.key)"))<value xsi:type=\"xsd:string\">\(XMLText.escape($0.value))</value></extraConfig>" }
        try await host.session.runTask("ReconfigVM_Task", on: try await vm(id), "<spec>\(options.joined())</spec>")
    }

    /// `paths` of VM `id`'s vSphere VM.
    package func properties(of id: VMID, _ paths: [String]) async throws -> [String: XMLNode] {
        try await host.session.properties(of: try await vm(id), paths)
    }

    /// Ends the session of `other` (as an administrator would, or an expiry).
    package func terminateSession(of other: VCenterHost) async throws {
        let key = try await other.sessionKey()
        let manager = try await host.session.serviceContent.sessionManager
        _ = try await host.session.call("TerminateSession", on: manager, XMLText.element("sessionId", key))
    }
}

package struct VCenterTestError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
