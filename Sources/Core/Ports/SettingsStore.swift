/// Small named values the service keeps for itself (such as the generated token signing key).
public protocol SettingsStore: Sendable {
    /// Stores `value` under `key` unless a value is already there, and returns the stored value.
    /// Concurrent callers all get the same winner.
    func valueInsertingIfAbsent(key: String, value: String) async throws -> String
}
