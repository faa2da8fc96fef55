import Core
import Foundation
import OpenAPIRuntime

/// Dates as RFC 3339 in UTC, as CONTRACT.md asks: written without fractional seconds
/// (`2026-11-21T08:00:00Z`), read with or without them (browsers' `toISOString()` sends
/// milliseconds).
///
/// Replaces the runtime's default transcoder, which funnels every date of every response through
/// one lock-guarded `ISO8601DateFormatter` (ICU). Dates are written by hand (a list of 20 members
/// has 20 of them) and read by hand too: Foundation's parser accepted `2099-02-30` (as March 2nd),
/// `24:00:00` and five-digit years.
struct RFC3339DateTranscoder: DateTranscoder {
    private static let whole = Date.ISO8601FormatStyle(timeZone: .gmt)

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
        guard let date = Self.parse(text) else {
            // A malformed timestamp is invalid input (422). The decoder would lose the field's name on the
            // way out of the custom date strategy, so the message names the value.
            throw DomainError.invalid(
                "'\(text)' is not a valid RFC 3339 timestamp (such as 2030-01-31T12:00:00Z): four-digit year, a day that "
                    + "exists in its month, hours 00-23, minutes and seconds 00-59"
            )
        }
        return date
    }

    /// RFC 3339 `date-time`, strictly: `YYYY-MM-DDThh:mm:ss`, an optional fraction of 1 to 9 digits, then `Z`
    /// or `±hh:mm`. Every field is range-checked, the day against its month (leap years included), so
    /// `2099-02-30`, `24:00:00`, `:60` (leap seconds are not accepted) and five-digit years are nil, where
    /// Foundation's parser rolled them over into another date.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + length] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        func separator(_ index: Int, _ allowed: String) -> Bool { index < bytes.count && allowed.utf8.contains(bytes[index]) }
        guard let year = number(0, 4), separator(4, "-"), let month = number(5, 2), separator(7, "-"), let day = number(8, 2),
            separator(10, "Tt"), let hour = number(11, 2), separator(13, ":"), let minute = number(14, 2), separator(16, ":"),
            let second = number(17, 2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if separator(index, ".") {
            var digits = 0
            var scale = 0.1
            index += 1
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                fraction += Double(bytes[index] - UInt8(ascii: "0")) * scale
                scale /= 10
                digits += 1
                index += 1
            }
            guard (1...9).contains(digits) else { return nil }
        }
        let offset: Int
        if separator(index, "Zz"), index + 1 == bytes.count {
            offset = 0
        } else if separator(index, "+-"), index + 6 == bytes.count, let hours = number(index + 1, 2), separator(index + 3, ":"),
            let minutes = number(index + 4, 2), (0...23).contains(hours), (0...59).contains(minutes)
        {
            offset = (bytes[index] == UInt8(ascii: "-") ? -1 : 1) * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        let seconds = daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`), the inverse of `civilDate`.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
