import Foundation

/// The OpenAPI document this target's code is generated from, as served at `GET /api/v1/openapi.yaml`.
package enum OpenAPIDocument {
    /// The raw YAML bytes of `openapi.yaml`, read once from the bundled resource.
    package static let yaml: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else {
            fatalError("openapi.yaml is missing from the APIContract bundle")
        }
        return data
    }()
}
