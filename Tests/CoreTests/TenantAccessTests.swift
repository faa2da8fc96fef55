import Core
import Foundation
import Testing

@Suite("Choosing the tenant a request acts in")
struct TenantAccessTests {
    static let tenantA = TenantID(UUID())
    static let tenantB = TenantID(UUID())

    static func caller(
        superuser: Bool = false, standings: [TenantStanding], tenantExists: Bool = true, credential: Principal.Credential = .accessToken
    ) -> Caller {
        let now = Date()
        let user = User(
            id: UserID(UUID()), email: try! EmailAddress("u@example.com"), firstName: "U", lastName: "Ser",
            passwordHash: "", isActive: true, isSuperuser: superuser, tokensValidAfter: now, createdAt: now, updatedAt: now
        )
        return Caller(principal: Principal(user: user, credential: credential), standings: standings, requestedTenantExists: tenantExists)
    }

    static let read = Permission("user:read")

    @Test func aSingleMembershipIsTheDefault() throws {
        let caller = Self.caller(standings: [.init(tenantID: Self.tenantA, isActive: true, permissions: [Self.read])])

        let access = try caller.access(in: nil)

        #expect(access.tenantID == Self.tenantA)
        #expect(access.holds(Self.read))
        #expect(!access.holds(Permission("user:delete")))
    }

    @Test func severalMembershipsNeedTheHeader() {
        let caller = Self.caller(standings: [
            .init(tenantID: Self.tenantA, isActive: true, permissions: []),
            .init(tenantID: Self.tenantB, isActive: true, permissions: []),
        ])

        #expect(throws: DomainError.malformed("X-Tenant-ID header is required: the caller belongs to 2 tenants")) {
            try caller.access(in: nil)
        }
    }

    @Test func aTenantTheCallerIsNotInIsForbidden() {
        let caller = Self.caller(standings: [])

        let error = #expect(throws: DomainError.self) { try caller.access(in: Self.tenantB) }

        #expect(error?.code == .forbidden)
    }

    @Test func anInactiveMembershipIsForbidden() {
        let caller = Self.caller(standings: [.init(tenantID: Self.tenantA, isActive: false, permissions: [Self.read])])

        #expect((#expect(throws: DomainError.self) { try caller.access(in: Self.tenantA) })?.code == .forbidden)
        #expect((#expect(throws: DomainError.self) { try caller.access(in: nil) })?.code == .forbidden)
    }

    @Test func aDeactivatedTenantRefusesItsMembersButNotSuperusers() throws {
        let standing = TenantStanding(tenantID: Self.tenantA, isActive: true, tenantIsActive: false, permissions: [Self.read])
        let member = Self.caller(standings: [standing])
        let superuser = Self.caller(superuser: true, standings: [standing])

        #expect(throws: DomainError.forbidden("This tenant is deactivated")) { try member.access(in: Self.tenantA) }
        #expect(throws: DomainError.forbidden("This tenant is deactivated")) { try member.access(in: nil) }
        #expect(try superuser.access(in: Self.tenantA).tenantID == Self.tenantA)
    }

    @Test func superusersEnterAnyExistingTenantWithEveryPermission() throws {
        let caller = Self.caller(superuser: true, standings: [])

        let access = try caller.access(in: Self.tenantB)

        #expect(access.tenantID == Self.tenantB)
        #expect(access.holds(Permission("vm:delete")))
    }

    @Test func superusersGet404ForATenantThatDoesNotExist() {
        let caller = Self.caller(superuser: true, standings: [], tenantExists: false)

        #expect((#expect(throws: DomainError.self) { try caller.access(in: Self.tenantB) })?.code == .notFound)
    }

    @Test func requireNamesTheMissingPermission() throws {
        let access = try Self.caller(standings: [.init(tenantID: Self.tenantA, isActive: true, permissions: [Self.read])])
            .access(in: Self.tenantA)

        #expect(throws: DomainError.forbidden("Missing permission role:create")) {
            try access.require(Self.read, Permission("role:create"))
        }
    }

    static func key(scope: Set<Permission>?) -> Principal.Credential { .apiKey(id: APIKeyID(UUID()), scope: scope) }

    @Test func aScopedKeyHoldsOnlyWhatBothItsScopeAndItsOwnerHold() throws {
        let owner: Set<Permission> = [Self.read, .userCreate, .roleRead]
        let caller = Self.caller(
            standings: [.init(tenantID: Self.tenantA, isActive: true, permissions: owner)], credential: Self.key(scope: [Self.read, .vmDelete])
        )

        let access = try caller.access(in: Self.tenantA)

        #expect(access.permissions == [Self.read])
        #expect(!access.holds(.vmDelete))
    }

    @Test func anUnscopedKeyHoldsWhatItsOwnerHolds() throws {
        let owner: Set<Permission> = [Self.read, .userCreate]
        let caller = Self.caller(standings: [.init(tenantID: Self.tenantA, isActive: true, permissions: owner)], credential: Self.key(scope: nil))

        #expect(try caller.access(in: nil).permissions == owner)
    }

    @Test func aScopedKeyOfASuperuserHoldsExactlyItsScopeAndManagesNoTenants() throws {
        let caller = Self.caller(superuser: true, standings: [], credential: Self.key(scope: [Self.read]))

        let access = try caller.access(in: Self.tenantB)

        #expect(access.holds(Self.read))
        #expect(!access.holds(.userDelete))
        #expect(!caller.principal.isUnrestrictedSuperuser)
        #expect(Self.caller(superuser: true, standings: [], credential: Self.key(scope: nil)).principal.isUnrestrictedSuperuser)
    }

    @Test func keysCannotDoWhatNeedsALogin() {
        let principal = Self.caller(standings: [], credential: Self.key(scope: nil)).principal

        #expect((#expect(throws: DomainError.self) { try principal.requireInteractiveLogin(toDo: "create API keys") })?.code == .forbidden)
        #expect(throws: Never.self) { try Self.caller(standings: []).principal.requireInteractiveLogin(toDo: "create API keys") }
    }
}
