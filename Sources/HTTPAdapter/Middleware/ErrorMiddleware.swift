import Hummingbird
import Logging

/// Outermost API middleware: whatever goes wrong below becomes `{"detail": …}` with the right status.
/// Unrecognised errors are logged with the request id and answered 500 without internals.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            if var mapped = ErrorResponse(error) {
                // The router answers 404 for a known path with another method; the contract wants 405.
                let routeNotFound = mapped.status == .notFound && (error as? HTTPError)?.status == .notFound
                let allowed = routeNotFound ? routes.allowedMethods(forPath: request.uri.path) : []
                if !allowed.isEmpty {
                    mapped = ErrorResponse(
                        status: .methodNotAllowed, detail: "Method \(request.method) not allowed",
                        headers: [.allow: allowed.map(\.rawValue).sorted().joined(separator: ", ")]
                    )
                } else if routeNotFound {
                    mapped.detail = "Not found"
                }
                return mapped.response()
            }
            context.logger.error("Unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return ErrorResponse(status: .internalServerError, detail: "Internal server error").response()
        }
    }
}
