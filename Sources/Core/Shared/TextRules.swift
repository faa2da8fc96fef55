import Foundation

/// What text from clients may contain. Names, emails and descriptions are shown to other people, in
/// lists and next to each other, so they must look like what they are: no control characters (a NUL
/// cut `"Tenant Admin\u{0}…"` down to the system role's name on screen), no invisible format
/// characters (U+200B zero-width space, U+202E right-to-left override, …), no line separators.
public enum TextRules {
    /// Unicode categories Cc (control), Cf (format), Zl and Zp (line and paragraph separators).
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }

    /// Whether `text` holds a forbidden character; descriptions may hold line feeds (they are prose).
    public static func containsForbidden(_ text: String, allowingLineFeeds: Bool = false) -> Bool {
        text.unicodeScalars.contains { isForbidden($0) && !(allowingLineFeeds && $0 == "\n") }
    }

    static func requireVisible(_ text: String, field: String, allowingLineFeeds: Bool = false) throws(DomainError) {
        guard !containsForbidden(text, allowingLineFeeds: allowingLineFeeds) else {
            throw .invalid("\(field) must not contain control or invisible formatting characters")
        }
    }
}

/// Display names (people, tenants, roles, API keys): trimmed, in Unicode's composed form (so two
/// spellings of "Émile" are one name), visible characters only, 1 to 100 characters. Lengths count
/// code points, as JSON Schema's `maxLength` in openapi.yaml does (an emoji with a skin-tone modifier
/// is two).
enum Names {
    static let maximumLength = 100

    static func valid(_ raw: String, field: String) throws(DomainError) -> String {
        let name = raw.trimmingWhitespace().precomposedStringWithCanonicalMapping
        try TextRules.requireVisible(name, field: field)
        guard (1...maximumLength).contains(name.unicodeScalars.count) else { throw .invalid("\(field) must be 1 to \(maximumLength) characters") }
        return name
    }
}

/// Descriptions of tenants and roles: optional prose up to 1,000 characters (so a list of roles stays
/// small), line feeds allowed, nothing else invisible. Blank is no description.
enum Descriptions {
    static let maximumLength = 1000

    static func valid(_ raw: String?, field: String = "description") throws(DomainError) -> String? {
        guard let raw else { return nil }
        let text = raw.trimmingWhitespace().precomposedStringWithCanonicalMapping
        guard !text.isEmpty else { return nil }
        try TextRules.requireVisible(text, field: field, allowingLineFeeds: true)
        guard text.unicodeScalars.count <= maximumLength else { throw .invalid("\(field) must be at most \(maximumLength) characters") }
        return text
    }
}
