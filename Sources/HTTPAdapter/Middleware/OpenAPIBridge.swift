import HTTPTypes
import Hummingbird
import OpenAPIRuntime

/// Serves a handler generated from openapi.yaml as a Hummingbird route: what swift-openapi-hummingbird
/// does, except for the response body. Every JSON body the runtime encodes has a known length and is
/// in memory already; it goes out as one buffer instead of through an async writer that yields it
/// chunk by chunk to the channel, which cost a list response more CPU than its database query.
/// Bodies of unknown length still stream.
enum OpenAPIBridge {
    typealias OperationHandler = @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)

    static func route(_ handler: @escaping OperationHandler) -> @Sendable (Request, AppRequestContext) async throws -> Response {
        { request, context in
            let (response, body) = try await handler(request.head, requestBody(of: request), metadata(of: context))
            return try await Response(status: response.status, headers: response.headerFields, body: responseBody(body))
        }
    }

    static func requestBody(of request: Request) -> HTTPBody {
        let length: HTTPBody.Length =
            if let header = request.headers[.contentLength], let contentLength = Int64(header) { .known(contentLength) } else { .unknown }
        return HTTPBody(request.body.map { [UInt8](buffer: $0) }, length: length, iterationBehavior: .single)
    }

    static func metadata(of context: AppRequestContext) -> ServerRequestMetadata {
        let parameters = context.parameters.map { (key: String($0.0), value: $0.1) }
        return ServerRequestMetadata(pathParameters: [String: Substring](parameters) { first, _ in first })
    }

    static func responseBody(_ body: HTTPBody?) async throws -> ResponseBody {
        guard let body else { return ResponseBody() }
        guard case .known(let length) = body.length else {
            return ResponseBody(asyncSequence: body.map { ByteBuffer(bytes: $0) })
        }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Int(length))
        for try await chunk in body { buffer.writeBytes(chunk) }
        return ResponseBody(byteBuffer: buffer)
    }
}
