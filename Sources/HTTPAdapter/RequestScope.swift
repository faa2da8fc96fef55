import Core
import HTTPTypes

/// What the edge knows about the request, made available to the generated OpenAPI handlers
/// (which only see their typed input) through a task-local set by `RequestScopeMiddleware`.
struct RequestScope: Sendable {
    @TaskLocal static var current = RequestScope(headers: [:], clientAddress: nil)

    let bearerToken: String?
    let apiKey: String?
    let tenantHeader: String?
    let clientAddress: String?
    /// The verified caller, set by `RequestScopeMiddleware` for every operation that needs credentials
    /// (before the request's input is decoded); nil on public operations.
    var principal: Principal?

    init(headers: HTTPFields, clientAddress: String?) {
        self.bearerToken = headers[.authorization].flatMap(Self.bearerToken(fromAuthorization:))
        self.apiKey = headers[.xAPIKey]
        self.tenantHeader = headers[.xTenantID]
        self.clientAddress = clientAddress
    }

    /// The token of `Bearer <token>` (scheme case-insensitive), or nil. Parsed by hand rather than
    /// with Foundation's trimming, which showed up in profiles: this runs on every request.
    static func bearerToken(fromAuthorization value: String) -> String? {
        let header = value.trimmingBlanks()
        guard let gap = header.firstIndex(where: \.isBlank), header[..<gap].lowercased() == "bearer" else { return nil }
        let token = header[gap...].trimmingBlanks()
        return token.isEmpty ? nil : String(token)
    }

    /// The request's bearer token or API key; nil when it has neither. Both at once is refused rather
    /// than guessing which one the client meant to act with.
    func presentedCredential() throws(DomainError) -> APIHandlers.Credential? {
        switch (bearerToken, apiKey) {
        case (let token?, nil): return .bearerToken(token)
        case (nil, let key?): return .apiKey(key)
        case (nil, nil): return nil
        case (_?, _?): throw .malformed("Send either an Authorization bearer token or an X-API-Key, not both")
        }
    }

    /// The tenant named by `X-Tenant-ID`, or nil when the header is absent.
    func requestedTenant() throws(DomainError) -> TenantID? {
        guard let tenantHeader else { return nil }
        guard let id = TenantID(String(tenantHeader.trimmingBlanks())) else {
            throw .malformed("X-Tenant-ID must be a tenant UUID")
        }
        return id
    }
}

extension HTTPField.Name {
    static let xTenantID = Self("X-Tenant-ID")!
    static let xAPIKey = Self("X-API-Key")!
    static let xRequestID = Self("X-Request-ID")!
}

extension Character {
    /// Space or tab: the only whitespace HTTP allows around header values and between their parts.
    fileprivate var isBlank: Bool { self == " " || self == "\t" }
}

extension StringProtocol {
    fileprivate func trimmingBlanks() -> SubSequence {
        guard let first = firstIndex(where: { !$0.isBlank }), let last = lastIndex(where: { !$0.isBlank }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
