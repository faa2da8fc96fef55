import APIContract
import Core
import Foundation
import Hummingbird
import OpenAPIRuntime

/// Settings of the HTTP edge that do not belong to the core.
public struct HTTPSettings: Sendable {
    public var corsAllowedOrigins: Set<String>
    /// Whether the operations in `APIHandlers.handEncodedRoutes` are served by their hand-written
    /// handlers. Always on in the service; tests turn it off to compare them with the generated ones.
    public var handEncodedRoutes: Bool
    /// How long a request's body may take to arrive in full (408 after that).
    public var bodyTimeout: Duration
    /// The web console served at `/`; nil serves none.
    public var console: ConsoleAssets?

    public init(corsAllowedOrigins: Set<String>, handEncodedRoutes: Bool = true, bodyTimeout: Duration = .seconds(30), console: ConsoleAssets? = nil) {
        self.corsAllowedOrigins = corsAllowedOrigins
        self.handEncodedRoutes = handEncodedRoutes
        self.bodyTimeout = bodyTimeout
        self.console = console
    }
}

/// Builds the router: `/health` and the web console outside the API, everything else under `/api/v1`
/// from the OpenAPI document, wrapped in request logging, CORS and the error mapping.
public func buildRouter(
    handlers: APIHandlers,
    settings: HTTPSettings,
    health: @escaping @Sendable () async -> Bool
) throws -> Router<AppRequestContext> {
    try buildRouter(
        handlers: handlers, settings: settings, health: health,
        replacements: settings.handEncodedRoutes ? handlers.handEncodedRoutes : [:]
    )
}

/// `replacements`: the operations served by a hand-written handler instead of the generated one.
func buildRouter(
    handlers: APIHandlers,
    settings: HTTPSettings,
    health: @escaping @Sendable () async -> Bool,
    replacements: [OperationRoute: APIHandlers.RouteHandler]
) throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let routes = RouteTable()
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: CORSPolicyMiddleware(allowedOrigins: settings.corsAllowedOrigins))
    router.add(middleware: ErrorMiddleware(routes: routes))
    router.add(middleware: RequestScopeMiddleware(routes: routes, bodyTimeout: settings.bodyTimeout) { credential in try await handlers.principal(presenting: credential) })
    router.add(middleware: IdempotencyMiddleware(service: handlers.idempotency))

    router.get("/health") { _, _ -> Response in
        let healthy = await health()
        return jsonResponse(status: healthy ? .ok : .serviceUnavailable, ["status": healthy ? "ok" : "unavailable"])
    }
    routes.record(.get, "/health")
    if let console = settings.console { addConsoleRoutes(console, to: router, routes: routes) }
    let transport = RecordingTransport(router: router, replacements: replacements) {
        method, path in routes.record(method, path)
    }
    // Compact JSON: the runtime's default pretty-prints and sorts keys, which costs every response
    // time and bytes that no client needs.
    let configuration = Configuration(dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [])
    try handlers.registerHandlers(on: transport, serverURL: URL(string: APIContract.basePath)!, configuration: configuration)
    // A hand-written handler or a public operation that names no operation of the document means the
    // document changed under the code: refuse to start rather than serve the wrong thing.
    try transport.requireReplacementsUsed()
    for route in publicOperations where route.path != "/health" && !transport.registered.contains(route) {
        throw UnknownOperationError(route: route, role: "The public operation")
    }
    return router
}

