import Foundation

/// Tenants' quota limits and what their VMs consume.
public protocol QuotaRepository: Sendable {
    /// The limits a superuser set for the tenant; nil when none were set (the configured defaults apply).
    func explicitLimits(of tenantID: TenantID) async throws -> QuotaLimits?
    /// Sets the tenant's limits, replacing all four.
    func setLimits(_ limits: QuotaLimits, of tenantID: TenantID, at date: Date) async throws
    /// What the tenant's VMs consume, as committed (inside a transaction: as this transaction sees it).
    func usage(of tenantID: TenantID) async throws -> QuotaUsage
    /// Inside a transaction: holds the tenant against every other transaction that checks its quota,
    /// across processes, until this one ends; a check of the usage and the write that grows it are then
    /// one step.
    func lockForGrowth(_ tenantID: TenantID) async throws
}
