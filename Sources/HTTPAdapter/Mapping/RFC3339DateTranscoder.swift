import Core
import Foundation
import OpenAPIRuntime

/// RFC 3339 timestamps: written in whole seconds as before, read with or without fractional seconds,
/// because browsers' `Date.toISOString()` always sends milliseconds.
struct RFC3339DateTranscoder: DateTranscoder {
    let whole: any DateTranscoder = .iso8601
    let fractional: any DateTranscoder = .iso8601WithFractionalSeconds

    func encode(_ date: Date) throws -> String {
        try whole.encode(date)
    }

    /// A malformed timestamp is invalid input (422). The decoder would lose the field's name on the way
    /// out of the custom date strategy, so the message names the value.
    func decode(_ text: String) throws -> Date {
        if let date = try? whole.decode(text) { return date }
        if let date = try? fractional.decode(text) { return date }
        throw DomainError.invalid("'\(text)' is not an RFC 3339 timestamp (such as 2030-01-31T12:00:00Z)")
    }
}
