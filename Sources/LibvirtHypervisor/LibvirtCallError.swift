#if LIBVIRT
import CLibvirt
import Core

/// A failed libvirt call, as `virGetLastError` described it. It stays inside the driver, where the
/// code decides what a failure means (no such domain is an answer, not an error); at the port it
/// becomes a `HypervisorError` that says whether a retry can help.
struct LibvirtCallError: Error, CustomStringConvertible {
    let what: String
    let code: Int32
    let domain: Int32
    let message: String

    /// Reads (and clears) the calling thread's last libvirt error: call it on the thread whose call
    /// failed, right after it. `what` is evaluated after the error is read, because it may call libvirt
    /// (a domain's name), and every libvirt call begins by clearing the last error.
    static func last(_ what: @autoclosure () -> String) -> LibvirtCallError {
        guard let error = virGetLastError() else {
            return LibvirtCallError(what: what(), code: -1, domain: -1, message: "libvirt gave no reason")
        }
        let (code, domain) = (error.pointee.code, error.pointee.domain)
        let message = error.pointee.message.map { String(cString: $0) } ?? "libvirt error \(code)"
        virResetLastError()
        return LibvirtCallError(what: what(), code: code, domain: domain, message: message)
    }

    var description: String { "Could not \(what): \(message)" }

    func `is`(_ number: virErrorNumber) -> Bool { code == Int32(number.rawValue) }

    /// Failures of the connection itself (a daemon gone, a socket refused, an RPC cut off, a timeout)
    /// may pass; a refused configuration, a missing image or an invalid operation will not.
    var retryable: Bool {
        if [VIR_FROM_RPC, VIR_FROM_REMOTE].contains(where: { domain == Int32($0.rawValue) }) { return true }
        return [
            VIR_ERR_SYSTEM_ERROR, VIR_ERR_RPC, VIR_ERR_NO_CONNECT, VIR_ERR_INVALID_CONN, VIR_ERR_OPERATION_TIMEOUT,
            VIR_ERR_OPERATION_ABORTED, VIR_ERR_AGENT_UNRESPONSIVE, VIR_ERR_RESOURCE_BUSY, VIR_ERR_AUTH_UNAVAILABLE,
        ].contains(where: `is`) || code == -1
    }

    /// Whether the connection is probably dead, so the next call should open a new one.
    var dropsConnection: Bool {
        if [VIR_FROM_RPC, VIR_FROM_REMOTE].contains(where: { domain == Int32($0.rawValue) }) { return true }
        return [VIR_ERR_SYSTEM_ERROR, VIR_ERR_RPC, VIR_ERR_NO_CONNECT, VIR_ERR_INVALID_CONN].contains(where: `is`)
    }

    var hypervisorError: HypervisorError { HypervisorError(description, retryable: retryable) }
}

/// A failure the driver decides on itself (an image name that is no `pool/volume`, a missing machine).
func refused(_ message: String) -> HypervisorError { HypervisorError(message, retryable: false) }
#endif
