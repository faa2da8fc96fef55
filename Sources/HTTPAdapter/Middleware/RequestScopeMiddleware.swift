import Hummingbird

/// Publishes the request's credentials and tenant header to the OpenAPI handlers (see `RequestScope`).
/// It also reads the whole body up front, so an oversized body is refused with 413 before decoding.
struct RequestScopeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        _ = try await request.collectBody(upTo: context.maxUploadSize)
        let scope = RequestScope(headers: request.headers, clientAddress: context.remoteAddress?.ipAddress)
        return try await RequestScope.$current.withValue(scope) {
            try await next(request, context)
        }
    }
}
