import Foundation

/// The VM catalog: members read it to pick a template, superusers add and remove entries.
public struct TemplateService: Sendable {
    let compute: any ComputeUnitOfWork
    let environment: CoreEnvironment

    public init(compute: any ComputeUnitOfWork, environment: CoreEnvironment) {
        self.compute = compute
        self.environment = environment
    }

    public struct Draft: Sendable {
        public var name: String
        public var description: String?
        public var cpu: Int
        public var memoryGB: Int
        public var diskGB: Int
        /// Driver kind name → image.
        public var images: [String: String]

        public init(name: String, description: String?, cpu: Int, memoryGB: Int, diskGB: Int, images: [String: String]) {
            self.name = name
            self.description = description
            self.cpu = cpu
            self.memoryGB = memoryGB
            self.diskGB = diskGB
            self.images = images
        }
    }

    /// The catalog, and whether the caller may see each template's `images` (superusers only: image
    /// names describe the provider's storage, not the tenant's business).
    public func list(in access: TenantAccess) async throws -> (templates: [VMTemplate], showsImages: Bool) {
        try access.require(.templateRead)
        return (try await compute.stores.templates.templates(), access.principal.isUnrestrictedSuperuser)
    }

    public func create(by principal: Principal, _ draft: Draft) async throws -> VMTemplate {
        try principal.requireUnrestrictedSuperuser(toManage: "templates")
        var images: [DriverKind: String] = [:]
        for (key, value) in draft.images {
            guard let kind = DriverKind(rawValue: key) else {
                throw DomainError.invalid(
                    "images: '\(key)' is not a driver kind (\(DriverKind.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            images[kind] = try ImageNames.valid(value, field: "images.\(key)")
        }
        let template = VMTemplate(
            id: environment.newID(), name: try Names.valid(draft.name, field: "name"),
            description: try Descriptions.valid(draft.description),
            defaultSize: try VMSize(cpu: draft.cpu, memoryGB: draft.memoryGB, diskGB: draft.diskGB).validated(),
            images: images, createdAt: environment.now()
        )
        try await compute.transaction { [environment] stores in
            try await stores.templates.insertTemplate(template)
            try await stores.audit.record(
                "template.create", on: .template(template.id), in: nil, by: AuditActor(principal), environment: environment,
                details: ["name": template.name]
            )
        }
        return template
    }

    /// Removes the template from the catalog. VMs made from it are untouched: they keep their sizes,
    /// their disks and the template's name; only new VMs can no longer choose it.
    public func delete(by principal: Principal, id: TemplateID) async throws {
        try principal.requireUnrestrictedSuperuser(toManage: "templates")
        try await compute.transaction { [environment] stores in
            guard try await stores.templates.deleteTemplate(id) else { throw DomainError.notFound("Template not found") }
            try await stores.audit.record("template.delete", on: .template(id), in: nil, by: AuditActor(principal), environment: environment)
        }
    }
}

/// Image references and host URIs: 1 to 1,024 visible characters.
enum ImageNames {
    static let maximumLength = 1024

    static func valid(_ raw: String, field: String) throws(DomainError) -> String {
        let text = raw.trimmingWhitespace()
        try TextRules.requireVisible(text, field: field)
        guard (1...maximumLength).contains(text.unicodeScalars.count) else {
            throw .invalid("\(field) must be 1 to \(maximumLength) characters")
        }
        return text
    }
}
