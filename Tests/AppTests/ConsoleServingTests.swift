import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// The web console's files as `serve` answers them: without credentials, under a strict policy,
/// gzipped for browsers that accept it, revalidated with ETags; nothing else leaves the API's 404.
@Suite("Web console files")
struct ConsoleServingTests {
    static let acceptEncoding = HTTPField.Name("Accept-Encoding")!

    @Test("/ and the invitation link serve the console's page under a strict policy; its files too; other paths stay JSON 404s")
    func served() async throws {
        try await withApp(.sqlite) { client, _ in
            for path in ["/", "/invitations/accept?token=abc"] {
                let page = try await client.execute(uri: path, method: .get)
                #expect(page.status == .ok)
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
                #expect(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"))
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                let html = String(buffer: page.body)
                #expect(html.contains(#"<script type="module" src="/js/app.js">"#))
                #expect(!html.contains("<script>") && !html.contains("style=\""), "inline script or style in index.html")
            }
            let script = try await client.execute(uri: "/js/app.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            let style = try await client.execute(uri: "/app.css", method: .get)
            #expect(style.status == .ok && style.headers[.contentType] == "text/css; charset=utf-8")
            // With a bad token too: the files are public, the API behind them is not.
            #expect(try await client.json(.get, "/js/api.js", token: "not-a-token").status == .ok)

            for path in ["/js/missing.js", "/index", "/vms", "/api/v1/nope"] {
                try expectError(try await client.execute(uri: path, method: .get), .notFound)
            }
        }
    }

    @Test("Gzip for browsers that accept it, the same bytes unpacked; ETags per representation answer 304")
    func compressionAndValidation() async throws {
        try await withApp(.sqlite) { client, _ in
            let plain = try await client.execute(uri: "/app.css", method: .get)
            let gzipped = try await client.execute(uri: "/app.css", method: .get, headers: [Self.acceptEncoding: "gzip, deflate, br"])
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            #expect(gzipped.headers[.vary] == "Accept-Encoding")
            #expect(gzipped.body.readableBytes * 2 < plain.body.readableBytes, "gzip should at least halve a stylesheet")
            #expect(try Self.gunzip(Data(gzipped.body.readableBytesView)) == Data(plain.body.readableBytesView))
            let refused = try await client.execute(uri: "/app.css", method: .get, headers: [Self.acceptEncoding: "gzip;q=0, identity"])
            #expect(refused.headers[.contentEncoding] == nil)

            let plainTag = try #require(plain.headers[.eTag])
            let gzipTag = try #require(gzipped.headers[.eTag])
            #expect(plainTag != gzipTag)
            let revalidated = try await client.execute(
                uri: "/app.css", method: .get, headers: [Self.acceptEncoding: "gzip", .ifNoneMatch: gzipTag]
            )
            #expect(revalidated.status == .notModified && revalidated.body.readableBytes == 0)
            let stale = try await client.execute(uri: "/app.css", method: .get, headers: [.ifNoneMatch: gzipTag])
            #expect(stale.status == .ok, "the plain representation does not match the gzipped one's tag")
        }
    }

    /// gunzip(1) over `data`: the bytes a browser would unpack.
    static func gunzip(_ data: Data) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gunzip -c"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let unpacked = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return unpacked
    }
}
