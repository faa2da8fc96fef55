import AsyncHTTPClient
import Core
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// One logged-in session with a vCenter endpoint, shared by every job on that host: it logs in on
/// first use, logs in again when vCenter says the session expired (`NotAuthenticated`) and retries
/// the call once, and lets at most `maximumCalls` calls (and as many long-poll waits) be in flight.
/// A refused login is remembered: the same credentials are not tried again (vCenter locks accounts
/// after repeated failures); a session with new credentials is a new `VimSession`.
package actor VimSession {
    let url: URL
    /// `host:port`, for messages.
    package nonisolated let endpoint: String
    private let username: String
    private let password: String
    private let trust: EndpointTrust
    private let logger: Logger

    private var client: HTTPClient?
    private var cookie: String?
    private var content: ServiceContent?
    private var login: Task<Void, any Error>?
    private var loginRefusal: VimError?
    /// Container views live in the session: they are made again after a new login.
    private var views: [ManagedObject: ManagedObject] = [:]
    private var closed = false

    /// Calls and long-poll waits each hold one of these permits.
    private let permits = KeyedPermits<Lane>(limit: VimSession.maximumCalls, maximumWaiting: 100_000)
    static let maximumCalls = 8
    package enum Lane: Hashable, Sendable { case call, wait }

    /// How many SOAP calls this session made, logins included: for measuring the driver's cost.
    package nonisolated let callCount = Atomic<Int>(0)

    package struct ServiceContent: Sendable {
        package let apiVersion: String
        package let rootFolder: ManagedObject
        package let propertyCollector: ManagedObject
        package let viewManager: ManagedObject
        package let searchIndex: ManagedObject
        package let sessionManager: ManagedObject
    }

    init(url: URL, username: String, password: String, trust: EndpointTrust, logger: Logger) {
        self.url = url
        self.endpoint = "\(url.host ?? "?")\(url.port.map { ":\($0)" } ?? "")"
        self.username = username
        self.password = password
        self.trust = trust
        self.logger = logger
    }

    package var serviceContent: ServiceContent {
        get async throws {
            try await ensureLoggedIn()
            guard let content else { throw VimError.transport("the session closed") }
            return content
        }
    }

    /// Calls `method` on `this` with `arguments` (XML of the method's parameters after `_this`, in
    /// the schema's order) and returns the response element (`<MethodResponse>`), logging in first if
    /// needed and again once if the session expired.
    package func call(_ method: String, on this: ManagedObject, _ arguments: String = "", lane: Lane = .call) async throws -> XMLNode {
        for attempt in 0..<2 {
            try await ensureLoggedIn()
            let used = cookie
            do {
                return try await send(method, this.xml("_this") + arguments, lane: lane)
            } catch let error as VimError where error.faultType == "NotAuthenticated" && attempt == 0 {
                if cookie == used { sessionExpired() }
            }
        }
        throw VimError.fault("NotAuthenticated", message: "vCenter ended the session again right after a new login")
    }

    /// Forgets the session (it expired), so that the next call logs in again.
    func sessionExpired() {
        guard cookie != nil else { return }
        logger.info("vCenter session expired; logging in again", metadata: ["endpoint": "\(endpoint)"])
        cookie = nil
        views = [:]
    }

    /// A container view of every `type` below `container`, made once per login.
    func containerView(of container: ManagedObject, type: String) async throws -> ManagedObject {
        if let view = views[container] { return view }
        let manager = try await serviceContent.viewManager
        let response = try await call(
            "CreateContainerView", on: manager,
            container.xml("container") + XMLText.element("type", type) + XMLText.element("recursive", "true")
        )
        guard let view = response.child("returnval")?.reference else { throw VimError.malformed("CreateContainerView returned no view") }
        views[container] = view
        return view
    }

    /// Logs out and closes the connections.
    func close() async {
        closed = true
        if cookie != nil, let manager = content?.sessionManager {
            _ = try? await send("Logout", manager.xml("_this"), lane: .call)
        }
        cookie = nil
        try? await client?.shutdown()
        client = nil
    }

    // MARK: - Login

    private func ensureLoggedIn() async throws {
        if cookie != nil { return }
        if let loginRefusal { throw loginRefusal }
        if closed { throw VimError.transport("the session closed") }
        let running: Task<Void, any Error>
        if let login {
            running = login
        } else {
            running = Task { try await self.logIn() }
            login = running
        }
        do {
            try await running.value
        } catch let error as VimError {
            throw error
        } catch {
            throw VimError.transport("\(error)")
        }
    }

    private func logIn() async throws {
        defer { login = nil }
        if client == nil {
            let tls = try await trust.configuration(for: url)
            if trust == .insecure {
                logger.warning(
                    "TLS verification is off for this vCenter (insecure: true): anyone between VirtualStack and it can read the password",
                    metadata: ["endpoint": "\(endpoint)"]
                )
            }
            var pool = HTTPClient.Configuration.ConnectionPool()
            pool.concurrentHTTP1ConnectionsPerHostSoftLimit = 2 * Self.maximumCalls
            // A refused certificate or a closed port fails the call at once instead of being tried
            // again until the connect timeout.
            pool.retryConnectionEstablishment = false
            client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: .init(
                    tlsConfiguration: tls, timeout: .init(connect: .seconds(10), read: .seconds(300)), connectionPool: pool
                )
            )
        }
        let content = try await retrieveServiceContent()
        self.content = content
        do {
            let arguments = XMLText.element("userName", username) + XMLText.element("password", password)
            _ = try await send("Login", content.sessionManager.xml("_this") + arguments, lane: .call, capturingCookie: true)
            logger.info("Logged in to vCenter", metadata: ["endpoint": "\(endpoint)", "user": "\(username)"])
        } catch let error as VimError where error.faultType == "InvalidLogin" {
            loginRefusal = error
            logger.error(
                "vCenter refused the credentials; they are not tried again until they change",
                metadata: ["endpoint": "\(endpoint)", "user": "\(username)"]
            )
            throw error
        }
    }

    private func retrieveServiceContent() async throws -> ServiceContent {
        let instance = ManagedObject(type: "ServiceInstance", value: "ServiceInstance")
        let response = try await send("RetrieveServiceContent", instance.xml("_this"), lane: .call)
        guard let value = response.child("returnval") else { throw VimError.malformed("RetrieveServiceContent returned nothing") }
        return ServiceContent(
            apiVersion: value.at("about.apiVersion")?.text ?? "6.5",
            rootFolder: try Self.reference("rootFolder", in: value), propertyCollector: try Self.reference("propertyCollector", in: value),
            viewManager: try Self.reference("viewManager", in: value), searchIndex: try Self.reference("searchIndex", in: value),
            sessionManager: try Self.reference("sessionManager", in: value)
        )
    }

    private static func reference(_ name: String, in content: XMLNode) throws -> ManagedObject {
        guard let reference = content.child(name)?.reference else { throw VimError.malformed("The service content has no \(name)") }
        return reference
    }

    // MARK: - Transport

    private func send(_ method: String, _ parameters: String, lane: Lane, capturingCookie: Bool = false) async throws -> XMLNode {
        guard let client else { throw VimError.transport("no connection") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/xml; charset=utf-8")
        request.headers.add(name: "SOAPAction", value: "urn:vim25/\(content?.apiVersion ?? "6.5")")
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        request.body = .bytes(ByteBuffer(string: Self.envelope(method, parameters)))
        callCount.add(1, ordering: .relaxed)
        let answer: HTTPAnswer
        do {
            answer = try await permits.withPermit(for: lane) {
                do {
                    return try await Self.execute(request, on: client, lane: lane)
                } catch let error as HTTPClientError where error == .remoteConnectionClosed {
                    // The server closed a kept-alive connection as the request went out on it: once
                    // more on a fresh one. (Every operation of the driver is idempotent.)
                    return try await Self.execute(request, on: client, lane: lane)
                }
            }
        } catch _ where Task.isCancelled {
            throw VimError.cancelled
        } catch let error as NIOSSLError {
            throw VimError.untrusted("TLS refused its certificate (\(Self.reason(error))); trust it with ca_pem or thumbprint")
        } catch let error as BoringSSLError {
            throw VimError.untrusted("TLS refused its certificate (\(Self.reason(error))); trust it with ca_pem or thumbprint")
        } catch {
            throw VimError.transport("\(error)")
        }
        let status = answer.status
        if capturingCookie, let setCookie = answer.setCookie, let pair = setCookie.split(separator: ";").first {
            cookie = String(pair)
        }
        let root: XMLNode
        do {
            root = try XMLNode.parse(Data(answer.body.readableBytesView))
        } catch {
            throw VimError.transport("HTTP \(status.code) without a SOAP answer")
        }
        guard let result = root.child("Body")?.children.first else { throw VimError.malformed("\(method): a SOAP envelope without a body") }
        if result.name == "Fault" {
            let detail = result.child("detail")?.children.first
            let fault = detail?.schemaType ?? detail.map { $0.name.hasSuffix("Fault") ? String($0.name.dropLast(5)) : $0.name } ?? "ServerFaultCode"
            throw VimError.fault(fault, message: result.child("faultstring")?.text ?? "")
        }
        guard status == .ok else { throw VimError.transport("HTTP \(status.code)") }
        return result
    }

    /// BoringSSL's reason (`CERTIFICATE_VERIFY_FAILED`) without the source paths around it.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        guard let start = text.range(of: "OPENSSL_internal:")?.upperBound else { return text }
        return String(text[start...].prefix { $0.isLetter || $0.isNumber || $0 == "_" })
    }

    private static func execute(_ request: HTTPClientRequest, on client: HTTPClient, lane: Lane) async throws -> HTTPAnswer {
        let response = try await client.execute(request, timeout: .seconds(lane == .wait ? 330 : 300))
        let body = try await response.body.collect(upTo: 256 << 20)
        return HTTPAnswer(status: response.status, body: body, setCookie: response.headers.first(name: "Set-Cookie"))
    }

    private struct HTTPAnswer: Sendable {
        let status: HTTPResponseStatus
        let body: ByteBuffer
        let setCookie: String?
    }

    static func envelope(_ method: String, _ parameters: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>\
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
        xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
        <soapenv:Body><\(method) xmlns="urn:vim25">\(parameters)</\(method)></soapenv:Body></soapenv:Envelope>
        """
    }
}
