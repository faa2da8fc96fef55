/// How much one tenant or one user may keep, so that no list a member can be handed grows without
/// bound (a tenant's roles come back whole from `GET /roles`). Checked inside the transaction that adds
/// one more, under a lock on the tenant or user, so concurrent requests cannot overshoot. `409` when
/// reached: the state, not the request, is what must change (delete something first).
public enum Limits {
    public static let customRolesPerTenant = 1000
    public static let apiKeysPerUser = 100
    public static let pendingInvitationsPerTenant = 1000
}
