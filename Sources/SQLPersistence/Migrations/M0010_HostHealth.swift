/// Whether a host answers: `down_reason` holds the last failure of the host as a whole (unreachable,
/// credentials refused, certificate not trusted) and `down_since` when it started; both are null while
/// the host answers. Placement skips down hosts, as it skips drained ones.
let hostHealthSchema = Migration(version: 10, name: "host_health") { backend in
    [
        "ALTER TABLE hosts ADD COLUMN down_reason TEXT",
        "ALTER TABLE hosts ADD COLUMN down_since \(backend.timestampType)",
    ]
}
