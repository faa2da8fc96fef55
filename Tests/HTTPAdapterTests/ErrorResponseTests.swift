import Core
import HTTPTypes
import OpenAPIRuntime
import Testing

@testable import HTTPAdapter

/// The one place where errors become statuses.
@Suite("Error responses")
struct ErrorResponseTests {
    @Test("A database that is too busy to lend a connection is 503 with a detail, also when the runtime wraps the error")
    func unavailable() throws {
        let busy = DomainError.unavailable("The database is busy; try again shortly")
        let wrapped = ServerError(
            operationID: "getCurrentUser", request: HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/"),
            requestBody: nil, requestMetadata: .init(), causeDescription: "handler failed", underlyingError: busy
        )
        for error in [busy, wrapped] as [any Error] {
            let response = try #require(ErrorResponse(error))
            #expect(response.status == .serviceUnavailable)
            #expect(response.detail == "The database is busy; try again shortly")
        }
    }
}
