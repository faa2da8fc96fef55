import Foundation
import NIOSSL
import PostgresKit

/// How a PostgreSQL connection is secured: the URL's `sslmode` and `sslrootcert`, as libpq names them.
///
/// - `disable` (the default): no TLS, for loopback and trusted networks.
/// - `require`: encrypted, but the server's certificate is not checked (protects against eavesdropping,
///   not against someone in the middle).
/// - `verify-full`: encrypted, the certificate chain checked against `sslrootcert` (a PEM file of CA
///   certificates; the system's roots without it) and the certificate must name the host.
struct PostgresTLS: Equatable, Sendable {
    enum Mode: String, CaseIterable, Sendable {
        case disable
        case require
        case verifyFull = "verify-full"
    }

    let mode: Mode
    let rootCertificateFile: String?

    /// Reads the settings from `url`'s query; anything else in the query is refused, so a mistyped
    /// setting cannot silently leave the connection unencrypted.
    init(url: String) throws(DatabaseLocation.InvalidURL) {
        let items = URLComponents(string: url)?.queryItems ?? []
        var mode = Mode.disable
        var rootCertificateFile: String?
        for item in items {
            switch item.name {
            case "sslmode":
                guard let value = item.value.flatMap(Mode.init(rawValue:)) else {
                    throw .init(
                        description: "sslmode '\(item.value ?? "")' is not one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                mode = value
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else { throw .init(description: "sslrootcert names no file") }
                rootCertificateFile = value
            default:
                throw .init(description: "unknown setting '\(item.name)' in the database URL (known: sslmode, sslrootcert)")
            }
        }
        if rootCertificateFile != nil, mode != .verifyFull {
            throw .init(description: "sslrootcert needs sslmode=verify-full (the other modes check no certificate)")
        }
        self.mode = mode
        self.rootCertificateFile = rootCertificateFile
    }

    /// The client's TLS setting; reads the CA file (a missing or unreadable one fails here, at start).
    func clientTLS() throws -> PostgresClient.Configuration.TLS {
        try configuration().map { .require($0) } ?? .disable
    }

    /// The same for a single connection (the start-up probe, see `DatabaseClient.checkConnection`).
    func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
        try configuration().map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable
    }

    /// nil for `disable`.
    private func configuration() throws -> TLSConfiguration? {
        switch mode {
        case .disable:
            return nil
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return configuration
        case .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let rootCertificateFile {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(rootCertificateFile))
                } catch {
                    throw DatabaseLocation.InvalidURL(description: "sslrootcert '\(rootCertificateFile)' is not a readable PEM file of certificates")
                }
            }
            return configuration
        }
    }
}
