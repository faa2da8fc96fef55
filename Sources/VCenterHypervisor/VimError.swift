import Core

/// What went wrong talking to vCenter, before it becomes the port's `HypervisorError`.
package enum VimError: Error, CustomStringConvertible {
    /// A SOAP fault or a task's error: `fault` is the vim25 fault type (`InvalidLogin`, `InvalidPowerState`, …).
    case fault(String, message: String)
    /// The endpoint could not be reached or the connection broke.
    case transport(String)
    /// TLS refused the endpoint's certificate.
    case untrusted(String)
    /// An answer this driver does not understand.
    case malformed(String)
    /// The calling task was cancelled (the job's worker is stopping).
    case cancelled

    package var description: String {
        switch self {
        case .fault(let fault, let message): message.isEmpty ? fault : "\(message) (\(fault))"
        case .transport(let message), .untrusted(let message), .malformed(let message): message
        case .cancelled: "cancelled"
        }
    }

    package var faultType: String? {
        if case .fault(let fault, _) = self { return fault }
        return nil
    }

    /// Faults after which the same call can succeed later: vCenter or one of its hosts is busy or
    /// briefly unreachable. Everything else (bad arguments, missing objects, refused credentials,
    /// missing privileges) fails the same way again.
    static let transientFaults: Set<String> = [
        "TaskInProgress", "ResourceInUse", "HostCommunication", "HostNotConnected", "HostNotReachable", "Timedout",
        "RequestCanceled", "ConcurrentAccess", "SystemError", "CannotAccessFile", "NetworkDisruptedAndConfigRolledBack",
        "InvalidState",
        // A clone of an earlier attempt still running under the same name: the next attempt finds it.
        "DuplicateName",
    ]

    /// Faults that are the host's as a whole (see `HypervisorError.hostDown`).
    static let hostFaults: Set<String> = ["InventoryNotFound", "InvalidLogin", "NotAuthenticated", "NoPermission", "HostNotConnected", "HostCommunication"]

    /// The port's error; a cancellation stays a `CancellationError`.
    func portError(endpoint: String) -> any Error {
        switch self {
        case .cancelled: CancellationError()
        default: hypervisorError(endpoint: endpoint)
        }
    }

    package func hypervisorError(endpoint: String) -> HypervisorError {
        switch self {
        case .cancelled:
            return HypervisorError("cancelled", retryable: true)
        case .fault(let fault, _):
            let message = fault == "InvalidLogin"
                ? "vCenter \(endpoint) refused the username or password: change them with PATCH /hosts/{id}; VirtualStack does not try them again"
                : "vCenter \(endpoint): \(description)"
            return HypervisorError(message, retryable: Self.transientFaults.contains(fault), hostDown: Self.hostFaults.contains(fault))
        case .transport(let message):
            return HypervisorError("vCenter \(endpoint) does not answer: \(message)", retryable: true, hostDown: true)
        case .untrusted(let message):
            return HypervisorError("vCenter \(endpoint): \(message)", retryable: false, hostDown: true)
        case .malformed(let message):
            return HypervisorError("vCenter \(endpoint) answered what the driver does not understand: \(message)", retryable: true)
        }
    }
}
