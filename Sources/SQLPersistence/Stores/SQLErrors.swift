import Core
import PostgresKit
import SQLiteKit

/// Turns the engines' constraint errors into domain errors so callers see `409` and not `500`: a
/// violated uniqueness rule, and a reference to a row that a concurrent request removed (a tenant,
/// membership or role deleted between a check and the write that relies on it). `referenced` replaces
/// the latter's message where the violated reference is a row still in use (a tenant or host with VMs).
func translatingErrors<R>(
    conflict message: @autoclosure () -> String = "The resource already exists",
    referenced: @autoclosure () -> String = removedMeanwhile,
    _ work: () async throws -> R
) async throws -> R {
    do {
        return try await work()
    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
        throw DomainError.conflict(message())
    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23503" {
        throw DomainError.conflict(referenced())
    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "40P01" {
        // A deadlock PostgreSQL broke by aborting this transaction; our lock order should prevent them.
        throw DomainError.conflict("The request collided with a concurrent change; try again")
    } catch let error as SQLiteError where error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed {
        throw DomainError.conflict(message())
    } catch let error as SQLiteError where error.reason == .constraintForeignKeyFailed {
        throw DomainError.conflict(referenced())
    } catch let error as SQLiteError where error.reason == .constraintTriggerFailed && error.message.contains("FOREIGN KEY") {
        // `ON DELETE RESTRICT` is reported as a trigger failure.
        throw DomainError.conflict(referenced())
    }
}

private let removedMeanwhile = "Something this request refers to was removed meanwhile; reload and try again"
