import Foundation

/// Invitations into tenants. Every read of an invitation by id is scoped to its tenant; only the
/// public accept flow finds one by its token's digest.
public protocol InvitationRepository: Sendable {
    func insertInvitation(_ invitation: Invitation, tokenDigest: String) async throws
    func invitation(_ id: InvitationID, in tenantID: TenantID) async throws -> Invitation?
    func invitation(tokenDigest: String) async throws -> Invitation?
    /// Newest first, optionally only those with `status` at `now`.
    func invitations(in tenantID: TenantID, status: Invitation.Status?, now: Date, page: PageRequest) async throws -> Page<Invitation>
    /// How many of `tenantID`'s invitations are pending at `now`.
    func pendingInvitationCount(in tenantID: TenantID, now: Date) async throws -> Int
    /// Whether `email` has an invitation into `tenantID` that is still pending at `now`.
    func hasPendingInvitation(for email: EmailAddress, in tenantID: TenantID, now: Date) async throws -> Bool
    /// Sets `revoked_at` unless the invitation was accepted or revoked already; false when it changed nothing.
    func revokeInvitation(_ id: InvitationID, in tenantID: TenantID, at: Date) async throws -> Bool
    /// Marks the invitation accepted if it is still pending at `at`, in one conditional write, so of two
    /// concurrent accepts only one succeeds; false when it was not pending.
    func markInvitationAccepted(_ id: InvitationID, at: Date) async throws -> Bool
}
