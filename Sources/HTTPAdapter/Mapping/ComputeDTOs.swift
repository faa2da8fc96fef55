import APIContract
import Core

extension Components.Schemas.Vm {
    init(_ vm: VirtualMachine) {
        let sourceType: SourceTypePayload
        var templateID: String?
        var isoURL: String?
        switch vm.source {
        case .template(let id, _):
            sourceType = .template
            templateID = id?.description
        case .iso(let url):
            sourceType = .iso
            isoURL = url
        }
        self.init(
            id: vm.id.description, name: vm.name, status: .init(vm.status), task: vm.task?.rawValue, cpu: vm.size.cpu,
            memoryGb: vm.size.memoryGB, diskGb: vm.size.diskGB, ipAddress: vm.ipAddress, sourceType: sourceType,
            templateId: templateID, templateName: vm.templateName, isoUrl: isoURL, createdAt: vm.createdAt, updatedAt: vm.updatedAt
        )
    }
}

extension Components.Schemas.VMStatus {
    init(_ status: VMStatus) {
        switch status {
        case .provisioning: self = .provisioning
        case .running: self = .running
        case .stopped: self = .stopped
        case .error: self = .error
        }
    }

    var domain: VMStatus {
        switch self {
        case .provisioning: .provisioning
        case .running: .running
        case .stopped: .stopped
        case .error: .error
        }
    }
}

extension Components.Schemas.VMPage {
    init(_ page: Page<VirtualMachine>) {
        self.init(items: page.items.map(Components.Schemas.Vm.init), total: page.total, page: page.request.page, limit: page.request.limit)
    }
}

extension Components.Schemas.VMLogEntry {
    init(_ entry: Core.VMLogEntry) {
        let level: LevelPayload =
            switch entry.level {
            case .info: .info
            case .warning: .warning
            case .error: .error
            }
        self.init(timestamp: entry.timestamp, level: level, message: entry.message)
    }
}

extension Components.Schemas.VMTemplate {
    init(_ template: Core.VMTemplate, showingImages: Bool) {
        self.init(
            id: template.id.description, name: template.name, description: template.description, cpu: template.defaultSize.cpu,
            memoryGb: template.defaultSize.memoryGB, diskGb: template.defaultSize.diskGB,
            images: showingImages
                ? .init(
                    simulated: template.images[.simulated], libvirt: template.images[.libvirt], vcenter: template.images[.vcenter]
                ) : nil,
            createdAt: template.createdAt
        )
    }
}

extension Components.Schemas.TemplateImages {
    /// Driver kind name → image, as the core takes it.
    var byDriverName: [String: String] {
        var images: [String: String] = [:]
        images["simulated"] = simulated
        images["libvirt"] = libvirt
        images["vcenter"] = vcenter
        return images
    }
}

extension Components.Schemas.Host {
    /// The sealed password stays inside: only the settings an operator may read are shown.
    init(_ host: Core.HypervisorHost) {
        let vcenter = Core.VCenterHostSettings(host.settings)
        self.init(
            id: host.id.description, name: host.name, driver: .init(rawValue: host.driver.rawValue) ?? .simulated, uri: host.uri,
            enabled: host.enabled, capacity: .init(host.capacity),
            allocated: .init(cpu: host.allocated.cpu, memoryGb: host.allocated.memoryGB, diskGb: host.allocated.diskGB),
            vmCount: host.vmCount, virtType: host.settings["virt_type"].flatMap(VirtTypePayload.init(rawValue:)),
            status: host.downReason == nil ? .up : .down, downReason: host.downReason, downSince: host.downSince,
            username: vcenter?.username, insecure: vcenter?.insecure, caPem: vcenter?.caPEM, thumbprint: vcenter?.thumbprint,
            datacenter: vcenter?.placement.datacenter, cluster: vcenter?.placement.cluster,
            resourcePool: vcenter?.placement.resourcePool, datastore: vcenter?.placement.datastore,
            folder: vcenter?.placement.folder, network: vcenter?.placement.network,
            createdAt: host.createdAt, updatedAt: host.updatedAt
        )
    }
}

extension Components.Schemas.HostCapacity {
    init(_ capacity: Core.HostCapacity) {
        self.init(
            vcpus: capacity.vcpus, memoryGb: capacity.memoryGB, diskGb: capacity.diskGB, cpuOvercommit: capacity.cpuOvercommit,
            memoryOvercommit: capacity.memoryOvercommit, diskOvercommit: capacity.diskOvercommit
        )
    }

    /// Overcommit ratios left out take the defaults of `HostService.defaultCapacity`.
    var domain: Core.HostCapacity {
        let defaults = HostService.defaultCapacity
        return Core.HostCapacity(
            vcpus: vcpus, memoryGB: memoryGb, diskGB: diskGb, cpuOvercommit: cpuOvercommit ?? defaults.cpuOvercommit,
            memoryOvercommit: memoryOvercommit ?? defaults.memoryOvercommit, diskOvercommit: diskOvercommit ?? defaults.diskOvercommit
        )
    }
}
