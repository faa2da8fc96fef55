import Foundation
import SQLKit
import SQLPersistence
import TestSupport
import Testing

/// `sslmode` and `sslrootcert` against the test cluster of `scripts/with-postgres.sh`, which runs with
/// `ssl=on` and a certificate for 127.0.0.1 from a throwaway CA.
@Suite("PostgreSQL TLS", .enabled(if: TestBackend.postgresAdminURL != nil), .timeLimit(.minutes(1)))
struct PostgresTLSTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The admin URL with `query` appended.
    static func url(_ query: String) throws -> String {
        try #require(TestBackend.postgresAdminURL) + query
    }

    /// Whether the connection that runs the query is encrypted, as the server sees it.
    static func encrypted(_ url: String) async throws -> Bool {
        let client = try DatabaseClient(location: DatabaseLocation(url: url), maximumConnections: 1, logger: testLogger)
        return try await client.withRunning { client in
            let row = try await client.sql.raw("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first()
            return try #require(row).decode(column: "ssl", as: Bool.self)
        }
    }

    @Test("sslmode=disable (the default) connects in plain text")
    func disable() async throws {
        #expect(try await Self.encrypted(Self.url("")) == false)
        #expect(try await Self.encrypted(Self.url("?sslmode=disable")) == false)
    }

    @Test("sslmode=require connects encrypted without checking the certificate")
    func require() async throws {
        #expect(try await Self.encrypted(Self.url("?sslmode=require")) == true)
    }

    @Test("sslmode=verify-full connects encrypted when the certificate chains to sslrootcert and names the host")
    func verifyFull() async throws {
        let ca = try #require(Self.environment["VIRTUALSTACK_TEST_POSTGRES_CA_FILE"])
        #expect(try await Self.encrypted(Self.url("?sslmode=verify-full&sslrootcert=\(ca)")) == true)
    }

    @Test("sslmode=verify-full with another CA fails, saying the certificate could not be verified")
    func verifyFullWrongCA() async throws {
        let other = try #require(Self.environment["VIRTUALSTACK_TEST_POSTGRES_OTHER_CA_FILE"])
        let error = await #expect(throws: (any Error).self) {
            _ = try await Self.encrypted(Self.url("?sslmode=verify-full&sslrootcert=\(other)"))
        }
        let description = "\(error.map { String(describing: $0) } ?? "")"
        #expect(description.localizedCaseInsensitiveContains("certificate"), "\(description)")
    }

    @Test("Unknown modes and settings, and a CA file without verify-full, are refused when the URL is read")
    func invalidSettings() throws {
        for query in ["?sslmode=verify-ca", "?sslmode=prefer", "?ssl=true", "?sslrootcert=/tmp/ca.pem", "?sslmode=require&sslrootcert=/tmp/ca.pem"] {
            #expect(throws: DatabaseLocation.InvalidURL.self, "\(query)") { try DatabaseLocation(url: "postgres://u:p@127.0.0.1:5432/db" + query) }
        }
    }
}
