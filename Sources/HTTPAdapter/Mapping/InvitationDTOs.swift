import APIContract
import Core

extension Components.Schemas.Invitation {
    init(_ listed: InvitationWithStatus) {
        let invitation = listed.invitation
        self.init(
            id: invitation.id.description, email: invitation.email.value, roleId: invitation.roleID.description,
            tenantId: invitation.tenantID.description, status: .init(listed.status), createdAt: invitation.createdAt,
            expiresAt: invitation.expiresAt, acceptedAt: invitation.acceptedAt, revokedAt: invitation.revokedAt,
            invitedBy: invitation.invitedBy?.description
        )
    }
}

extension Components.Schemas.CreatedInvitation {
    init(_ issued: IssuedInvitation) {
        let invitation = issued.invitation
        self.init(
            id: invitation.id.description, email: invitation.email.value, roleId: invitation.roleID.description,
            tenantId: invitation.tenantID.description, status: .pending, createdAt: invitation.createdAt,
            expiresAt: invitation.expiresAt, invitedBy: invitation.invitedBy?.description, token: issued.token,
            acceptUrl: issued.acceptURL
        )
    }
}

extension Components.Schemas.InvitationStatus {
    init(_ status: Invitation.Status) {
        switch status {
        case .pending: self = .pending
        case .accepted: self = .accepted
        case .revoked: self = .revoked
        case .expired: self = .expired
        }
    }
}

extension Components.Schemas.InvitationPage {
    init(_ page: Page<InvitationWithStatus>) {
        self.init(
            items: page.items.map(Components.Schemas.Invitation.init), total: page.total, page: page.request.page,
            limit: page.request.limit
        )
    }
}

extension Components.Schemas.InvitationAcceptance {
    init(_ accepted: AcceptedInvitation) {
        self.init(
            user: .init(accepted.user), tenantId: accepted.tenantID.description, roleId: accepted.roleID.description,
            accountCreated: accepted.accountCreated
        )
    }
}
