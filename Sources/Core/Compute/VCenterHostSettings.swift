import Foundation

/// The settings of a `vcenter` host, typed: how to reach and trust the endpoint, whose account to
/// use, and where VMs go. Stored in `HypervisorHost.settings` under the keys below; the password only
/// sealed by the `SecretBox`, bound to the host's id.
public struct VCenterHostSettings: Sendable, Equatable {
    public var username: String
    /// The password as the `SecretBox` sealed it; never the password itself.
    public var sealedPassword: String
    /// Skip TLS verification (an explicit choice, logged whenever a session opens).
    public var insecure: Bool
    /// Certificates (PEM) to trust instead of the system's roots.
    public var caPEM: String?
    /// The SHA-256 fingerprint of the endpoint's own certificate, as `AB:CD:…` (64 hex digits).
    public var thumbprint: String?
    /// Where VMs go, by name or inventory path; nil picks the first one found.
    public var placement: Placement

    public struct Placement: Sendable, Equatable {
        public var datacenter: String?
        public var cluster: String?
        public var resourcePool: String?
        public var datastore: String?
        public var folder: String?
        public var network: String?

        public init(
            datacenter: String? = nil, cluster: String? = nil, resourcePool: String? = nil, datastore: String? = nil,
            folder: String? = nil, network: String? = nil
        ) {
            self.datacenter = datacenter
            self.cluster = cluster
            self.resourcePool = resourcePool
            self.datastore = datastore
            self.folder = folder
            self.network = network
        }

        /// Each setting with its key (the API field's name). Key paths are immutable values; they are
        /// not `Sendable` only because they are classes.
        nonisolated(unsafe) static let keys: [(key: String, path: WritableKeyPath<Placement, String?>)] = [
            ("datacenter", \.datacenter), ("cluster", \.cluster), ("resource_pool", \.resourcePool),
            ("datastore", \.datastore), ("folder", \.folder), ("network", \.network),
        ]
    }

    public init(
        username: String, sealedPassword: String, insecure: Bool = false, caPEM: String? = nil, thumbprint: String? = nil,
        placement: Placement = Placement()
    ) {
        self.username = username
        self.sealedPassword = sealedPassword
        self.insecure = insecure
        self.caPEM = caPEM
        self.thumbprint = thumbprint
        self.placement = placement
    }

    /// The settings of `host`; nil when it is not a complete vCenter host's.
    public init?(_ settings: [String: String]) {
        guard let username = settings["username"], let sealed = settings["password_sealed"] else { return nil }
        var placement = Placement()
        for (key, path) in Placement.keys { placement[keyPath: path] = settings[key] }
        self.init(
            username: username, sealedPassword: sealed, insecure: settings["insecure"] == "true", caPEM: settings["ca_pem"],
            thumbprint: settings["thumbprint"], placement: placement
        )
    }

    public var settings: [String: String] {
        var settings = ["username": username, "password_sealed": sealedPassword]
        if insecure { settings["insecure"] = "true" }
        settings["ca_pem"] = caPEM
        settings["thumbprint"] = thumbprint
        for (key, path) in Placement.keys { settings[key] = placement[keyPath: path] }
        return settings
    }
}
