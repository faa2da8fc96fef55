import Core
import Foundation
import SQLKit

extension SQLIdentityStore {
    static let invitationColumns: SQLQueryString = """
        id, tenant_id, email, role_id, invited_by, created_at, expires_at, accepted_at, revoked_at
        """

    public func insertInvitation(_ invitation: Invitation, tokenDigest: String) async throws {
        try await translatingErrors(conflict: "The invitation already exists") {
            try await database.insert(into: "invitations")
                .columns(
                    "id", "tenant_id", "email", "role_id", "token_hash", "invited_by", "created_at", "expires_at",
                    "accepted_at", "revoked_at"
                )
                .values(
                    invitation.id.bind, invitation.tenantID.bind, SQLBind(invitation.email.key), invitation.roleID.bind,
                    SQLBind(tokenDigest), SQLBind(invitation.invitedBy?.description), SQLBind(invitation.createdAt),
                    SQLBind(invitation.expiresAt), SQLBind(invitation.acceptedAt), SQLBind(invitation.revokedAt)
                )
                .run()
        }
    }

    public func invitation(_ id: InvitationID, in tenantID: TenantID) async throws -> Invitation? {
        try await database.raw(
            """
            SELECT \(Self.invitationColumns) FROM invitations
            WHERE id = \(bind: id.description) AND tenant_id = \(bind: tenantID.description)
            """
        ).first()?.invitation()
    }

    public func invitation(tokenDigest: String) async throws -> Invitation? {
        try await database.raw("SELECT \(Self.invitationColumns) FROM invitations WHERE token_hash = \(bind: tokenDigest)")
            .first()?.invitation()
    }

    public func invitations(
        in tenantID: TenantID, status: Invitation.Status?, now: Date, page: PageRequest
    ) async throws -> Page<Invitation> {
        let filter: SQLQueryString = status.map { "AND \(Self.condition(for: $0, now: now))" } ?? ""
        let tenant = tenantID.description
        let rows = try await database.raw(
            """
            SELECT \(Self.invitationColumns) FROM invitations
            WHERE tenant_id = \(bind: tenant) \(filter)
            ORDER BY created_at DESC, id DESC
            LIMIT \(literal: page.limit) OFFSET \(literal: page.offset)
            """
        ).all()
        let total = try await database.raw("SELECT COUNT(*) AS n FROM invitations WHERE tenant_id = \(bind: tenant) \(filter)")
            .first()?.int("n") ?? 0
        return Page(items: try rows.map { try $0.invitation() }, total: total, request: page)
    }

    public func pendingInvitationCount(in tenantID: TenantID, now: Date) async throws -> Int {
        try await database.raw(
            """
            SELECT COUNT(*) AS n FROM invitations
            WHERE tenant_id = \(bind: tenantID.description) AND \(Self.condition(for: .pending, now: now))
            """
        ).first()?.int("n") ?? 0
    }

    public func hasPendingInvitation(for email: EmailAddress, in tenantID: TenantID, now: Date) async throws -> Bool {
        try await database.raw(
            """
            SELECT 1 AS found FROM invitations
            WHERE tenant_id = \(bind: tenantID.description) AND email = \(bind: email.key)
            AND \(Self.condition(for: .pending, now: now))
            """
        ).first() != nil
    }

    public func revokeInvitation(_ id: InvitationID, in tenantID: TenantID, at date: Date) async throws -> Bool {
        try await database.raw(
            """
            UPDATE invitations SET revoked_at = \(bind: date)
            WHERE id = \(bind: id.description) AND tenant_id = \(bind: tenantID.description)
            AND accepted_at IS NULL AND revoked_at IS NULL
            RETURNING id
            """
        ).first() != nil
    }

    public func markInvitationAccepted(_ id: InvitationID, at date: Date) async throws -> Bool {
        // The condition is re-checked under the row's write lock, so a concurrent accept that committed
        // first leaves nothing for this one to update.
        try await database.raw(
            """
            UPDATE invitations SET accepted_at = \(bind: date)
            WHERE id = \(bind: id.description) AND \(Self.condition(for: .pending, now: date))
            RETURNING id
            """
        ).first() != nil
    }

    /// The status as a condition on one row, mirroring `Invitation.status(at:)`.
    static func condition(for status: Invitation.Status, now: Date) -> SQLQueryString {
        switch status {
        case .accepted: "accepted_at IS NOT NULL"
        case .revoked: "(accepted_at IS NULL AND revoked_at IS NOT NULL)"
        case .expired: "(accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= \(bind: now))"
        case .pending: "(accepted_at IS NULL AND revoked_at IS NULL AND expires_at > \(bind: now))"
        }
    }
}

extension SQLRow {
    func invitation() throws -> Invitation {
        Invitation(
            id: try id("id"),
            tenantID: try id("tenant_id"),
            email: EmailAddress(stored: try string("email")),
            roleID: try id("role_id"),
            invitedBy: try optionalID("invited_by"),
            createdAt: try date("created_at"),
            expiresAt: try date("expires_at"),
            acceptedAt: try optionalDate("accepted_at"),
            revokedAt: try optionalDate("revoked_at")
        )
    }
}
