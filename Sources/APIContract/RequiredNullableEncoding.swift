// Required nullable properties (in `required`, typed `[T, "null"]` in openapi.yaml) must be sent as
// `null` when they have no value: a client reading the document may rely on every required key.
// swift-openapi-generator types them as optionals and synthesizes `Encodable`, whose `encodeIfPresent`
// leaves a nil out (swift-openapi-generator issue #934). The types that have such properties encode
// themselves here: `encode` of an optional writes `null`. `RequiredNullable.properties` lists them, and
// `OpenAPIDocumentTests` fails when the document has one that this file does not cover.

package enum RequiredNullable {
    /// Schema name → its required nullable properties (JSON names), as this file encodes them.
    package static let properties: [String: Set<String>] = [
        "Tenant": ["description"],
        "Role": ["description", "tenant_id"],
        "Invitation": ["invited_by"],
        "CreatedInvitation": ["invited_by"],
        "VM": ["task", "ip_address", "template_name"],
        "VMTemplate": ["description"],
        "QuotaFigure": ["limit", "headroom"],
        "AuditEvent": ["tenant_id", "actor_id", "target_id", "request_id", "client_address"],
        "QuotaLimits": ["vms", "vcpus", "memory_gb", "disk_gb"],
    ]
}

extension Components.Schemas.Tenant {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

extension Components.Schemas.Role {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(isSystemRole, forKey: .isSystemRole)
        try container.encode(tenantId, forKey: .tenantId)
        try container.encode(userCount, forKey: .userCount)
        try container.encode(permissionIds, forKey: .permissionIds)
        try container.encode(permissions, forKey: .permissions)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

extension Components.Schemas.Invitation {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(roleId, forKey: .roleId)
        try container.encode(tenantId, forKey: .tenantId)
        try container.encode(status, forKey: .status)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encodeIfPresent(acceptedAt, forKey: .acceptedAt)
        try container.encodeIfPresent(revokedAt, forKey: .revokedAt)
        try container.encode(invitedBy, forKey: .invitedBy)
    }
}

extension Components.Schemas.CreatedInvitation {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(email, forKey: .email)
        try container.encode(roleId, forKey: .roleId)
        try container.encode(tenantId, forKey: .tenantId)
        try container.encode(status, forKey: .status)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encode(invitedBy, forKey: .invitedBy)
        try container.encode(token, forKey: .token)
        try container.encode(acceptUrl, forKey: .acceptUrl)
    }
}

extension Components.Schemas.Vm {
    /// Strings, enums' raw values and integers go through the container's non-generic overloads: a
    /// page of VMs is the largest response the API sends most often, and the generic path checks each
    /// value's type at run time.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(status.rawValue, forKey: .status)
        try container.encodeNullable(task, forKey: .task)
        try container.encode(cpu, forKey: .cpu)
        try container.encode(memoryGb, forKey: .memoryGb)
        try container.encode(diskGb, forKey: .diskGb)
        try container.encodeNullable(ipAddress, forKey: .ipAddress)
        try container.encode(sourceType.rawValue, forKey: .sourceType)
        try container.encodeIfPresent(templateId, forKey: .templateId)
        try container.encodeNullable(templateName, forKey: .templateName)
        try container.encodeIfPresent(isoUrl, forKey: .isoUrl)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

extension KeyedEncodingContainer {
    /// A required nullable string: `null` when nil, else the string through the non-generic overload.
    mutating func encodeNullable(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

extension Components.Schemas.VMTemplate {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(description, forKey: .description)
        try container.encode(cpu, forKey: .cpu)
        try container.encode(memoryGb, forKey: .memoryGb)
        try container.encode(diskGb, forKey: .diskGb)
        try container.encodeIfPresent(images, forKey: .images)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

extension Components.Schemas.QuotaFigure {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(limit, forKey: .limit)
        try container.encode(used, forKey: .used)
        try container.encode(reserved, forKey: .reserved)
        try container.encode(headroom, forKey: .headroom)
    }
}

extension Components.Schemas.QuotaLimits {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(vms, forKey: .vms)
        try container.encode(vcpus, forKey: .vcpus)
        try container.encode(memoryGb, forKey: .memoryGb)
        try container.encode(diskGb, forKey: .diskGb)
    }
}

extension Components.Schemas.AuditEvent {
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(tenantId, forKey: .tenantId)
        try container.encode(actorType, forKey: .actorType)
        try container.encode(actorId, forKey: .actorId)
        try container.encode(operation, forKey: .operation)
        try container.encode(targetType, forKey: .targetType)
        try container.encode(targetId, forKey: .targetId)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(requestId, forKey: .requestId)
        try container.encode(clientAddress, forKey: .clientAddress)
        try container.encode(details, forKey: .details)
    }
}
