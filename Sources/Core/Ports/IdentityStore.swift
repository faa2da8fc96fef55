import Foundation

/// Persistence of accounts, tenants, memberships, roles, invitations and API keys. Every method is atomic on its own;
/// `transaction` makes several calls one unit. Every method that touches tenant data takes the
/// tenant id and filters by it: there is no unscoped variant.
///
/// Adapters report a violated uniqueness rule as `DomainError.conflict`, and a reference to a row that
/// a concurrent transaction removed (a foreign key) as `DomainError.conflict` too.
///
/// Writes change only the columns they name, never a whole record read earlier: two requests that
/// change different fields of one row must both survive. A read–check–write that must hold together
/// runs in `transaction` and starts with one of the `locked…` reads, which hold the row until the
/// transaction ends (a row lock on PostgreSQL; SQLite's write transaction excludes other writers already).
public protocol IdentityStore:
    AccountRepository, TenantRepository, MembershipRepository, RoleRepository, InvitationRepository, APIKeyRepository, AuditLog
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
    /// Changes the names that are not nil (and `updated_at`); false when there is no such user.
    func updateNames(of userID: UserID, firstName: String?, lastName: String?, at: Date) async throws -> Bool
    /// Replaces the password hash and `tokens_valid_after` only if the stored hash is still `expectedHash`
    /// (the one the current password was verified against): false when it changed meanwhile.
    func replacePassword(
        of userID: UserID, expectedHash: String, newHash: String, tokensValidAfter: Date, at: Date
    ) async throws -> Bool
    func user(id: UserID) async throws -> User?
    /// Inside a transaction: the user, held until the transaction ends (for checks over the user's rows,
    /// such as the number of API keys).
    func lockedUser(_ id: UserID) async throws -> User?
    func user(email: EmailAddress) async throws -> User?

    /// The user plus their standing (membership and effective permissions) in `tenant`, or in every
    /// tenant when `tenant` is nil, and whether `tenant` exists: one query.
    func caller(userID: UserID, tenant: TenantID?) async throws -> (User, [TenantStanding], tenantExists: Bool)?
}

public protocol TenantRepository: Sendable {
    func insertTenant(_ tenant: Tenant) async throws
    /// Applies the fields of `patch` that are set (and `updated_at`); the tenant as it now is, nil when unknown.
    func updateTenant(_ id: TenantID, _ patch: TenantPatch, at: Date) async throws -> Tenant?
    func tenant(id: TenantID) async throws -> Tenant?
    /// Inside a transaction: the tenant, held until the transaction ends. Checks that span the tenant's
    /// rows (a pending invitation for an email, counts against limits) take it first, so two requests
    /// for one tenant cannot both pass them.
    func lockedTenant(_ id: TenantID) async throws -> Tenant?
    func tenant(named name: String) async throws -> Tenant?
    /// Every tenant, by name.
    func allTenants() async throws -> [Tenant]
    /// The active tenants `userID` is an active member of, by name.
    func tenants(ofMember userID: UserID) async throws -> [Tenant]
    /// Deletes the tenant with its memberships, custom roles, role assignments and invitations.
    func deleteTenant(id: TenantID) async throws
}

/// Who belongs to a tenant.
public protocol MembershipRepository: Sendable {
    func insertMembership(_ membership: Membership) async throws
    func membership(userID: UserID, tenantID: TenantID) async throws -> Membership?
    /// Inside a transaction: the membership, held until the transaction ends.
    func lockedMembership(userID: UserID, tenantID: TenantID) async throws -> Membership?
    /// Sets the membership's `is_active`; false when there is no such membership.
    func setMembershipActive(userID: UserID, tenantID: TenantID, isActive: Bool) async throws -> Bool
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
    /// Inside a transaction: like `role(_:visibleIn:)`, held until the transaction ends.
    func lockedRole(_ id: RoleID, visibleIn tenantID: TenantID) async throws -> Role?
    func insertRole(_ role: Role) async throws
    /// How many custom roles `tenantID` has.
    func customRoleCount(in tenantID: TenantID) async throws -> Int
    /// Applies the fields of `patch` that are set to a custom role of `tenantID` (the permission set is
    /// replaced as a whole when given).
    func updateRole(_ id: RoleID, of tenantID: TenantID, _ patch: RolePatch, at: Date) async throws
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
