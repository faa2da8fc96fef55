import Core
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// The one place where errors become HTTP responses: a status, `{"detail": "…"}`, and the headers
/// some statuses need (`WWW-Authenticate` on 401, `Retry-After` on 429).
struct ErrorResponse: Sendable {
    var status: HTTPResponse.Status
    var detail: String
    var headers: HTTPFields = [:]

    /// Classifies anything a handler, the OpenAPI runtime or the router may throw.
    /// Returns nil for errors we do not recognise: those are our bugs, reported as 500.
    init?(_ error: any Error) {
        switch error {
        case let error as DomainError:
            self.init(domain: error)
        case let error as ServerError:
            if let inner = ErrorResponse(error.underlyingError) {
                self = inner
            } else if let convertible = error.underlyingError as? any HTTPResponseConvertible,
                convertible.httpStatus.kind == .clientError
            {
                self.init(status: convertible.httpStatus, detail: error.causeDescription)
            } else if error.operationInput == nil {
                // It failed before the handler had its input: the request itself could not be read
                // (a query pair without `=`, for one).
                self.init(status: .badRequest, detail: "The request's query string or headers could not be read")
            } else {
                return nil
            }
        case let error as DecodingError:
            self.init(decoding: error)
        case let error as any HTTPResponseError:
            let detail = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            self.init(status: error.status, detail: detail.isEmpty ? error.status.reasonPhrase : detail)
        default:
            return nil
        }
    }

    init(status: HTTPResponse.Status, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.headers = headers
    }

    init(domain error: DomainError) {
        switch error.code {
        case .malformed: self.init(status: .badRequest, detail: error.message)
        case .unauthenticated: self.init(status: .unauthorized, detail: error.message, headers: [.wwwAuthenticate: "Bearer"])
        case .forbidden: self.init(status: .forbidden, detail: error.message)
        case .notFound: self.init(status: .notFound, detail: error.message)
        case .conflict: self.init(status: .conflict, detail: error.message)
        case .gone: self.init(status: .gone, detail: error.message)
        case .invalid: self.init(status: .unprocessableContent, detail: error.message)
        case .rateLimited:
            self.init(
                status: .tooManyRequests, detail: error.message,
                headers: [.retryAfter: String(max(1, error.retryAfterSeconds ?? 1))]
            )
        case .unavailable: self.init(status: .serviceUnavailable, detail: error.message)
        default: self.init(status: .internalServerError, detail: "Internal server error")
        }
    }

    /// A body that is not JSON at all is malformed (400); JSON with a missing or mistyped field is invalid (422).
    init(decoding error: DecodingError) {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self.init(status: .badRequest, detail: "Request body is not valid JSON")
        case .dataCorrupted(let context):
            self.init(status: .unprocessableContent, detail: "Invalid value at \(context.codingPath.dotted): \(context.debugDescription)")
        case .keyNotFound(let key, let context):
            self.init(status: .unprocessableContent, detail: "Missing field '\((context.codingPath + [key]).dotted)'")
        case .typeMismatch(let type, let context) where context.codingPath.isEmpty:
            // The runtime decodes each query parameter and header on its own, with no path to name it.
            self.init(status: .unprocessableContent, detail: "A parameter or the body must be of type \(Self.jsonTypeName(type))")
        case .typeMismatch(let type, let context):
            self.init(status: .unprocessableContent, detail: "Field '\(context.codingPath.dotted)' must be of type \(Self.jsonTypeName(type))")
        case .valueNotFound(_, let context):
            self.init(status: .unprocessableContent, detail: "Field '\(context.codingPath.dotted)' must not be null")
        @unknown default:
            self.init(status: .badRequest, detail: "Request body could not be decoded")
        }
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Bool.Type: "boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "integer"
        case is Double.Type, is Float.Type: "number"
        default: "\(type)".contains("Array") ? "array" : "object"
        }
    }

    func response() -> Response {
        jsonResponse(status: status, ["detail": detail], headers: headers)
    }
}

/// A small JSON object response, for the few answers that do not come from the OpenAPI handlers.
func jsonResponse(status: HTTPResponse.Status, _ object: [String: String], headers: HTTPFields = [:]) -> Response {
    var headers = headers
    headers[.contentType] = "application/json"
    let body = (try? JSONEncoder().encode(object)) ?? Data(#"{"detail":"error"}"#.utf8)
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

extension [any CodingKey] {
    var dotted: String {
        map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
