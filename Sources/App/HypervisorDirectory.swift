import Core

/// The drivers this build has, by kind: the `HypervisorProvider` the core sees.
struct HypervisorDirectory: HypervisorProvider {
    let drivers: [DriverKind: any HypervisorProvider]

    func supports(_ kind: DriverKind) -> Bool { drivers[kind]?.supports(kind) ?? false }

    func hypervisor(for host: HypervisorHost) async throws -> any Hypervisor {
        guard let driver = drivers[host.driver] else {
            throw HypervisorError("The \(host.driver.rawValue) driver is not available in this build", retryable: false)
        }
        return try await driver.hypervisor(for: host)
    }
}
