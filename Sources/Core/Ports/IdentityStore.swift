import Foundation

/// Persistence of accounts, tenants, memberships, roles, invitations and API keys. Every method is atomic on its own;
/// `transaction` makes several calls one unit. Every method that touches tenant data takes the
/// tenant id and filters by it: there is no unscoped variant.
///
/// Adapters report a violated uniqueness rule as `DomainError.conflict`.
public protocol IdentityStore:
    AccountRepository, TenantRepository, MembershipRepository, RoleRepository, InvitationRepository, APIKeyRepository
{
    /// Runs `work` against a store bound to one database transaction: committed when `work`
    /// returns, rolled back when it throws.
    func transaction<R: Sendable>(_ work: @escaping @Sendable (any IdentityStore) async throws -> R) async throws -> R

    /// Answers when the database is reachable; throws otherwise.
    func ping() async throws
}

/// Global user accounts.
public protocol AccountRepository: Sendable {
    func countUsers() async throws -> Int
    func insertUser(_ user: User) async throws
    func updateUser(_ user: User) async throws
    func user(id: UserID) async throws -> User?
    func user(email: EmailAddress) async throws -> User?

    /// The user plus their standing (membership and effective permissions) in `tenant`, or in every
    /// tenant when `tenant` is nil, and whether `tenant` exists: one query.
    func caller(userID: UserID, tenant: TenantID?) async throws -> (User, [TenantStanding], tenantExists: Bool)?
}

public protocol TenantRepository: Sendable {
    func insertTenant(_ tenant: Tenant) async throws
    func updateTenant(_ tenant: Tenant) async throws
    func tenant(id: TenantID) async throws -> Tenant?
    func tenant(named name: String) async throws -> Tenant?
    /// Every tenant, by name.
    func allTenants() async throws -> [Tenant]
    /// The tenants `userID` is an active member of, by name.
    func tenants(ofMember userID: UserID) async throws -> [Tenant]
    /// Deletes the tenant with its memberships, custom roles, role assignments and invitations.
    func deleteTenant(id: TenantID) async throws
}

/// Who belongs to a tenant.
public protocol MembershipRepository: Sendable {
    func insertMembership(_ membership: Membership) async throws
    func membership(userID: UserID, tenantID: TenantID) async throws -> Membership?
    func updateMembership(_ membership: Membership) async throws
    /// Removes the membership and the user's role assignments in that tenant; false when there was none.
    func deleteMembership(userID: UserID, tenantID: TenantID) async throws -> Bool
    /// Members of `tenantID` in the order they joined, optionally filtered by a case-insensitive
    /// substring of email, first or last name; with their role names. A bounded number of queries.
    func members(of tenantID: TenantID, search: String?, page: PageRequest) async throws -> Page<Member>
    func member(_ userID: UserID, of tenantID: TenantID) async throws -> Member?
    /// Which of `userIDs` are members of `tenantID`.
    func memberIDs(_ userIDs: Set<UserID>, of tenantID: TenantID) async throws -> Set<UserID>
}

public protocol RoleRepository: Sendable {
    func permissionCatalog() async throws -> [PermissionInfo]
    /// System roles and `tenantID`'s custom roles, each with its number of holders in `tenantID`.
    func roles(visibleIn tenantID: TenantID) async throws -> [RoleSummary]
    /// A system role, or a custom role of `tenantID`; nil for another tenant's role.
    func role(_ id: RoleID, visibleIn tenantID: TenantID) async throws -> Role?
    /// A role's id by name among the system roles and `tenantID`'s custom roles.
    func roleID(named name: String, visibleIn tenantID: TenantID) async throws -> RoleID?
    func insertRole(_ role: Role) async throws
    /// Saves name, description and the complete permission set of a custom role.
    func updateRole(_ role: Role) async throws
    func deleteRole(_ id: RoleID, of tenantID: TenantID) async throws
    func assignmentCount(of roleID: RoleID, in tenantID: TenantID) async throws -> Int
    func userIDs(holding roleID: RoleID, in tenantID: TenantID) async throws -> [UserID]
    /// Makes `userIDs` exactly the holders of `roleID` in `tenantID`.
    func replaceHolders(of roleID: RoleID, in tenantID: TenantID, with userIDs: Set<UserID>, at: Date) async throws
    /// Idempotent: assigning a role the user holds already changes nothing.
    func assign(_ roleID: RoleID, to userID: UserID, in tenantID: TenantID, at: Date) async throws
    /// False when the user did not hold the role there.
    func unassign(_ roleID: RoleID, from userID: UserID, in tenantID: TenantID) async throws -> Bool
}
