import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// An operation as the router registers it: method and path template (`/api/v1/users/{user_id}`).
struct OperationRoute: Hashable, Sendable {
    let method: HTTPRequest.Method
    let path: String
}

/// The operations that answer without credentials (`security: []` in openapi.yaml, and `/health`).
/// Every other operation is authenticated by `RequestScopeMiddleware` before anything reads its input.
/// `OpenAPIOperationTests` checks this set against the document.
let publicOperations: Set<OperationRoute> = [
    OperationRoute(method: .get, path: "/health"),
    OperationRoute(method: .post, path: "/api/v1/auth/token"),
    OperationRoute(method: .post, path: "/api/v1/invitations/accept"),
    OperationRoute(method: .get, path: "/api/v1/openapi.yaml"),
]

/// The operations whose request body takes `null` as a value (a quota limit's "unlimited"), with the
/// keys their body must hold: the generated decoders read a missing key as `null`, which would turn a
/// forgotten key into "unlimited". The null members of every other body are refused (see
/// `DuplicateKeyScanner`).
let nullableRequestOperations: [OperationRoute: Set<String>] = [
    OperationRoute(method: .put, path: "/api/v1/tenants/{tenant_id}/quota"): ["vms", "vcpus", "memory_gb", "disk_gb"]
]

/// The (method, path template) pairs the API registers. They answer two questions before the router
/// has matched a request: which requests need credentials (every route outside `publicOperations`),
/// and which methods a known path allows (for a 405 with `Allow` instead of the router's 404).
/// Filled while the router is built, read on every request.
final class RouteTable: @unchecked Sendable {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let segments: [Substring]
        let requiresAuthentication: Bool
        /// The keys a body with `null` members must hold; nil where `null` members are refused.
        let requiredKeys: Set<String>?
    }

    private var routes: [Route] = []
    private let lock = NSLock()

    /// `isPublic`: answers without credentials although it is no operation of `publicOperations` (the
    /// web console's files).
    func record(_ method: HTTPRequest.Method, _ path: String, isPublic: Bool = false) {
        let operation = OperationRoute(method: method, path: path)
        let route = Route(
            method: method, segments: path.split(separator: "/"), requiresAuthentication: !isPublic && !publicOperations.contains(operation),
            requiredKeys: nullableRequestOperations[operation]
        )
        lock.withLock { routes.append(route) }
    }

    /// Whether the request names a registered operation that needs credentials. A request that names
    /// no operation is left to the router (404 or 405).
    func requiresAuthentication(_ method: HTTPRequest.Method, path: String) -> Bool {
        routes(forPath: path).contains { $0.method == method && $0.requiresAuthentication }
    }

    /// The keys the body must hold when the request names an operation whose body may hold `null`
    /// members; nil for every other request.
    func nullableBodyKeys(_ method: HTTPRequest.Method, path: String) -> Set<String>? {
        routes(forPath: path).first { $0.method == method && $0.requiredKeys != nil }?.requiredKeys
    }

    func allowedMethods(forPath path: String) -> [HTTPRequest.Method] {
        var methods: [HTTPRequest.Method] = []
        for route in routes(forPath: path) where !methods.contains(route.method) { methods.append(route.method) }
        return methods
    }

    /// The routes of the template the router picks for `path`: where templates overlap
    /// (`/invitations/accept` and `/invitations/{invitation_id}`), a literal segment wins over a
    /// parameter, as in Hummingbird's trie.
    private func routes(forPath path: String) -> [Route] {
        let segments = path.split(separator: "/")
        var best: [Route] = []
        var bestLiterals: [Bool] = []
        for route in lock.withLock({ routes }) where Self.matches(route, segments) {
            let literals = route.segments.map { !($0.hasPrefix("{") || $0.hasPrefix(":")) }
            if best.isEmpty || literals.lexicographicallyPrecedes(bestLiterals, by: { $0 && !$1 }) {
                best = [route]
                bestLiterals = literals
            } else if literals == bestLiterals {
                best.append(route)
            }
        }
        return best
    }

    private static func matches(_ route: Route, _ segments: [Substring]) -> Bool {
        route.segments.count == segments.count
            && zip(route.segments, segments).allSatisfy { template, actual in
                template.hasPrefix("{") || template.hasPrefix(":") || template == actual
            }
    }
}

/// Raised while the router is built when a route meant to replace or mark an operation of
/// openapi.yaml names none: the document changed and the code did not follow.
struct UnknownOperationError: Error, CustomStringConvertible {
    let route: OperationRoute
    let role: String
    var description: String { "\(role) \(route.method) \(route.path) matches no operation of openapi.yaml" }
}

/// A `ServerTransport` that records every registration before handing it to the router, and
/// registers the hand-encoded handler of an operation in place of the generated one.
final class RecordingTransport: ServerTransport, @unchecked Sendable {
    let router: Router<AppRequestContext>
    let replacements: [OperationRoute: APIHandlers.RouteHandler]
    let record: @Sendable (HTTPRequest.Method, String) -> Void
    private(set) var registered: Set<OperationRoute> = []

    init(
        router: Router<AppRequestContext>, replacements: [OperationRoute: APIHandlers.RouteHandler],
        record: @escaping @Sendable (HTTPRequest.Method, String) -> Void
    ) {
        self.router = router
        self.replacements = replacements
        self.record = record
    }

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        record(method, path)
        registered.insert(OperationRoute(method: method, path: path))
        // OpenAPI writes path parameters `{name}`, Hummingbird `:name`.
        let hummingbirdPath = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/")
        let route = replacements[OperationRoute(method: method, path: path)] ?? OpenAPIBridge.route(handler)
        router.on(RouterPath(hummingbirdPath), method: method, use: route)
    }

    /// Fails when a replacement was never used: its operation is gone from (or moved in) the document,
    /// and the hand-written handler would silently serve nothing.
    func requireReplacementsUsed() throws {
        for route in replacements.keys where !registered.contains(route) {
            throw UnknownOperationError(route: route, role: "The hand-encoded route")
        }
    }
}
