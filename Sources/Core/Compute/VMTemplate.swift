import Foundation

public typealias TemplateID = EntityID<VMTemplate>

/// An entry of the VM catalog: default sizes and, per driver kind, the image that driver builds from.
public struct VMTemplate: Sendable, Equatable {
    public let id: TemplateID
    public let name: String
    public let description: String?
    public let defaultSize: VMSize
    /// Driver kind → image (`libvirt`: `<pool>/<volume>`; `vcenter`: a VM or template to clone).
    public let images: [DriverKind: String]
    public let createdAt: Date

    public init(
        id: TemplateID, name: String, description: String?, defaultSize: VMSize, images: [DriverKind: String], createdAt: Date
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.defaultSize = defaultSize
        self.images = images
        self.createdAt = createdAt
    }

    /// The image a host of `kind` builds this template from; nil when it cannot. The simulated driver
    /// serves every template, with or without an entry.
    public func image(for kind: DriverKind) -> String?? {
        if let image = images[kind] { return .some(image) }
        return kind == .simulated ? .some(nil) : nil
    }
}
