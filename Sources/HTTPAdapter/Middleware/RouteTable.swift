import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// The (method, path template) pairs the API registers, kept so that a request for a known path with
/// an unknown method can be answered 405 with an `Allow` header instead of the router's 404.
/// Filled while the router is built, read only when a request finds no route.
final class RouteTable: @unchecked Sendable {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let segments: [Substring]
    }

    private var routes: [Route] = []
    private let lock = NSLock()

    func record(_ method: HTTPRequest.Method, _ path: String) {
        lock.withLock { routes.append(Route(method: method, segments: path.split(separator: "/"))) }
    }

    func allowedMethods(forPath path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var methods: [HTTPRequest.Method] = []
        for route in lock.withLock({ routes }) where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { template, actual in
                template.hasPrefix("{") || template.hasPrefix(":") || template == actual
            }
            if matches, !methods.contains(route.method) { methods.append(route.method) }
        }
        return methods
    }
}

/// A `ServerTransport` that records every registration before handing it to the router, and
/// registers the hand-encoded handler of an operation in place of the generated one.
struct RecordingTransport: ServerTransport {
    let router: Router<AppRequestContext>
    let replacements: [HandEncodedRoute: APIHandlers.RouteHandler]
    let record: @Sendable (HTTPRequest.Method, String) -> Void

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        record(method, path)
        if let replacement = replacements[HandEncodedRoute(method: method, path: path)] {
            // OpenAPI writes path parameters `{name}`, Hummingbird `:name`.
            let hummingbirdPath = path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
                segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
            }.joined(separator: "/")
            router.on(RouterPath(hummingbirdPath), method: method, use: replacement)
        } else {
            try router.register(handler, method: method, path: path)
        }
    }
}
