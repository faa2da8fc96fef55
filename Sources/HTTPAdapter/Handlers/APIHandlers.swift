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
    let invitations: InvitationService
    let apiKeys: APIKeyService
    let vms: VMService
    let templates: TemplateService
    let hosts: HostService
    let quotas: QuotaService
    let audit: AuditTrail
    let events: VMEventService
    /// Used by `IdempotencyMiddleware`, around the handlers rather than in them.
    let idempotency: IdempotencyService

    public init(
        authentication: AuthenticationService, tenants: TenantService, members: MemberService, roles: RoleService,
        profile: ProfileService, invitations: InvitationService, apiKeys: APIKeyService, vms: VMService,
        templates: TemplateService, hosts: HostService, quotas: QuotaService, audit: AuditTrail,
        events: VMEventService, idempotency: IdempotencyService
    ) {
        self.authentication = authentication
        self.tenants = tenants
        self.members = members
        self.roles = roles
        self.profile = profile
        self.invitations = invitations
        self.apiKeys = apiKeys
        self.vms = vms
        self.templates = templates
        self.hosts = hosts
        self.quotas = quotas
        self.audit = audit
        self.events = events
        self.idempotency = idempotency
    }

    /// The credential the request presents.
    enum Credential {
        case bearerToken(String)
        case apiKey(String)
    }

    func presentedCredential() throws(DomainError) -> Credential? {
        try RequestScope.current.presentedCredential()
    }

    func credential() throws(DomainError) -> Credential {
        guard let credential = try presentedCredential() else { throw .unauthenticated("Not authenticated") }
        return credential
    }

    /// The verified caller's account, for endpoints outside any tenant: the one `RequestScopeMiddleware`
    /// verified before the handler ran.
    func principal() async throws -> Principal {
        if let principal = RequestScope.current.principal { return principal }
        return try await principal(presenting: credential())
    }

    func principal(presenting credential: Credential) async throws -> Principal {
        switch credential {
        case .bearerToken(let token): try await authentication.authenticatePrincipal(bearerToken: token)
        case .apiKey(let key): try await apiKeys.authenticatePrincipal(apiKey: key)
        }
    }

    /// The caller acting in the request's tenant (`X-Tenant-ID`, or their only tenant).
    func tenantAccess() async throws -> TenantAccess {
        try await tenantAccess(in: RequestScope.current.requestedTenant())
    }

    /// The caller acting in `tenant` (for `/tenants/{id}/...` the path's tenant, whatever the header says);
    /// nil picks the caller's only tenant.
    func tenantAccess(in tenant: TenantID?) async throws -> TenantAccess {
        let caller =
            switch try credential() {
            case .bearerToken(let token): try await authentication.authenticate(bearerToken: token, tenant: tenant)
            case .apiKey(let key):
                // The middleware verified the key already; only the caller query is left to run.
                if let principal = RequestScope.current.principal {
                    try await apiKeys.caller(of: principal, tenant: tenant)
                } else {
                    try await apiKeys.authenticate(apiKey: key, tenant: tenant)
                }
            }
        return try caller.access(in: tenant)
    }

    package func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(APIContract.document))))
    }
}
