import Core
import Foundation
import OpenAPIRuntime

/// Dates as RFC 3339 in UTC, as CONTRACT.md asks: written without fractional seconds
/// (`2026-11-21T08:00:00Z`), read with or without them (browsers' `toISOString()` sends
/// milliseconds).
///
/// Replaces the runtime's default transcoder, which funnels every date of every response through
/// one lock-guarded `ISO8601DateFormatter` (ICU); Foundation's format styles need neither.
struct RFC3339DateTranscoder: DateTranscoder {
    private static let whole = Date.ISO8601FormatStyle(timeZone: .gmt)
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    func encode(_ date: Date) throws -> String {
        Self.whole.format(date)
    }

    func decode(_ text: String) throws -> Date {
        if let date = try? Self.whole.parse(text) { return date }
        if let date = try? Self.fractional.parse(text) { return date }
        // A malformed timestamp is invalid input (422). The decoder would lose the field's name on the
        // way out of the custom date strategy, so the message names the value.
        throw DomainError.invalid("'\(text)' is not an RFC 3339 timestamp (such as 2030-01-31T12:00:00Z)")
    }
}
