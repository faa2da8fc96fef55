import Core
import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// How a vCenter endpoint's certificate is trusted: the system's roots by default, the host's own
/// `ca_pem`, a pinned SHA-256 fingerprint, or (explicitly, and logged) nothing at all.
enum EndpointTrust: Sendable, Equatable {
    case systemRoots
    case certificates(pem: String)
    case pinned(thumbprint: String)
    case insecure

    init(_ settings: VCenterHostSettings) {
        if settings.insecure {
            self = .insecure
        } else if let thumbprint = settings.thumbprint {
            self = .pinned(thumbprint: thumbprint)
        } else if let pem = settings.caPEM {
            self = .certificates(pem: pem)
        } else {
            self = .systemRoots
        }
    }

    /// The TLS configuration for `url`. A pin fetches the endpoint's certificate once, checks its
    /// fingerprint, and makes that certificate the only trust root, so that every later connection is
    /// verified against it by TLS itself (not by a check beside it). Hostname verification is off
    /// then: the pin names the certificate, whatever names it carries. TLS accepts a lone trust root
    /// only when it is self-signed; a CA-signed endpoint is trusted through `ca_pem` instead.
    func configuration(for url: URL) async throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch self {
        case .systemRoots:
            break
        case .certificates(let pem):
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
            } catch {
                throw VimError.untrusted("ca_pem holds no certificate TLS can read: \(error)")
            }
        case .pinned(let thumbprint):
            let certificate = try await Self.presentedCertificate(of: url)
            let presented = try Self.thumbprint(of: certificate)
            guard presented == thumbprint else {
                throw VimError.untrusted("its certificate's SHA-256 fingerprint is \(presented), not the pinned \(thumbprint): refused")
            }
            tls.trustRoots = .certificates([certificate])
            tls.certificateVerification = .noHostnameVerification
        case .insecure:
            tls.certificateVerification = .none
        }
        return tls
    }

    static func thumbprint(of certificate: NIOSSLCertificate) throws -> String {
        do {
            return SHA256.hash(data: try certificate.toDERBytes()).map { String(format: "%02X", $0) }.joined(separator: ":")
        } catch {
            throw VimError.untrusted("its certificate cannot be read: \(error)")
        }
    }

    /// The certificate the endpoint presents, from a TLS handshake that verifies nothing and sends nothing.
    static func presentedCertificate(of url: URL) async throws -> NIOSSLCertificate {
        guard let host = url.host else { throw VimError.malformed("\(url) has no host") }
        let port = url.port ?? 443
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            let context = try NIOSSLContext(configuration: configuration)
            let serverName = host.first?.isNumber == true || host.contains(":") ? nil : host
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWatcher())
                        return channel
                    }
                }
            defer { channel.close(promise: nil) }
            let watcher = try await channel.pipeline.handler(type: HandshakeWatcher.self).get()
            try await watcher.completed.futureResult.get()
            guard let certificate = try await channel.nioSSL_peerCertificate().get() else {
                throw VimError.untrusted("it presented no certificate")
            }
            return certificate
        } catch let error as VimError {
            throw error
        } catch {
            throw VimError.transport("TLS handshake with \(host):\(port) failed: \(error)")
        }
    }

    /// Fulfils `completed` when the TLS handshake is done (or the connection fails first).
    private final class HandshakeWatcher: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var completed: EventLoopPromise<Void>!
        /// A promise is completed once; later events find it settled.
        private var settled = false

        func handlerAdded(context: ChannelHandlerContext) {
            completed = context.eventLoop.makePromise()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? TLSUserEvent, case .handshakeCompleted = event { settle(.success(())) }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            settle(.failure(error))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            settle(.failure(ChannelError.eof))
            context.fireChannelInactive()
        }

        private func settle(_ result: Result<Void, any Error>) {
            guard !settled else { return }
            settled = true
            completed.completeWith(result)
        }
    }
}
