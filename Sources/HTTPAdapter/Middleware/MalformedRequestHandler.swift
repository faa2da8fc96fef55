import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request that the HTTP/1.1 parser refuses (a header over 80 KiB, a malformed request
/// line) with 400 and a `{"detail": …}` like every other error, then closes the connection.
/// Without it Hummingbird answers such requests with an empty 400.
///
/// A channel handler, because the router never sees these requests. It only answers when no earlier
/// request on the connection is still being answered; otherwise it leaves the error to Hummingbird,
/// so that two responses never interleave.
public final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private var unansweredRequests = 0

    public init() {}

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { unansweredRequests += 1 }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { unansweredRequests -= 1 }
        context.write(data, promise: promise)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, unansweredRequests == 0 else {
            context.fireErrorCaught(error)
            return
        }
        let detail =
            switch parserError {
            case .headerOverflow: "The request's headers are too large (at most 80 KiB)"
            default: "The request is not valid HTTP/1.1"
            }
        let body = ByteBuffer(string: #"{"detail":"\#(detail)"}"#)
        let head = HTTPResponse(
            status: .badRequest,
            headerFields: [
                .contentType: "application/json", .contentLength: String(body.readableBytes), .connection: "close",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ]
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
