import Core
import Foundation
import HTTPTypes
import NIOCore
import OpenAPIRuntime
import Testing

@testable import HTTPAdapter

/// The pieces of the hand-encoded routes, checked against the library code they stand in for.
@Suite("Hand encoding")
struct HandEncodingTests {
    @Test("Strings come out as JSON that Foundation reads back unchanged")
    func stringsRoundTrip() throws {
        let samples = [
            "", "plain", "quote \" and backslash \\", "new\nline, tab\t, return\r", "\u{01}\u{1F}\u{7F}", "é, 東京, 🚀",
            "</script>", String(repeating: "long ", count: 200),
        ]
        var json = JSONWriter(capacity: 0)
        json.beginArray()
        for sample in samples { json.string(sample) }
        json.endArray()
        let decoded = try JSONSerialization.jsonObject(with: Data(json.buffer.readableBytesView)) as? [String]
        #expect(decoded == samples)
    }

    @Test("Objects and arrays get their commas, numbers and booleans their literals")
    func structure() throws {
        var json = JSONWriter(capacity: 0)
        json.beginObject()
        json.key("empty")
        json.beginArray()
        json.endArray()
        json.key("list")
        json.beginArray()
        json.beginObject()
        json.key("n")
        json.int(-42)
        json.endObject()
        json.bool(true)
        json.bool(false)
        json.endArray()
        json.key("last")
        json.string("x")
        json.endObject()
        #expect(String(buffer: json.buffer) == #"{"empty":[],"list":[{"n":-42},true,false],"last":"x"}"#)
    }

    @Test("Dates are written as Foundation's ISO 8601 format style writes them")
    func datesMatchFoundation() {
        let style = Date.ISO8601FormatStyle(timeZone: .gmt)
        var generator = SystemRandomNumberGenerator()
        let edges: [TimeInterval] = [
            0, -1, -0.5, 0.999, 86_399.999, 951_782_400, 4_107_542_399, -12_212_553_600, -12_212_553_601, 253_402_300_799,
            253_402_300_800, -62_135_596_800,
        ]
        let random = (0..<2_000).map { _ in TimeInterval(Int64.random(in: -62_000_000_000...253_000_000_000, using: &generator)) + 0.25 }
        for seconds in edges + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(RFC3339DateTranscoder.format(date) == style.format(date), "\(seconds)")
        }
    }

    @Test("Query strings: percent escapes, + as space, the first of repeated names")
    func queryParsing() throws {
        let query = try FormQuery(target: "/api/v1/users?search=Ada+Lovelace%20%C3%A9&page=2&page=3&limit=05&empty=")
        #expect(query["search"] == "Ada Lovelace é")
        #expect(try query.integer("page") == 2)
        #expect(try query.integer("limit") == 5)
        #expect(query["empty"] == "")
        #expect(query["missing"] == nil)
        #expect(try FormQuery(target: "/api/v1/users")["search"] == nil)
        #expect(try FormQuery(target: "/api/v1/users?")["search"] == nil)
    }

    @Test(arguments: ["limit=abc", "limit=", "limit=1.5", "limit=%2B1", "limit=+1", "limit=99999999999999999999"])
    func nonIntegers(query: String) throws {
        let parsed = try FormQuery(target: "/users?" + query)
        #expect((#expect(throws: DomainError.self) { try parsed.integer("limit") })?.code == .invalid)
    }

    @Test(arguments: ["search", "limit=1&search", "search=%ZZ", "search=%4", "search=%C3"])
    func malformedQueries(query: String) {
        #expect((#expect(throws: DomainError.self) { try FormQuery(target: "/users?" + query) })?.code == .malformed)
    }

    @Test("Accept must allow JSON when it is sent", arguments: [
        (nil, true), ("application/json", true), ("*/*", true), ("application/*", true), ("", true),
        ("text/html, application/json;q=0.5", true), ("APPLICATION/JSON; charset=utf-8", true),
        ("text/plain", false), ("text/*", false), ("application/xml", false),
    ] as [(String?, Bool)])
    func acceptHeader(accept: String?, acceptable: Bool) {
        var headers = HTTPFields()
        if let accept { headers[.accept] = accept }
        let accepted = (try? JSONResponse.requireAcceptable(headers)) != nil
        #expect(accepted == acceptable)
    }
}

@Suite("Error logging")
struct ErrorLoggingTests {
    @Test("A runtime error is logged without the request's credentials")
    func credentialsStayOutOfLogs() {
        let request = HTTPRequest(
            method: .get, scheme: nil, authority: nil, path: "/api/v1/users?search",
            headerFields: [.authorization: "Bearer secret-token", HTTPField.Name("X-API-Key")!: "vsk_secret"]
        )
        let error = ServerError(
            operationID: "listUsers", request: request, requestBody: nil, requestMetadata: .init(), causeDescription: "Unknown",
            underlyingError: DomainError.malformed("boom")
        )
        #expect(String(reflecting: error).contains("secret"))  // what the runtime's description holds
        let logged = ErrorMiddleware.loggable(error)
        #expect(logged.contains("listUsers") && logged.contains("boom"))
        #expect(!logged.contains("secret"))
    }
}
