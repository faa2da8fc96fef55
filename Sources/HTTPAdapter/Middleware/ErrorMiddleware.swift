import Hummingbird
import Logging
import OpenAPIRuntime

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
            context.logger.error("Unhandled error", metadata: ["error": "\(Self.loggable(error))"])
            return ErrorResponse(status: .internalServerError, detail: "Internal server error").response()
        }
    }

    /// The error without the request it may carry: the runtime's `ServerError` describes the whole
    /// request, `Authorization` and `X-API-Key` headers included, and logs must not hold credentials.
    static func loggable(_ error: any Error) -> String {
        guard let error = error as? ServerError else { return String(reflecting: error) }
        return "operation \(error.operationID): \(String(reflecting: error.underlyingError))"
    }
}
