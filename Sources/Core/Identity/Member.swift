/// A user as seen from inside one tenant: the account, the membership, and the names of the roles
/// the user holds there.
public struct Member: Sendable, Equatable {
    public let user: User
    public let membership: Membership
    public let roleNames: [String]

    public init(user: User, membership: Membership, roleNames: [String]) {
        self.user = user
        self.membership = membership
        self.roleNames = roleNames
    }
}
