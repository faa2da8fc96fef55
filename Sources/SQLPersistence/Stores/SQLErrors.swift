import Core
import PostgresKit
import SQLiteKit

/// Turns the engines' constraint errors into domain errors so callers see `409` and not `500`.
func translatingErrors<R>(
    conflict message: @autoclosure () -> String = "The resource already exists",
    _ work: () async throws -> R
) async throws -> R {
    do {
        return try await work()
    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
        throw DomainError.conflict(message())
    } catch let error as SQLiteError where error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed {
        throw DomainError.conflict(message())
    }
}
