import Core
import Foundation
import SQLKit

extension SQLComputeStore: TemplateRepository {
    static let templateColumns: SQLQueryString = "id, name, description, cpu, memory_gb, disk_gb, images, created_at"

    public func templates() async throws -> [VMTemplate] {
        try await database.raw("SELECT \(Self.templateColumns) FROM vm_templates ORDER BY name_key, id").all().map { try $0.template() }
    }

    public func template(_ id: TemplateID) async throws -> VMTemplate? {
        try await database.raw("SELECT \(Self.templateColumns) FROM vm_templates WHERE id = \(bind: id.description)").first()?.template()
    }

    public func insertTemplate(_ template: VMTemplate) async throws {
        let images = JSONText.encode(Dictionary(uniqueKeysWithValues: template.images.map { ($0.key.rawValue, $0.value) }))
        try await translatingErrors(conflict: "A template named '\(template.name)' already exists") {
            try await database.raw(
                """
                INSERT INTO vm_templates (id, name, name_key, description, cpu, memory_gb, disk_gb, images, created_at)
                VALUES (\(bind: template.id.description), \(bind: template.name), \(bind: SearchKey.fold(template.name)),
                    \(bind: template.description), \(bind: template.defaultSize.cpu), \(bind: template.defaultSize.memoryGB),
                    \(bind: template.defaultSize.diskGB), \(bind: images), \(bind: template.createdAt))
                """
            ).run()
        }
    }

    /// The VMs made from the template keep their sizes, image and `template_name`; their `template_id`
    /// becomes NULL (the foreign key's `ON DELETE SET NULL`).
    public func deleteTemplate(_ id: TemplateID) async throws -> Bool {
        try await database.raw("DELETE FROM vm_templates WHERE id = \(bind: id.description) RETURNING id").first() != nil
    }
}

extension SQLRow {
    func template() throws -> VMTemplate {
        // Images of driver kinds this build does not know are left out.
        var images: [DriverKind: String] = [:]
        for (kind, image) in try JSONText.decode(try string("images")) {
            if let kind = DriverKind(rawValue: kind) { images[kind] = image }
        }
        return VMTemplate(
            id: try id("id"),
            name: try string("name"),
            description: try optionalString("description"),
            defaultSize: VMSize(cpu: try int("cpu"), memoryGB: try int("memory_gb"), diskGB: try int("disk_gb")),
            images: images,
            createdAt: try date("created_at")
        )
    }
}
