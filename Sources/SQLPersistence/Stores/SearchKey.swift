import Foundation

/// The text member searches run against, folded the same way as the search term: composed form (NFC),
/// then Unicode lower case (`É` → `é`, not only ASCII as SQLite's `LOWER()`). Email, first and last name
/// are joined by line feeds, which a search term cannot contain (control characters are refused), so a
/// substring of the key is a substring of one of the three fields.
enum SearchKey {
    static func of(email: String, firstName: String, lastName: String) -> String {
        [email, firstName, lastName].map(fold).joined(separator: "\n")
    }

    static func fold(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping.lowercased()
    }
}
