import Foundation
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

    init(headers: HTTPFields, clientAddress: String?) {
        self.bearerToken = headers[.authorization].flatMap(Self.bearerToken(fromAuthorization:))
        self.apiKey = headers[.xAPIKey]
        self.tenantHeader = headers[.xTenantID]
        self.clientAddress = clientAddress
    }

    static func bearerToken(fromAuthorization value: String) -> String? {
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The tenant named by `X-Tenant-ID`, or nil when the header is absent.
    func requestedTenant() throws(DomainError) -> TenantID? {
        guard let tenantHeader else { return nil }
        guard let id = TenantID(tenantHeader.trimmingCharacters(in: .whitespaces)) else {
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
