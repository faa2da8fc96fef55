import Foundation

/// Persistence of accounts, tenants and memberships. Every method is atomic on its own;
/// use `transaction` to make several calls one unit.
///
/// Adapters report a violated uniqueness rule as `DomainError.conflict`.
public protocol IdentityStore: Sendable {
    /// Runs `work` against a store bound to one database transaction: committed when `work`
    /// returns, rolled back when it throws.
    func transaction<R: Sendable>(_ work: @escaping @Sendable (any IdentityStore) async throws -> R) async throws -> R

    /// Answers when the database is reachable; throws otherwise.
    func ping() async throws

    func countUsers() async throws -> Int
    func insertUser(_ user: User) async throws
    func user(id: UserID) async throws -> User?
    func user(email: EmailAddress) async throws -> User?

    /// The user plus their standing in `tenant` (or in every tenant when `tenant` is nil), in one query.
    func caller(userID: UserID, tenant: TenantID?) async throws -> (User, [TenantStanding], tenantExists: Bool)?

    func insertTenant(_ tenant: Tenant) async throws
    func tenant(named name: String) async throws -> Tenant?

    func insertMembership(_ membership: Membership) async throws
    func membership(userID: UserID, tenantID: TenantID) async throws -> Membership?
}
