import APIContract
import Core
import Foundation
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// Settings of the HTTP edge that do not belong to the core.
public struct HTTPSettings: Sendable {
    public var corsAllowedOrigins: Set<String>

    public init(corsAllowedOrigins: Set<String>) {
        self.corsAllowedOrigins = corsAllowedOrigins
    }
}

/// Builds the router: `/health` outside the API, everything else under `/api/v1` from the OpenAPI
/// document, wrapped in request logging, CORS and the error mapping.
public func buildRouter(
    handlers: APIHandlers,
    settings: HTTPSettings,
    health: @escaping @Sendable () async -> Bool
) throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: CORSPolicyMiddleware(allowedOrigins: settings.corsAllowedOrigins))
    router.add(middleware: ErrorMiddleware(routes: routes))
    router.add(middleware: RequestScopeMiddleware())

    router.get("/health") { _, _ -> Response in
        let healthy = await health()
        return jsonResponse(status: healthy ? .ok : .serviceUnavailable, ["status": healthy ? "ok" : "unavailable"])
    }
    routes.record(.get, "/health")
    let transport = RecordingTransport(router: router) { method, path in routes.record(method, path) }
    try handlers.registerHandlers(
        on: transport, serverURL: URL(string: APIContract.basePath)!, configuration: .init(dateTranscoder: RFC3339DateTranscoder())
    )
    return router
}

