import APIContract
import Core
import Foundation
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// Settings of the HTTP edge that do not belong to the core.
public struct HTTPSettings: Sendable {
    public var corsAllowedOrigins: Set<String>
    /// Whether the operations in `APIHandlers.handEncodedRoutes` are served by their hand-written
    /// handlers. Always on in the service; tests turn it off to compare them with the generated ones.
    public var handEncodedRoutes: Bool

    public init(corsAllowedOrigins: Set<String>, handEncodedRoutes: Bool = true) {
        self.corsAllowedOrigins = corsAllowedOrigins
        self.handEncodedRoutes = handEncodedRoutes
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
    let transport = RecordingTransport(router: router, replacements: settings.handEncodedRoutes ? handlers.handEncodedRoutes : [:]) {
        method, path in routes.record(method, path)
    }
    // Compact JSON: the runtime's default pretty-prints and sorts keys, which costs every response
    // time and bytes that no client needs.
    let configuration = Configuration(dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [])
    try handlers.registerHandlers(on: transport, serverURL: URL(string: APIContract.basePath)!, configuration: configuration)
    return router
}

