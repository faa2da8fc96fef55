package import Foundation

/// The generated types and server stubs of `openapi.yaml` live beside this file (made at build time
/// by swift-openapi-generator); the document itself is bundled as a resource.
package enum APIContract {
    /// Where the document's operations are mounted (its `servers` entry).
    package static let basePath = "/api/v1"

    /// The raw `openapi.yaml`, as served at `GET /api/v1/openapi.yaml`.
    package static let document: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else {
            preconditionFailure("openapi.yaml is missing from the APIContract bundle")
        }
        return data
    }()
}
