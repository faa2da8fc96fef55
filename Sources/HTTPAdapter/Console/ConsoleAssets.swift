import Foundation
import NIOCore

/// The web console's files (HTML, CSS, JavaScript modules), served at `/` beside the API.
///
/// Built-in files are read (and gzipped) once, when the service starts, and answered from memory. A development
/// directory (`VIRTUALSTACK_CONSOLE_DIR`) is read again on every request, so edits show on reload; its
/// reads run off the event loops. Either way the set of paths is fixed at start: a file added later
/// needs a restart.
public struct ConsoleAssets: Sendable {
    /// One file as answered: its bytes, type and validator.
    struct Asset: Sendable {
        let bytes: ByteBuffer
        let contentType: String
        /// A strong validator of the bytes, so that a browser revalidates with a `304` instead of a download.
        let etag: String
        /// The bytes gzipped, for browsers that accept it; nil when that would not be smaller (or for
        /// files read from a development directory).
        let gzipped: ByteBuffer?

        /// The gzipped representation's validator: another representation, another tag.
        var gzippedETag: String { String(etag.dropLast()) + "-gzip\"" }
    }

    private enum Source: Sendable {
        case memory([String: Asset])
        case directory(URL)
    }

    private let source: Source
    /// Relative paths (`js/app.js`), the ones served.
    let paths: [String]

    /// The files under `directory`. `live`: read them on each request instead of once now.
    public init(directory: URL, live: Bool) throws {
        let paths = try Self.files(under: directory)
        self.paths = paths
        if live {
            source = .directory(directory)
        } else {
            var assets: [String: Asset] = [:]
            for path in paths { assets[path] = try Self.read(path, in: directory, compressing: true) }
            source = .memory(assets)
        }
    }

    func asset(_ path: String) async throws -> Asset? {
        switch source {
        case .memory(let assets):
            return assets[path]
        case .directory(let directory):
            guard paths.contains(path) else { return nil }
            return try await Task.detached { try Self.read(path, in: directory) }.value
        }
    }

    private static func read(_ path: String, in directory: URL, compressing: Bool = false) throws -> Asset {
        let data = try Data(contentsOf: directory.appendingPathComponent(path))
        let gzipped = compressing ? Gzip.compress(Array(data)).flatMap { $0.count < data.count ? ByteBuffer(bytes: $0) : nil } : nil
        return Asset(bytes: ByteBuffer(bytes: data), contentType: contentType(of: path), etag: etag(of: data), gzipped: gzipped)
    }

    /// Every regular file below `directory`, by relative path; hidden files are left out.
    private static func files(under directory: URL) throws -> [String] {
        let root = directory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(
            at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]
        ) else { return [] }
        var paths: [String] = []
        for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(root + "/") else { continue }
            paths.append(String(full.dropFirst(root.count + 1)))
        }
        return paths.sorted()
    }

    static func contentType(of path: String) -> String {
        switch path.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }

    /// 64-bit FNV-1a of the bytes: a change of content changes the validator (collisions are irrelevant
    /// at this scale; it is not a security check).
    private static func etag(of data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return "\"" + String(hash, radix: 16) + "\""
    }
}
