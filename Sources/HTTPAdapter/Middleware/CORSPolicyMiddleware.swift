import HTTPTypes
import Hummingbird

/// CORS for an explicit list of browser origins (the frontend is served elsewhere). Requests from
/// other origins get no CORS headers, so browsers refuse them; preflights are answered here.
struct CORSPolicyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let allowedOrigins: Set<String>

    static let allowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowedHeaders = "Authorization, Content-Type, X-Tenant-ID, X-API-Key, X-Request-ID, Idempotency-Key"
    static let exposedHeaders = "X-Request-ID, Retry-After, WWW-Authenticate, Idempotency-Replayed"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowedOrigins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = Self.allowedMethods
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlMaxAge] = "600"
            addOriginHeaders(to: &response, origin: origin)
            return response
        }
        var response = try await next(request, context)
        addOriginHeaders(to: &response, origin: origin)
        return response
    }

    func addOriginHeaders(to response: inout Response, origin: String) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        response.headers[.vary] = "Origin"
    }
}
