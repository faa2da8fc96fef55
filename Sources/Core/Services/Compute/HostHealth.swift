import Logging

/// Keeps a host's down state in step with what calls to its driver show: a failure of the host as a
/// whole (`HypervisorError.hostDown`) marks it down with the error's message, the next call that
/// succeeds marks it up, each change with its audit event (`host.down`, `host.up`). Best effort: the
/// next call corrects a write that failed.
struct HostHealth: Sendable {
    let compute: any ComputeUnitOfWork
    let environment: CoreEnvironment
    let logger: Logger

    func answered(_ host: HypervisorHost) async {
        guard host.downReason != nil else { return }
        await set(host, reason: nil)
        logger.notice("A host answers again", metadata: ["host": "\(host.name)"])
    }

    func failed(_ host: HypervisorHost, with error: HypervisorError) async {
        guard error.hostDown, host.downReason != error.message else { return }
        await set(host, reason: error.message)
        logger.warning("A host is down", metadata: ["host": "\(host.name)", "reason": "\(error.message)"])
    }

    private func set(_ host: HypervisorHost, reason: String?) async {
        do {
            try await compute.transaction { [environment] stores in
                try await stores.hosts.setHostDown(host.id, reason: reason, at: environment.now())
                try await stores.audit.record(
                    reason == nil ? "host.up" : "host.down", on: .host(host.id), in: nil, by: .system, environment: environment,
                    details: reason.map { ["reason": $0] } ?? [:]
                )
            }
        } catch {
            logger.warning("Could not record whether a host is down", metadata: ["host": "\(host.name)", "error": "\(error)"])
        }
    }
}
