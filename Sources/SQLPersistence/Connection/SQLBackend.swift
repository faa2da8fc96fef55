/// The two SQL engines we support. Repositories are written once; this only picks DDL types
/// and the statement that opens a write transaction.
public enum SQLBackend: Sendable {
    case sqlite
    case postgres

    /// Column type for timestamps: SQLite keeps them as REAL seconds, PostgreSQL as TIMESTAMPTZ.
    var timestampType: String {
        switch self {
        case .sqlite: "REAL"
        case .postgres: "TIMESTAMPTZ"
        }
    }

    /// `BEGIN IMMEDIATE` takes SQLite's write lock up front, so two transactions never deadlock
    /// upgrading read locks; PostgreSQL has row locks and needs nothing special.
    var beginTransaction: String {
        switch self {
        case .sqlite: "BEGIN IMMEDIATE"
        case .postgres: "BEGIN"
        }
    }
}
