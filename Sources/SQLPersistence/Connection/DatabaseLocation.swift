import Foundation

/// Where the data lives, parsed from a `VIRTUALSTACK_DATABASE_URL`:
/// `sqlite:///abs/path.sqlite`, `sqlite://relative.sqlite`, `sqlite::memory:` or
/// `postgres://user:pass@host:port/db` (also `postgresql://`), optionally with
/// `?sslmode=disable|require|verify-full` and `&sslrootcert=/path/ca.pem` (see `PostgresTLS`).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqliteFile(path: String)
    case sqliteMemory
    case postgres(url: String)

    public struct InvalidURL: Error, CustomStringConvertible {
        public let description: String
    }

    public init(url: String) throws(InvalidURL) {
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            self = .sqliteMemory
        } else if url.hasPrefix("sqlite://") {
            // `sqlite:///abs/file` keeps the leading slash, `sqlite://file` is relative to the working directory.
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else {
                throw InvalidURL(description: "database URL '\(url)' names no file")
            }
            self = .sqliteFile(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
                components.user != nil, components.path.count > 1
            else {
                throw InvalidURL(description: "database URL '\(Self.redacted(url))' must look like postgres://user:password@host:port/database")
            }
            do {
                _ = try PostgresTLS(url: url)
            } catch {
                throw InvalidURL(description: "database URL '\(Self.redacted(url))': \(error.description)")
            }
            self = .postgres(url: url)
        } else {
            throw InvalidURL(description: "database URL '\(Self.redacted(url))' is neither sqlite:// nor postgres://")
        }
    }

    /// The URL without its password, safe for logs and error messages.
    public var description: String {
        switch self {
        case .sqliteFile(let path): "sqlite://\(path)"
        case .sqliteMemory: "sqlite::memory:"
        case .postgres(let url): Self.redacted(url)
        }
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "<unparseable URL>"
    }
}
