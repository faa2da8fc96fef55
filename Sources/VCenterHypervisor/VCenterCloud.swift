import Core
import Foundation
import Logging
import Synchronization

/// The vCenter driver: the `HypervisorProvider` for hosts of kind `vcenter`. It keeps one
/// `VCenterHost` (one session) per host and what the host's settings were when it was made: new
/// credentials, TLS settings or places make a new session, and the old one logs out.
public final class VCenterCloud: HypervisorProvider {
    private let secrets: any SecretBox
    private let logger: Logger
    private let hosts = Mutex<[HostID: (settings: [String: String], uri: String, host: VCenterHost)]>([:])

    public init(secrets: any SecretBox, logger: Logger) {
        self.secrets = secrets
        self.logger = logger
    }

    public func supports(_ kind: DriverKind) -> Bool { kind == .vcenter }

    public func hypervisor(for host: HypervisorHost) async throws -> any Hypervisor {
        try vcenterHost(for: host)
    }

    /// A driver of `host` of its own, with a session of its own, whose changing operations first wait
    /// `operationDelay`: for tests that cancel an operation in flight. Close it with `close()`.
    public func separateHost(for host: HypervisorHost, operationDelay: Duration = .zero) throws -> VCenterHost {
        let (session, placement) = try makeSession(for: host)
        return VCenterHost(session: session, placement: placement, operationDelay: operationDelay)
    }

    /// The driver of `host`, typed (tests read its SOAP call count).
    public func vcenterHost(for host: HypervisorHost) throws -> VCenterHost {
        if let known = hosts.withLock({ $0[host.id] }), known.settings == host.settings, known.uri == host.uri { return known.host }
        let (session, placement) = try makeSession(for: host)
        let made = VCenterHost(session: session, placement: placement)
        let replaced = hosts.withLock { hosts in
            // Another job may have made one for the same settings meanwhile: keep the first.
            if let known = hosts[host.id], known.settings == host.settings, known.uri == host.uri { return (kept: known.host, old: nil as VCenterHost?) }
            let old = hosts[host.id]?.host
            hosts[host.id] = (host.settings, host.uri, made)
            return (kept: made, old: old)
        }
        if let old = replaced.old { Task { await old.close() } }
        if replaced.kept !== made { Task { await made.close() } }
        return replaced.kept
    }

    private func makeSession(for host: HypervisorHost) throws -> (VimSession, VCenterHostSettings.Placement) {
        guard host.driver == .vcenter else {
            throw HypervisorError("Host \(host.name) uses the \(host.driver.rawValue) driver, not vcenter", retryable: false)
        }
        guard let settings = VCenterHostSettings(host.settings), let url = URL(string: host.uri) else {
            throw HypervisorError("Host \(host.name) lacks its vCenter URL, username or password", retryable: false, hostDown: true)
        }
        let password: String
        do {
            password = try secrets.open(settings.sealedPassword, context: host.id.description)
        } catch {
            throw HypervisorError("The password of host \(host.name) cannot be decrypted: \(error)", retryable: false, hostDown: true)
        }
        let session = VimSession(
            url: url, username: settings.username, password: password, trust: EndpointTrust(settings),
            logger: logger.with(metadata: ["host": "\(host.name)"])
        )
        return (session, settings.placement)
    }

    /// Logs every session out.
    public func shutdown() async {
        let all = hosts.withLock { hosts in
            defer { hosts = [:] }
            return hosts.values.map(\.host)
        }
        for host in all { await host.close() }
    }
}

extension Logger {
    func with(metadata: Logger.Metadata) -> Logger {
        var logger = self
        for (key, value) in metadata { logger[metadataKey: key] = value }
        return logger
    }
}
