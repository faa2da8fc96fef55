import APIContract
import Core
import OpenAPIRuntime

/// The generated `APIProtocol`, implemented by translation only: typed input → one core call →
/// a documented output. Errors are thrown as `DomainError` and mapped by `ErrorMiddleware`.
public struct APIHandlers: APIProtocol {
    let authentication: AuthenticationService
    let tenants: TenantService
    let members: MemberService
    let roles: RoleService
    let profile: ProfileService

    public init(
        authentication: AuthenticationService, tenants: TenantService, members: MemberService, roles: RoleService,
        profile: ProfileService
    ) {
        self.authentication = authentication
        self.tenants = tenants
        self.members = members
        self.roles = roles
        self.profile = profile
    }

    /// The verified caller of this request, with their standing in the requested tenant
    /// (or in all their tenants when the request names none).
    func caller() async throws -> Caller {
        let scope = RequestScope.current
        guard let token = scope.bearerToken else { throw DomainError.unauthenticated("Not authenticated") }
        return try await authentication.authenticate(bearerToken: token, tenant: try scope.requestedTenant())
    }

    /// The verified caller's account, for endpoints outside any tenant.
    func principal() async throws -> Principal {
        guard let token = RequestScope.current.bearerToken else { throw DomainError.unauthenticated("Not authenticated") }
        return try await authentication.authenticatePrincipal(bearerToken: token)
    }

    /// The caller acting in the request's tenant (`X-Tenant-ID`, or their only tenant).
    func tenantAccess() async throws -> TenantAccess {
        let scope = RequestScope.current
        return try await caller().access(in: try scope.requestedTenant())
    }

    /// The caller acting in a tenant named by the path (for `/tenants/{id}/...`), whatever the header says.
    func tenantAccess(inPathTenant tenantID: TenantID) async throws -> TenantAccess {
        let scope = RequestScope.current
        guard let token = scope.bearerToken else { throw DomainError.unauthenticated("Not authenticated") }
        return try await authentication.authenticate(bearerToken: token, tenant: tenantID).access(in: tenantID)
    }

    package func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(APIContract.document))))
    }
}
