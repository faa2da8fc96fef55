import HTTPTypes
import Hummingbird

/// Headers every response carries, error responses included:
/// - `X-Content-Type-Options: nosniff`, so a browser never runs a JSON answer as something else;
/// - `Cache-Control: no-store`: API answers are personal (tokens, API keys, invitation links, members)
///   and none is meant to be kept by a browser or a shared cache.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}
