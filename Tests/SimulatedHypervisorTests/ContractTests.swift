import HypervisorContract
import TestSupport
import Testing

@Suite("Simulated driver: the hypervisor contract")
struct ContractTests {
    @Test(arguments: TestBackend.available, HypervisorContract.checks)
    func contract(backend: TestBackend, check: HypervisorContract.Check) async throws {
        try await check.run(on: SimulatedFixture(backend: backend))
    }
}
