import Core
import Logging

/// The default mail adapter: writes the invitation's accept link to the log at `notice`, for an
/// operator to pass on. The link carries the one-time token, so such logs are as sensitive as the
/// invitations themselves; configure a real mailer where that matters.
struct LogInvitationMailer: InvitationMailer {
    let logger: Logger

    func send(_ invitation: Invitation, acceptURL: String) async {
        logger.notice(
            "Invitation created",
            metadata: [
                "invitation_id": "\(invitation.id)", "tenant_id": "\(invitation.tenantID)", "email": "\(invitation.email)",
                "accept_url": "\(acceptURL)",
            ]
        )
    }
}
