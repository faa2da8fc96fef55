/// A user as seen from inside one tenant: what the tenant may know of the account, the membership,
/// and the names of the roles the user holds there.
public struct Member: Sendable, Equatable {
    public let profile: MemberProfile
    public let membership: Membership
    public let roleNames: [String]

    public init(profile: MemberProfile, membership: Membership, roleNames: [String]) {
        self.profile = profile
        self.membership = membership
        self.roleNames = roleNames
    }
}

/// The part of an account a tenant's member list shows: no credentials and no account-wide state,
/// so listing members never reads a password hash.
public struct MemberProfile: Sendable, Equatable {
    public let id: UserID
    public let email: EmailAddress
    public let firstName: String
    public let lastName: String
    public let isSuperuser: Bool

    public init(id: UserID, email: EmailAddress, firstName: String, lastName: String, isSuperuser: Bool) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.isSuperuser = isSuperuser
    }

    public init(_ user: User) {
        self.init(id: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName, isSuperuser: user.isSuperuser)
    }
}
