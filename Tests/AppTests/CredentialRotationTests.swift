import Core
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import SQLPersistence
import SecurityAdapters
import TestSupport
import Testing
import VCenterTestSupport

@Suite("Stored host credentials under a rotated key")
struct CredentialRotationTests {
    static func key() -> String { SimulatorEnvironment.randomKey() }

    @Test("Started with a new key and the old one as previous, the service seals stored passwords again under the new key", arguments: TestBackend.available)
    func rotation(backend: TestBackend) async throws {
        let old = Self.key()
        let new = Self.key()
        try await withTestDatabase(backend) { database in
            let first = try await buildTestApplication(database: database, settings: ["secret.key": old])
            let hostID = try await first.test(.router) { client in
                let root = try await client.login()
                let response = try await client.json(.post, "/api/v1/hosts", token: root, body: [
                    "name": "vc", "driver": "vcenter", "uri": "https://vcenter.invalid", "username": "svc", "password": "the password",
                ])
                #expect(response.status == .created, "\(String(buffer: response.body))")
                let host = try JSONBody(response)
                #expect(host["uri"] as? String == "https://vcenter.invalid/sdk", "the SOAP endpoint's path is added")
                return try #require(host["id"] as? String)
            }
            let sealedBefore = try await Self.sealedPassword(of: hostID, in: database)
            #expect(try AESGCMSecretBox(key: old).open(sealedBefore, context: hostID) == "the password")

            let rotated = try await buildTestApplication(database: database, settings: ["secret.key": new, "secret.key.previous": old])
            try await rotated.test(.router) { client in _ = try await client.login() }
            let sealedAfter = try await Self.sealedPassword(of: hostID, in: database)
            let box = try AESGCMSecretBox(key: new)
            #expect(!box.isStale(sealedAfter) && sealedAfter != sealedBefore)
            #expect(try box.open(sealedAfter, context: hostID) == "the password", "the old key is no longer needed")
        }
    }

    static func sealedPassword(of hostID: String, in database: TestDatabase) async throws -> String {
        let settings = try await withClient(database) { client in
            try await client.sql.raw("SELECT settings FROM hosts WHERE id = \(bind: hostID)").first()?.decode(column: "settings", as: String.self)
        }
        let decoded = try JSONSerialization.jsonObject(with: Data(try #require(settings).utf8)) as? [String: String]
        return try #require(decoded?["password_sealed"])
    }
}
