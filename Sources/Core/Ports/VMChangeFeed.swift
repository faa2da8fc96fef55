import Foundation

/// The feed of changes to VMs, written by the adapter whenever a listed VM changes, read in order by
/// every process that streams events.
public protocol VMChangeFeed: Sendable {
    /// Changes after `position` (of `tenantID` only, when given), oldest first, at most `limit`: only
    /// those no change committed later can sort before, each with the VM as it is now.
    func changes(after position: VMChangePosition, of tenantID: TenantID?, limit: Int) async throws -> [VMChange]
    /// The position of the newest change `changes(after:)` would return; `.start` when there is none.
    func latestChangePosition() async throws -> VMChangePosition
    /// Forgets changes that happened before `date`; how many.
    func pruneChanges(before date: Date) async throws -> Int
}
