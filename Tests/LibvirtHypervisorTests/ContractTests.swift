import HypervisorContract
import Testing

@Suite("libvirt driver: the hypervisor contract on libvirt's test driver")
struct ContractTests {
    @Test(arguments: TestHost.allCases, HypervisorContract.checks)
    func contract(host: TestHost, check: HypervisorContract.Check) async throws {
        try await check.run(on: LibvirtFixture(kind: host))
    }
}
