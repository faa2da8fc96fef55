import APIContract
import Core

extension Components.Schemas.Quota {
    init(_ report: QuotaReport) {
        func figure(_ dimension: QuotaDimension) -> Components.Schemas.QuotaFigure {
            .init(
                limit: report.limits[dimension], used: report.usage.used[dimension], reserved: report.usage.reserved[dimension],
                headroom: report.headroom(dimension)
            )
        }
        self.init(vms: figure(.vms), vcpus: figure(.vcpus), memoryGb: figure(.memoryGB), diskGb: figure(.diskGB))
    }
}
