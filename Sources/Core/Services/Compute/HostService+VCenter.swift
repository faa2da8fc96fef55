import Foundation

extension HostService {
    /// The vCenter fields of `POST /hosts` and `PATCH /hosts/{id}`, as the client sent them. On a
    /// patch only the credentials and TLS fields may be given (VMs live in the inventory places); an
    /// empty `ca_pem` or `thumbprint` removes it.
    public struct VCenterDraft: Sendable, Equatable {
        public var username: String?
        public var password: String?
        public var insecure: Bool?
        public var caPEM: String?
        public var thumbprint: String?
        public var placement: VCenterHostSettings.Placement

        public init(
            username: String? = nil, password: String? = nil, insecure: Bool? = nil, caPEM: String? = nil, thumbprint: String? = nil,
            placement: VCenterHostSettings.Placement = .init()
        ) {
            self.username = username
            self.password = password
            self.insecure = insecure
            self.caPEM = caPEM
            self.thumbprint = thumbprint
            self.placement = placement
        }

        /// The API names of the fields that are set, for "only for vcenter hosts" errors.
        var givenFields: [String] {
            var fields: [String] = []
            if username != nil { fields.append("username") }
            if password != nil { fields.append("password") }
            if insecure != nil { fields.append("insecure") }
            if caPEM != nil { fields.append("ca_pem") }
            if thumbprint != nil { fields.append("thumbprint") }
            for (key, path) in VCenterHostSettings.Placement.keys where placement[keyPath: path] != nil { fields.append(key) }
            return fields
        }
    }

    static let maximumCertificateBytes = 64 * 1024

    /// The settings of a new vcenter host `id`, its password sealed for it.
    func vcenterSettings(_ draft: VCenterDraft, for id: HostID) throws -> [String: String] {
        guard let username = draft.username else { throw DomainError.invalid("username is required for vcenter hosts") }
        guard let password = draft.password else { throw DomainError.invalid("password is required for vcenter hosts") }
        var placement = VCenterHostSettings.Placement()
        for (key, path) in VCenterHostSettings.Placement.keys {
            placement[keyPath: path] = try draft.placement[keyPath: path].map { try Self.inventoryName($0, field: key) }
        }
        var settings = VCenterHostSettings(
            username: try Self.username(username), sealedPassword: try seal(password, for: id), placement: placement
        )
        try Self.applyTLS(draft, to: &settings)
        return settings.settings
    }

    /// `host`'s settings with the credentials and TLS fields of `draft` applied.
    func patchedVCenterSettings(_ draft: VCenterDraft, of host: HypervisorHost) throws -> [String: String] {
        guard host.driver == .vcenter, var settings = VCenterHostSettings(host.settings) else {
            throw DomainError.invalid("\(draft.givenFields.joined(separator: ", ")) only for vcenter hosts")
        }
        if let field = VCenterHostSettings.Placement.keys.first(where: { draft.placement[keyPath: $0.path] != nil })?.key {
            throw DomainError.invalid("\(field) cannot change while the host exists: its VMs live there")
        }
        if let username = draft.username { settings.username = try Self.username(username) }
        if let password = draft.password { settings.sealedPassword = try seal(password, for: host.id) }
        try Self.applyTLS(draft, to: &settings)
        return settings.settings
    }

    private func seal(_ password: String, for id: HostID) throws -> String {
        guard (1...1024).contains(password.utf8.count) else { throw DomainError.invalid("password must be 1 to 1024 bytes") }
        guard secrets.canSeal else {
            throw DomainError.invalid(
                "This service has no VIRTUALSTACK_SECRET_KEY: it cannot store a vCenter password encrypted, and stores none in the clear"
            )
        }
        return try secrets.seal(password, context: id.description)
    }

    private static func applyTLS(_ draft: VCenterDraft, to settings: inout VCenterHostSettings) throws {
        if let insecure = draft.insecure { settings.insecure = insecure }
        if let pem = draft.caPEM {
            settings.caPEM = pem.isEmpty ? nil : try certificates(pem)
        }
        if let thumbprint = draft.thumbprint {
            settings.thumbprint = thumbprint.isEmpty ? nil : try Self.thumbprint(thumbprint)
        }
        if settings.insecure, settings.caPEM != nil || settings.thumbprint != nil {
            throw DomainError.invalid("insecure skips TLS verification; it cannot be combined with ca_pem or thumbprint")
        }
    }

    static func username(_ raw: String) throws -> String {
        let name = raw.trimmingWhitespace()
        try TextRules.requireVisible(name, field: "username")
        guard (1...256).contains(name.unicodeScalars.count) else { throw DomainError.invalid("username must be 1 to 256 characters") }
        return name
    }

    /// A datacenter, cluster, pool, datastore, folder or network: a name or an inventory path.
    static func inventoryName(_ raw: String, field: String) throws -> String {
        let name = raw.trimmingWhitespace()
        try TextRules.requireVisible(name, field: field)
        guard (1...1024).contains(name.unicodeScalars.count) else { throw DomainError.invalid("\(field) must be 1 to 1024 characters") }
        return name
    }

    /// A SHA-256 certificate fingerprint in any usual spelling (colons or not, either case), stored as
    /// `AB:CD:…`. SHA-1 thumbprints (40 hex digits), which older vSphere tools show, are refused: too weak to pin.
    static func thumbprint(_ raw: String) throws -> String {
        let hex = raw.filter { $0 != ":" && !$0.isWhitespace }.uppercased()
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
            throw DomainError.invalid("thumbprint must be the certificate's SHA-256 fingerprint: 64 hex digits, colons allowed")
        }
        var pairs: [String] = []
        var rest = Substring(hex)
        while !rest.isEmpty {
            pairs.append(String(rest.prefix(2)))
            rest = rest.dropFirst(2)
        }
        return pairs.joined(separator: ":")
    }

    static func certificates(_ pem: String) throws -> String {
        guard pem.utf8.count <= maximumCertificateBytes, pem.contains("-----BEGIN CERTIFICATE-----"),
            pem.contains("-----END CERTIFICATE-----")
        else {
            throw DomainError.invalid("ca_pem must hold PEM certificates (-----BEGIN CERTIFICATE-----), at most 64 KiB")
        }
        return pem
    }

    /// The URL of a vCenter's SOAP endpoint: `https://host[:port]`, with `/sdk` added when no path is given.
    static func vcenterURL(_ raw: String) throws -> String {
        guard let url = URLComponents(string: raw), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty,
            url.user == nil, url.password == nil, url.query == nil, url.fragment == nil
        else {
            throw DomainError.invalid("uri of a vcenter host must be an https URL without credentials, such as https://vcenter.example.com/sdk")
        }
        var normalized = url
        if normalized.path.isEmpty || normalized.path == "/" { normalized.path = "/sdk" }
        return normalized.string ?? raw
    }

    /// Seals again, under the current key, every stored password that an older key sealed: set a new
    /// `VIRTUALSTACK_SECRET_KEY` with the old one as `VIRTUALSTACK_SECRET_KEY_PREVIOUS`, start, and the
    /// old key is no longer needed. Returns how many hosts were sealed again.
    public func resealStaleCredentials() async throws -> Int {
        guard secrets.canSeal else { return 0 }
        var count = 0
        for host in try await compute.stores.hosts.hosts() {
            guard var settings = VCenterHostSettings(host.settings), secrets.isStale(settings.sealedPassword) else { continue }
            let password = try secrets.open(settings.sealedPassword, context: host.id.description)
            settings.sealedPassword = try secrets.seal(password, context: host.id.description)
            let resealed = settings.settings
            try await compute.transaction { [environment] stores in
                _ = try await stores.hosts.updateHost(host.id, HostPatch(settings: resealed), at: environment.now())
                try await stores.audit.record("host.credentials.reseal", on: .host(host.id), in: nil, by: .system, environment: environment)
            }
            count += 1
        }
        return count
    }
}
