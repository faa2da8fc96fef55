import Foundation

/// Tenants' quotas: what a tenant may still ask for, and (superusers) its limits.
public struct QuotaService: Sendable {
    let compute: any ComputeUnitOfWork
    let identity: any IdentityStore
    let policy: QuotaPolicy
    let environment: CoreEnvironment

    public init(compute: any ComputeUnitOfWork, identity: any IdentityStore, policy: QuotaPolicy, environment: CoreEnvironment) {
        self.compute = compute
        self.identity = identity
        self.policy = policy
        self.environment = environment
    }

    /// `GET /quota`: any member who may see the tenant's VMs.
    public func report(in access: TenantAccess) async throws -> QuotaReport {
        try access.require(.vmRead)
        return try await policy.report(for: access.tenantID, in: compute.stores)
    }

    /// `PUT /tenants/{id}/quota`: replaces the four limits. Usage above a lowered limit stays; only new
    /// growth is refused.
    public func setLimits(by principal: Principal, of tenantID: TenantID, to limits: QuotaLimits) async throws -> QuotaReport {
        try principal.requireUnrestrictedSuperuser(toManage: "quotas")
        let limits = try limits.validated()
        guard try await identity.tenant(id: tenantID) != nil else { throw DomainError.notFound("Tenant not found") }
        try await compute.transaction { [environment] stores in
            try await stores.quotas.setLimits(limits, of: tenantID, at: environment.now())
            let details = Dictionary(uniqueKeysWithValues: QuotaDimension.allCases.map { ($0.rawValue, limits[$0].map(String.init) ?? "unlimited") })
            try await stores.audit.record(
                "quota.update", on: .quota(tenantID), in: tenantID, by: AuditActor(principal), environment: environment, details: details
            )
        }
        return try await policy.report(for: tenantID, in: compute.stores)
    }
}

/// How quotas are applied: the limits of tenants no superuser set limits for, and the check every
/// request that grows a tenant's usage runs inside its transaction.
public struct QuotaPolicy: Sendable {
    /// The limits of a tenant without limits of its own (configuration; unlimited unless set).
    public let defaults: QuotaLimits

    public init(defaults: QuotaLimits = .unlimited) {
        self.defaults = defaults
    }

    func limits(of tenantID: TenantID, in stores: ComputeStores) async throws -> QuotaLimits {
        try await stores.quotas.explicitLimits(of: tenantID) ?? defaults
    }

    func report(for tenantID: TenantID, in stores: ComputeStores) async throws -> QuotaReport {
        // One after the other: inside a transaction both run on its one connection.
        QuotaReport(limits: try await limits(of: tenantID, in: stores), usage: try await stores.quotas.usage(of: tenantID))
    }

    /// Inside the transaction that grows the tenant's usage by `asked`, before the write: `409` when a
    /// limit would be passed. A tenant with no limit takes no lock, so its creates do not queue on
    /// each other; a limited tenant's checks run one at a time, across processes.
    func admit(_ asked: ResourceTally, in tenantID: TenantID, stores: ComputeStores) async throws {
        guard try await !limits(of: tenantID, in: stores).isUnlimited else { return }
        try await stores.quotas.lockForGrowth(tenantID)
        // Read again under the lock: a superuser may have changed the limits meanwhile.
        try await report(for: tenantID, in: stores).admit(asked)
    }
}
