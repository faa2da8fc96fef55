/// Delivers an invitation's accept link to the invitee.
///
/// Called after the invitation is committed; it does not throw because delivery failing must not
/// undo the invitation (the inviter has the token in the response and can pass the link on).
/// Adapters report their own failures.
public protocol InvitationMailer: Sendable {
    func send(_ invitation: Invitation, acceptURL: String) async
}
