import Foundation

public typealias InvitationID = EntityID<Invitation>

/// An offer to join one tenant with one role, addressed to an email. Whoever holds its one-time token
/// (stored only as a digest) may accept it until it expires, is revoked or has been accepted.
public struct Invitation: Sendable, Equatable {
    public let id: InvitationID
    public let tenantID: TenantID
    /// Stored case-folded: invitations match accounts case-insensitively.
    public let email: EmailAddress
    public let roleID: RoleID
    /// nil once the inviting account no longer exists.
    public let invitedBy: UserID?
    public let createdAt: Date
    public let expiresAt: Date
    public var acceptedAt: Date?
    public var revokedAt: Date?

    public init(
        id: InvitationID, tenantID: TenantID, email: EmailAddress, roleID: RoleID, invitedBy: UserID?,
        createdAt: Date, expiresAt: Date, acceptedAt: Date? = nil, revokedAt: Date? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.roleID = roleID
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.acceptedAt = acceptedAt
        self.revokedAt = revokedAt
    }

    public enum Status: String, Sendable, CaseIterable {
        case pending, accepted, revoked, expired

        /// A status named in a request; anything else is invalid input.
        public init(parsing raw: String) throws(DomainError) {
            guard let status = Status(rawValue: raw) else {
                throw .invalid("status must be one of \(Status.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = status
        }
    }

    /// Derived, never stored: what happened wins over the clock (an accepted invitation stays accepted
    /// after its expiry date).
    public func status(at now: Date) -> Status {
        if acceptedAt != nil { return .accepted }
        if revokedAt != nil { return .revoked }
        return expiresAt <= now ? .expired : .pending
    }
}

/// An invitation with its status at the moment it was read.
public struct InvitationWithStatus: Sendable {
    public let invitation: Invitation
    public let status: Invitation.Status
}

/// A freshly created invitation with its secret: the only moment the token exists outside the invitee's hands.
public struct IssuedInvitation: Sendable {
    public let invitation: Invitation
    public let token: String
    public let acceptURL: String
}

/// The outcome of accepting an invitation.
public struct AcceptedInvitation: Sendable {
    public let user: User
    public let tenantID: TenantID
    public let roleID: RoleID
    /// true when accepting created the account.
    public let accountCreated: Bool
}
