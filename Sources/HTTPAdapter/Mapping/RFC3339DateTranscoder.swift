import Core
import Foundation
import OpenAPIRuntime

/// Dates as RFC 3339 in UTC, as CONTRACT.md asks: written without fractional seconds
/// (`2026-11-21T08:00:00Z`), read with or without them (browsers' `toISOString()` sends
/// milliseconds).
///
/// Replaces the runtime's default transcoder, which funnels every date of every response through
/// one lock-guarded `ISO8601DateFormatter` (ICU). Dates are written by hand (a list of 20 members
/// has 20 of them); reading uses Foundation's format styles.
struct RFC3339DateTranscoder: DateTranscoder {
    private static let whole = Date.ISO8601FormatStyle(timeZone: .gmt)
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    func encode(_ date: Date) throws -> String {
        Self.format(date)
    }

    /// `YYYY-MM-DDThh:mm:ssZ` in UTC, fractions of a second dropped, as `ISO8601FormatStyle` does.
    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        // From 1583 (Foundation's calendar is Julian before the Gregorian reform of October 1582) to
        // 9999 (four digits). Anything else is left to Foundation.
        guard seconds >= -12_212_553_600, seconds < 253_402_300_800 else { return whole.format(date) }
        let (days, secondOfDay) = Int(seconds).quotientAndRemainder(dividingBy: 86_400)
        let (year, month, day) = civilDate(daysSince1970: secondOfDay < 0 ? days - 1 : days)
        let second = secondOfDay < 0 ? secondOfDay + 86_400 : secondOfDay
        return String(unsafeUninitializedCapacity: 20) { text in
            func put(_ value: Int, digits: Int, at position: Int) {
                var value = value
                for offset in (0..<digits).reversed() {
                    text[position + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, digits: 4, at: 0)
            put(month, digits: 2, at: 5)
            put(day, digits: 2, at: 8)
            put(second / 3600, digits: 2, at: 11)
            put(second / 60 % 60, digits: 2, at: 14)
            put(second % 60, digits: 2, at: 17)
            (text[4], text[7], text[10]) = (UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: "T"))
            (text[13], text[16], text[19]) = (UInt8(ascii: ":"), UInt8(ascii: ":"), UInt8(ascii: "Z"))
            return 20
        }
    }

    /// Year, month and day of a count of days since 1970-01-01 in the proleptic Gregorian calendar
    /// (Howard Hinnant's `civil_from_days`, counted in 400-year eras starting on March 1st).
    private static func civilDate(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    func decode(_ text: String) throws -> Date {
        if let date = try? Self.whole.parse(text) { return date }
        if let date = try? Self.fractional.parse(text) { return date }
        // A malformed timestamp is invalid input (422). The decoder would lose the field's name on the
        // way out of the custom date strategy, so the message names the value.
        throw DomainError.invalid("'\(text)' is not an RFC 3339 timestamp (such as 2030-01-31T12:00:00Z)")
    }
}
