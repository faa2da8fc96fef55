import Hummingbird
import NIOCore

/// Hummingbird's request context plus the client's address (used for login throttling).
public struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Request bodies larger than this are refused with 413 before any handler sees them.
    public var maxUploadSize: Int { 1024 * 1024 }
}
