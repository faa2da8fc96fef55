import Foundation
import Testing

@testable import HTTPAdapter

/// `expires_at` and every other timestamp in a request: RFC 3339, every field in range.
@Suite("Timestamp parsing")
struct TimestampParsingTests {
    static let valid: [(String, TimeInterval)] = [
        ("1970-01-01T00:00:00Z", 0),
        ("2030-01-31T12:00:00Z", 1_896_091_200),
        ("2030-01-31t12:00:00z", 1_896_091_200),
        ("2030-01-31T12:00:00.5Z", 1_896_091_200.5),
        ("2030-01-31T12:00:00.123Z", 1_896_091_200.123),
        ("2030-01-31T13:30:00+01:30", 1_896_091_200),
        ("2030-01-31T10:00:00-02:00", 1_896_091_200),
        ("2024-02-29T00:00:00Z", 1_709_164_800),
        ("2000-02-29T23:59:59Z", 951_868_799),
        ("9999-12-31T23:59:59Z", 253_402_300_799),
        ("1969-12-31T23:59:59Z", -1),
    ]

    static let invalid = [
        "2099-02-30T00:00:00Z", "2099-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2030-04-31T00:00:00Z", "2030-13-01T00:00:00Z",
        "2030-00-10T00:00:00Z", "2030-01-00T00:00:00Z", "2030-01-32T00:00:00Z", "2030-01-01T24:00:00Z", "2030-01-01T23:60:00Z",
        "2030-01-01T23:59:60Z", "99999-01-01T00:00:00Z", "+99999-01-01T00:00:00Z", "999-01-01T00:00:00Z", "2030-1-01T00:00:00Z",
        "2030-01-01 00:00:00Z", "2030-01-01T00:00:00", "2030-01-01T00:00:00+0100", "2030-01-01T00:00:00+24:00",
        "2030-01-01T00:00:00+01:60", "2030-01-01T00:00:00.Z", "2030-01-01T00:00:00.1234567890Z", "2030-01-01T00:00:00ZZ",
        "2030-01-01", "", "2030-01-01T00:00:00Z ", " 2030-01-01T00:00:00Z", "2030-01-01T00:00:00+01:00x", "２０３０-01-01T00:00:00Z",
        "2030-01-01T0a:00:00Z", "2030-01-01T00:00:00\u{0}Z",
    ]

    @Test("Valid timestamps parse to the instant they name")
    func validTimestamps() throws {
        for (text, seconds) in Self.valid {
            let parsed = try #require(RFC3339DateTranscoder.parse(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 0.0005, "\(text)")
        }
    }

    @Test("Impossible days, hours, minutes, seconds, years and malformed text are refused")
    func invalidTimestamps() {
        for text in Self.invalid {
            #expect(RFC3339DateTranscoder.parse(text) == nil, "\(text)")
            #expect(throws: (any Error).self, "\(text)") { try RFC3339DateTranscoder().decode(text) }
        }
    }

    @Test("Agrees with Foundation on random valid timestamps, and reads back what it writes")
    func agreesWithFoundation() throws {
        let style = Date.ISO8601FormatStyle(timeZone: .gmt)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            // From 1583 (Foundation's calendar is Julian before) to 9999.
            let date = Date(timeIntervalSince1970: TimeInterval(Int64.random(in: -12_212_553_600...253_402_300_799, using: &generator)))
            let text = RFC3339DateTranscoder.format(date)
            #expect(RFC3339DateTranscoder.parse(text) == date, "\(text)")
            #expect(try style.parse(text) == date, "\(text)")
        }
    }
}
