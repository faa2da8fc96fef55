import Core
import Foundation
import SQLKit

/// Ids are stored as lower-case UUID text in both engines, so they compare and index the same way.
extension EntityID {
    var bind: SQLBind { SQLBind(description) }
}

extension SQLRow {
    func id<Entity>(_ column: String) throws -> EntityID<Entity> {
        let text = try decode(column: column, as: String.self)
        guard let id = EntityID<Entity>(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(column) is not a UUID: \(text)"))
        }
        return id
    }

    func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try decodeNil(column: column) ? nil : try string(column) }
    func bool(_ column: String) throws -> Bool { try decode(column: column, as: Bool.self) }
    func date(_ column: String) throws -> Date { try decode(column: column, as: Date.self) }
    func optionalDate(_ column: String) throws -> Date? { try decodeNil(column: column) ? nil : try date(column) }
    func optionalID<Entity>(_ column: String) throws -> EntityID<Entity>? { try decodeNil(column: column) ? nil : try id(column) }
    func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }

    func user() throws -> User {
        User(
            id: try id("id"),
            email: EmailAddress(stored: try string("email")),
            firstName: try string("first_name"),
            lastName: try string("last_name"),
            passwordHash: try string("password_hash"),
            isActive: try bool("is_active"),
            isSuperuser: try bool("is_superuser"),
            tokensValidAfter: try date("tokens_valid_after"),
            createdAt: try date("created_at"),
            updatedAt: try date("updated_at")
        )
    }

    func tenant() throws -> Tenant {
        Tenant(
            id: try id("id"),
            name: try string("name"),
            description: try optionalString("description"),
            isActive: try bool("is_active"),
            createdAt: try date("created_at"),
            updatedAt: try date("updated_at")
        )
    }
}
