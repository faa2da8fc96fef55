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

    /// The request's bearer token; without one the request is unauthenticated.
    func bearerToken() throws(DomainError) -> String {
        guard let token = RequestScope.current.bearerToken else { throw .unauthenticated("Not authenticated") }
        return token
    }

    /// The verified caller's account, for endpoints outside any tenant.
    func principal() async throws -> Principal {
        try await authentication.authenticatePrincipal(bearerToken: bearerToken())
    }

    /// The caller acting in the request's tenant (`X-Tenant-ID`, or their only tenant).
    func tenantAccess() async throws -> TenantAccess {
        try await tenantAccess(in: RequestScope.current.requestedTenant())
    }

    /// The caller acting in `tenant` (for `/tenants/{id}/...` the path's tenant, whatever the header says);
    /// nil picks the caller's only tenant.
    func tenantAccess(in tenant: TenantID?) async throws -> TenantAccess {
        try await authentication.authenticate(bearerToken: bearerToken(), tenant: tenant).access(in: tenant)
    }

    package func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(APIContract.document))))
    }
}
