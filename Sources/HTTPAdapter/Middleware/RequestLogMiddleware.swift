import Core
import Foundation
import Hummingbird
import Logging

/// Gives every response an `X-Request-ID` (the client's, when it sent a sane one) and writes one
/// structured log line per request: method, path, status, duration, request id. The request id and
/// the client's address are the request's `RequestOrigin`, which audit events record.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = request.headers[.xRequestID].flatMap(Self.acceptable) ?? context.id
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestID)
        var response: Response
        let origin = RequestOrigin(requestID: requestID, clientAddress: context.remoteAddress?.ipAddress)
        do {
            response = try await RequestOrigin.$current.withValue(origin) { try await next(request, context) }
        } catch {
            // Only reached for errors that escaped the error middleware (e.g. routing outside the API).
            response = ErrorResponse(error)?.response()
                ?? ErrorResponse(status: .internalServerError, detail: "Internal server error").response()
        }
        response.headers[.xRequestID] = requestID
        let elapsed = started.duration(to: .now)
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue),
                "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.2f", elapsed / .milliseconds(1))),
            ]
        )
        return response
    }

    /// Client-supplied ids are echoed only when short and printable, so they cannot forge log lines.
    static func acceptable(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= 128,
            value.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F })
        else { return nil }
        return value
    }
}
