import Core
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Safe retries: an authenticated `POST` with an `Idempotency-Key` header runs through
/// `IdempotencyService`, which does its work once per key and caller and gives repeats the first
/// answer (with `Idempotency-Replayed: true`). Runs after `RequestScopeMiddleware`, which has
/// authenticated the caller and read the body; errors are turned into their answers here, so that a
/// refusal is kept and given again like any other answer.
///
/// Public operations (login, accepting an invitation) have no caller to tie a key to: they ignore the header.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static let keyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotency-Replayed")!
    static let tenantHeader = HTTPField.Name("X-Tenant-ID")!

    /// Operations whose answer shows a secret once (an API key, an invitation's token): the secret is
    /// not kept, so a repeat is told the work was done rather than shown the secret again.
    static let secretAnswers: Set<String> = ["/api/v1/api-keys", "/api/v1/invitations"]

    let service: IdempotencyService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[Self.keyHeader], let principal = RequestScope.current.principal else {
            return try await next(request, context)
        }
        var request = request
        // `RequestScopeMiddleware` collected the body already: this reads the buffer it left.
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let idempotent = try service.request(
            by: principal, key: key, method: request.method.rawValue, target: request.uri.description,
            tenant: request.headers[Self.tenantHeader], body: Self.canonical(body, contentType: request.headers[.contentType])
        )
        let showsSecret = Self.secretAnswers.contains(request.uri.path)
        let outcome = try await service.perform(idempotent, kept: showsSecret ? Self.withoutSecret : { $0 }) {
            let response: Response
            do {
                response = try await next(request, context)
            } catch {
                // Unrecognised errors stay errors: the key is given back and `ErrorMiddleware` answers 500.
                guard let mapped = ErrorResponse(error) else { throw error }
                response = mapped.response()
            }
            return try await Self.record(response)
        }
        var response = Self.response(outcome.answer)
        if outcome.replayed { response.headers[Self.replayedHeader] = "true" }
        return response
    }

    /// The body as the fingerprint sees it: a JSON body with its keys sorted and no spacing, so that a
    /// client that serialises the same object again (in another key order) repeats its request; any
    /// other body byte for byte.
    static func canonical(_ body: ByteBuffer, contentType: String?) -> [UInt8] {
        let bytes = Array(body.readableBytesView)
        guard RequestScopeMiddleware.isJSON(contentType),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
            let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        else { return bytes }
        return Array(sorted)
    }

    /// What is kept of an answer that showed a secret: that the work was done, and where its result is.
    static func withoutSecret(_ answer: RecordedAnswer) -> RecordedAnswer {
        guard (200..<300).contains(answer.status) else { return answer }
        let body = #"{"detail":"The request with this Idempotency-Key was done already; its answer held a secret, which is shown only once"}"#
        return RecordedAnswer(status: 409, contentType: "application/json", location: answer.location, body: Array(body.utf8))
    }

    static func record(_ response: Response) async throws -> RecordedAnswer {
        let collector = CollectingWriter()
        try await response.body.write(collector)
        return RecordedAnswer(
            status: response.status.code, contentType: response.headers[.contentType], location: response.headers[.location],
            body: Array(collector.sink.buffer.readableBytesView)
        )
    }

    static func response(_ answer: RecordedAnswer) -> Response {
        var headers = HTTPFields()
        if let contentType = answer.contentType { headers[.contentType] = contentType }
        if let location = answer.location { headers[.location] = location }
        let body = answer.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: body)
    }
}

/// Collects a response body in memory: the API's answers are small JSON documents.
private struct CollectingWriter: ResponseBodyWriter {
    final class Sink: @unchecked Sendable {
        var buffer = ByteBuffer()
    }

    let sink = Sink()

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        sink.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
