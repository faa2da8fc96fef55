import Foundation

/// Inviting people into a tenant with a role, and the public accept flow that lets them in.
public struct InvitationService: Sendable {
    public struct Settings: Sendable {
        /// How long an invitation stays acceptable.
        public var lifetime: TimeInterval
        /// Where the frontend is reached; accept links are `<base>/invitations/accept?token=…`.
        public var publicBaseURL: String

        public init(lifetime: TimeInterval, publicBaseURL: String) {
            self.lifetime = lifetime
            self.publicBaseURL = publicBaseURL
        }
    }

    let store: any IdentityStore
    let hasher: any PasswordHasher
    let secrets: any SecretTokens
    let mailer: any InvitationMailer
    let environment: CoreEnvironment
    let settings: Settings

    public init(
        store: any IdentityStore, hasher: any PasswordHasher, secrets: any SecretTokens, mailer: any InvitationMailer,
        environment: CoreEnvironment, settings: Settings
    ) {
        self.store = store
        self.hasher = hasher
        self.secrets = secrets
        self.mailer = mailer
        self.environment = environment
        self.settings = settings
    }

    /// Creates a pending invitation and hands it to the mailer once it is committed. The role must be
    /// visible in the tenant (422) and within what the inviter may grant (403); a member of the tenant,
    /// or an email with a pending invitation here already, is a conflict (409).
    public func create(in access: TenantAccess, email rawEmail: String, roleID: RoleID) async throws -> IssuedInvitation {
        try access.require(.invitationCreate)
        let email = try EmailAddress(EmailAddress(rawEmail).key)
        let now = environment.now()
        let token = secrets.generate()
        let invitation = Invitation(
            id: environment.newID(), tenantID: access.tenantID, email: email, roleID: roleID, invitedBy: access.userID,
            createdAt: now, expiresAt: now.addingTimeInterval(settings.lifetime)
        )
        let digest = secrets.digest(token)
        try await store.transaction { [environment] store in
            // The tenant is held: two invitations for one email cannot both find no pending one.
            guard try await store.lockedTenant(invitation.tenantID) != nil else { throw DomainError.notFound("Tenant not found") }
            _ = try await store.grantableRoles([roleID], in: access, locked: true)
            if let user = try await store.user(email: email),
                try await store.membership(userID: user.id, tenantID: invitation.tenantID) != nil
            {
                throw DomainError.conflict("\(email) is already a member of this tenant")
            }
            guard try await !store.hasPendingInvitation(for: email, in: invitation.tenantID, now: now) else {
                throw DomainError.conflict("\(email) already has a pending invitation to this tenant; revoke it to send a new one")
            }
            guard try await store.pendingInvitationCount(in: invitation.tenantID, now: now) < Limits.pendingInvitationsPerTenant else {
                throw DomainError.conflict(
                    "The tenant has \(Limits.pendingInvitationsPerTenant) pending invitations, the most it may have; revoke some first"
                )
            }
            try await store.insertInvitation(invitation, tokenDigest: digest)
            try await store.record(
                "invitation.create", on: .invitation(invitation.id), in: access, environment: environment,
                details: ["email": email.value, "role_id": roleID.description]
            )
        }
        let acceptURL = settings.publicBaseURL + "/invitations/accept?token=" + token
        await mailer.send(invitation, acceptURL: acceptURL)
        return IssuedInvitation(invitation: invitation, token: token, acceptURL: acceptURL)
    }

    /// The tenant's invitations, newest first, each with its status now.
    public func list(in access: TenantAccess, status: Invitation.Status?, page: PageRequest) async throws -> Page<InvitationWithStatus> {
        try access.require(.invitationRead)
        let now = environment.now()
        return try await store.invitations(in: access.tenantID, status: status, now: now, page: page)
            .map { InvitationWithStatus(invitation: $0, status: $0.status(at: now)) }
    }

    /// Revokes an invitation that was not accepted. Revoking a revoked one changes nothing and succeeds
    /// (the caller wanted it unusable, and it is); an accepted one is a conflict: remove the member instead.
    public func revoke(in access: TenantAccess, id: InvitationID) async throws {
        try access.require(.invitationDelete)
        let tenantID = access.tenantID
        guard let invitation = try await store.invitation(id, in: tenantID) else { throw DomainError.notFound("Invitation not found") }
        try Self.requireNotAccepted(invitation)
        guard invitation.revokedAt == nil else { return }
        let revoked = try await store.transaction { [environment] store in
            guard try await store.revokeInvitation(id, in: tenantID, at: environment.now()) else { return false }
            try await store.record("invitation.revoke", on: .invitation(id), in: access, environment: environment)
            return true
        }
        if revoked { return }
        // Accepted or revoked since we read it.
        if let current = try await store.invitation(id, in: tenantID) { try Self.requireNotAccepted(current) }
    }

    static func requireNotAccepted(_ invitation: Invitation) throws(DomainError) {
        guard invitation.acceptedAt == nil else {
            throw .conflict("The invitation has been accepted; remove the member from the tenant instead")
        }
    }

    public struct Acceptance: Sendable {
        public var token: String
        public var password: String?
        public var firstName: String?
        public var lastName: String?

        public init(token: String, password: String?, firstName: String?, lastName: String?) {
            self.token = token
            self.password = password
            self.firstName = firstName
            self.lastName = lastName
        }
    }

    /// Joins the invited tenant with the invited role. A new email gets an account (password and names
    /// required); an existing account proves itself with its current password, or by calling with its
    /// own access token (`principal`). Everything happens in one transaction, which first checks that the
    /// tenant is active (403 while it is not; the invitation stays pending) and claims the invitation with
    /// a conditional write, so a token is only ever used once.
    public func accept(_ acceptance: Acceptance, by principal: Principal?) async throws -> AcceptedInvitation {
        try principal?.requireInteractiveLogin(toDo: "accept invitations")
        guard let invitation = try await store.invitation(tokenDigest: secrets.digest(acceptance.token)) else {
            throw DomainError.notFound("Unknown invitation token")
        }
        let now = environment.now()
        try Self.requireOpen(invitation, at: now)
        let account = try await joiningAccount(for: invitation, acceptance, principal: principal, now: now)
        let tenantID = invitation.tenantID
        try await store.transaction { [environment] store in
            // Held, so a deactivation either commits first (and is seen here) or waits for this join.
            guard let tenant = try await store.lockedTenant(tenantID) else { throw DomainError.gone("The tenant no longer exists") }
            guard tenant.isActive else {
                throw DomainError.forbidden("The tenant is deactivated; the invitation can be accepted once it is active again")
            }
            guard try await store.markInvitationAccepted(invitation.id, at: now) else {
                try Self.requireOpen(try await store.invitation(invitation.id, in: tenantID) ?? invitation, at: now)
                throw DomainError.gone("This invitation is no longer valid")
            }
            if account.isNew {
                try await store.insertUser(account.user)
            } else if try await store.membership(userID: account.user.id, tenantID: tenantID) != nil {
                throw DomainError.conflict("\(invitation.email) is already a member of this tenant")
            }
            try await store.insertMembership(Membership(userID: account.user.id, tenantID: tenantID, isActive: true, createdAt: now))
            try await store.assign(invitation.roleID, to: account.user.id, in: tenantID, at: now)
            try await store.record(
                "invitation.accept", on: .invitation(invitation.id), in: tenantID, by: .user(account.user.id), environment: environment,
                details: ["account_created": account.isNew ? "true" : "false"]
            )
        }
        return AcceptedInvitation(user: account.user, tenantID: tenantID, roleID: invitation.roleID, accountCreated: account.isNew)
    }

    /// The account that will join: the caller's (which must be the invited one), the existing account
    /// after checking its password, or a new one built from the request (not yet stored).
    func joiningAccount(
        for invitation: Invitation, _ acceptance: Acceptance, principal: Principal?, now: Date
    ) async throws -> (user: User, isNew: Bool) {
        if let principal {
            guard principal.user.email == invitation.email else {
                throw DomainError.forbidden("This invitation is addressed to another email address")
            }
            return (principal.user, false)
        }
        if let existing = try await store.user(email: invitation.email) {
            guard let password = acceptance.password, await hasher.verify(password, against: existing.passwordHash) else {
                throw DomainError.unauthenticated("An account with this email exists: its current password (or its access token) is required")
            }
            guard existing.isActive else { throw DomainError.forbidden("The invited account is disabled") }
            return (existing, false)
        }
        guard let password = acceptance.password else { throw DomainError.invalid("password is required to create the account") }
        try PasswordPolicy.validate(password)
        let firstName = try Names.valid(acceptance.firstName ?? "", field: "first_name")
        let lastName = try Names.valid(acceptance.lastName ?? "", field: "last_name")
        let user = User.newAccount(
            id: environment.newID(), email: invitation.email, firstName: firstName, lastName: lastName,
            passwordHash: try await hasher.hash(password), at: now
        )
        return (user, true)
    }

    /// Only a pending invitation can be accepted; anything else is gone, with the reason.
    static func requireOpen(_ invitation: Invitation, at now: Date) throws(DomainError) {
        switch invitation.status(at: now) {
        case .pending: return
        case .accepted: throw .gone("This invitation has already been accepted")
        case .revoked: throw .gone("This invitation has been revoked")
        case .expired: throw .gone("This invitation has expired")
        }
    }
}
