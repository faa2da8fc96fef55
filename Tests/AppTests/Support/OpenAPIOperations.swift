import Foundation
import HTTPTypes
import Yams

/// The operations openapi.yaml declares, read from the document itself, so that a test over "every
/// operation" covers an operation added tomorrow without being edited.
struct DocumentedOperation: Sendable, CustomStringConvertible {
    let method: HTTPRequest.Method
    /// The path template under the server's base path, e.g. `/api/v1/users/{user_id}`.
    let path: String
    let operationID: String
    /// `security: []` (or an empty requirement among its alternatives): callable without credentials.
    let isPublic: Bool
    /// The statuses its `responses` document.
    let statuses: Set<String>

    var description: String { "\(method) \(path) (\(operationID))" }

    /// The path with every `{parameter}` replaced by `value(name)`.
    func concretePath(_ value: (String) -> String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? value(String(segment.dropFirst().dropLast())) : String(segment)
        }.joined(separator: "/")
    }
}

enum OpenAPIDocument {
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// The document as parsed YAML.
    static func parse(_ yaml: String) throws -> [String: Any] {
        guard let document = try Yams.load(yaml: yaml) as? [String: Any] else { throw ParseError("not a YAML mapping") }
        return document
    }

    static func operations(in yaml: String) throws -> [DocumentedOperation] {
        let document = try parse(yaml)
        let basePath = ((document["servers"] as? [[String: Any]])?.first?["url"] as? String) ?? ""
        let globalSecurity = document["security"] as? [[String: Any]] ?? []
        guard let paths = document["paths"] as? [String: Any] else { throw ParseError("no paths") }
        var operations: [DocumentedOperation] = []
        for (path, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            for method in methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let security = operation["security"] as? [[String: Any]] ?? globalSecurity
                operations.append(
                    DocumentedOperation(
                        method: HTTPRequest.Method(method.uppercased())!,
                        path: basePath + path,
                        operationID: operation["operationId"] as? String ?? "?",
                        isPublic: security.isEmpty || security.contains { $0.isEmpty },
                        statuses: Set((operation["responses"] as? [String: Any] ?? [:]).keys.map { "\($0)" })
                    )
                )
            }
        }
        return operations.sorted { ($0.path, $0.method.rawValue) < ($1.path, $1.method.rawValue) }
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
