import APIContract
@testable import HTTPAdapter
import Foundation
import HTTPTypes
import TestSupport
import Testing

/// What the generated code cannot be trusted with: required nullable properties must be sent as null.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static var document: [String: Any] {
        get throws { try OpenAPIDocument.parse(String(decoding: APIContract.document, as: UTF8.self)) }
    }

    @Test("Every required nullable property of the document is one that RequiredNullableEncoding covers")
    func requiredNullableCovered() throws {
        let components = try #require(Self.document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        func nullable(_ schema: Any?) -> Bool {
            guard let schema = schema as? [String: Any] else { return false }
            if schema["nullable"] as? Bool == true { return true }
            if let types = schema["type"] as? [String], types.contains("null") { return true }
            if let alternatives = (schema["oneOf"] ?? schema["anyOf"]) as? [Any], alternatives.contains(where: { nullable($0) || (($0 as? [String: Any])?["type"] as? String) == "null" }) { return true }
            if let reference = schema["$ref"] as? String { return nullable(schemas[String(reference.split(separator: "/").last ?? "")]) }
            return false
        }
        var found: [String: Set<String>] = [:]
        for (name, schema) in schemas {
            guard let schema = schema as? [String: Any], let required = schema["required"] as? [String] else { continue }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for property in required where nullable(properties[property]) { found[name, default: []].insert(property) }
        }
        #expect(!found.isEmpty)
        #expect(found == RequiredNullable.properties)
    }

    @Test("The request fields whose null is refused are every property of every request body schema")
    func requestFields() throws {
        let document = try Self.document
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        var names: Set<String> = []
        for case let item as [String: Any] in (document["paths"] as? [String: Any] ?? [:]).values {
            for case let operation as [String: Any] in item.values {
                let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any] ?? [:]
                for case let media as [String: Any] in content.values {
                    let reference = ((media["schema"] as? [String: Any])?["$ref"] as? String)?.split(separator: "/").last.map(String.init)
                    let schema = reference.flatMap { schemas[$0] as? [String: Any] }
                    names.formUnion((schema?["properties"] as? [String: Any])?.keys ?? [:].keys)
                }
            }
        }
        #expect(names.count > 10)
        #expect(names == DuplicateKeyScanner.requestFields)
    }

    @Test("The document's PermissionID enum is the catalog the service holds", arguments: TestBackend.available)
    func permissionEnumIsTheCatalog(backend: TestBackend) async throws {
        let schemas = try #require((Self.document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let documented = try #require((schemas["PermissionID"] as? [String: Any])?["enum"] as? [String])
        try await withApp(backend) { client, _ in
            let root = try await client.login()
            let catalog = try #require(try JSONBody(await client.json(.get, "/api/v1/permissions", token: root)).array as? [[String: Any]])
            #expect(Set(catalog.compactMap { $0["id"] as? String }) == Set(documented))
        }
    }

    @Test("The types with required nullable properties write null for nil")
    func nullIsWritten() throws {
        let now = Date()
        let values: [(String, any Encodable)] = [
            ("Tenant", Components.Schemas.Tenant(id: "t", name: "n", description: nil, isActive: true, createdAt: now, updatedAt: now)),
            (
                "Role",
                Components.Schemas.Role(
                    id: "r", name: "n", description: nil, isSystemRole: true, tenantId: nil, userCount: 0, permissionIds: [],
                    permissions: [], createdAt: now, updatedAt: now
                )
            ),
            (
                "Invitation",
                Components.Schemas.Invitation(
                    id: "i", email: "e@example.com", roleId: "r", tenantId: "t", status: .pending, createdAt: now, expiresAt: now,
                    invitedBy: nil
                )
            ),
            (
                "CreatedInvitation",
                Components.Schemas.CreatedInvitation(
                    id: "i", email: "e@example.com", roleId: "r", tenantId: "t", status: .pending, createdAt: now, expiresAt: now,
                    invitedBy: nil, token: "secret", acceptUrl: "https://example.com"
                )
            ),
            (
                "VM",
                Components.Schemas.Vm(
                    id: "v", name: "web", status: .provisioning, task: nil, cpu: 1, memoryGb: 1, diskGb: 1, ipAddress: nil,
                    sourceType: .template, templateName: nil, createdAt: now, updatedAt: now
                )
            ),
            (
                "VMTemplate",
                Components.Schemas.VMTemplate(id: "t", name: "Debian", description: nil, cpu: 1, memoryGb: 1, diskGb: 1, createdAt: now)
            ),
            ("QuotaFigure", Components.Schemas.QuotaFigure(limit: nil, used: 0, reserved: 0, headroom: nil)),
            (
                "AuditEvent",
                Components.Schemas.AuditEvent(
                    id: "e", occurredAt: now, tenantId: nil, actorType: .system, actorId: nil, operation: "vm.job.create", targetType: "vm",
                    targetId: nil, outcome: .success, requestId: nil, clientAddress: nil, details: .init()
                )
            ),
            ("QuotaLimits", Components.Schemas.QuotaLimits(vms: nil, vcpus: nil, memoryGb: nil, diskGb: nil)),
        ]
        #expect(Set(values.map(\.0)) == Set(RequiredNullable.properties.keys))
        for (name, value) in values {
            let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any])
            for property in RequiredNullable.properties[name] ?? [] {
                #expect(object[property] is NSNull, "\(name).\(property) in \(object)")
            }
            // Optional properties without a value stay absent.
            #expect(object["accepted_at"] == nil && object["revoked_at"] == nil)
        }
    }
}
