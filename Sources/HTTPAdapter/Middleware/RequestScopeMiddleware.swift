import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Publishes the request's credentials and tenant header to the OpenAPI handlers (see `RequestScope`),
/// in this order:
/// 1. authenticates every operation that needs credentials (`RouteTable`), before anything reads the
///    request's body, query or path: a stranger gets 401 whatever else the request holds, and learns
///    nothing of the schema;
/// 2. reads the whole body, so an oversized one is refused with 413 before decoding;
/// 3. refuses a JSON body with a repeated key (400), which the decoder would silently resolve, or with
///    a `null` member (422), which the generated decoders would read as an absent field (except where
///    the operation takes `null` as a value, `nullableRequestOperations`).
struct RequestScopeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    typealias Authenticator = @Sendable (APIHandlers.Credential) async throws -> Principal

    let routes: RouteTable
    let bodyTimeout: Duration
    let authenticate: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var scope = RequestScope(headers: request.headers, clientAddress: context.remoteAddress?.ipAddress)
        if routes.requiresAuthentication(request.method, path: request.uri.path) {
            guard let credential = try scope.presentedCredential() else { throw DomainError.unauthenticated("Not authenticated") }
            scope.principal = try await authenticate(credential)
        }
        var request = request
        let body: ByteBuffer
        if Self.hasBody(request) {
            body = try await collectBody(of: &request, context: context)
        } else {
            body = try await request.collectBody(upTo: context.maxUploadSize)
        }
        if body.readableBytes > 0, Self.isJSON(request.headers[.contentType]) {
            let nullableKeys = routes.nullableBodyKeys(request.method, path: request.uri.path)
            switch DuplicateKeyScanner.firstFinding(in: body.readableBytesView, reportingNullMembers: nullableKeys == nil) {
            case .duplicateKey(let key)?: throw DomainError.malformed("The JSON body repeats the key '\(key)'")
            case .nullMember(let key)?: throw DomainError.invalid("Field '\(key)' must not be null")
            case nil: break
            }
            if let nullableKeys { try Self.requireKeys(nullableKeys, in: body) }
        }
        return try await RequestScope.$current.withValue(scope) {
            try await next(request, context)
        }
    }

    /// `422` when the body is a JSON object without one of `keys`. What is not an object is left to
    /// the decoder (400).
    static func requireKeys(_ keys: Set<String>, in body: ByteBuffer) throws(DomainError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else { return }
        if let missing = keys.subtracting(object.keys).sorted().first {
            throw .invalid("Field '\(missing)' is required (null where it may be unset)")
        }
    }

    /// Whether the client announced a body (`Content-Length` above 0, or a chunked one).
    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] { return length != "0" }
        return request.headers[.transferEncoding] != nil
    }

    /// The whole body, or 408 when it has not arrived within `bodyTimeout`: a client trickling bytes
    /// keeps the connection from going idle, so the idle timeout alone would not end it.
    func collectBody(of request: inout Request, context: Context) async throws -> ByteBuffer {
        let pending = request
        let timeout = bodyTimeout
        let collected = try await withThrowingTaskGroup(of: Request?.self) { group in
            group.addTask {
                var request = pending
                _ = try await request.collectBody(upTo: context.maxUploadSize)
                return request
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let collected else {
            throw HTTPError(.requestTimeout, message: "The request body did not arrive within \(timeout.components.seconds) s")
        }
        request = collected
        return try await request.collectBody(upTo: context.maxUploadSize)
    }

    /// `application/json` or any `+json` type, parameters ignored.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces).lowercased()
        return type == "application/json" || type.hasSuffix("+json")
    }
}
