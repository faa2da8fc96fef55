import Core
import Foundation
import HTTPTypes
import Hummingbird

/// Operations served by a handler written here instead of the one generated from openapi.yaml,
/// because the OpenAPI runtime's `JSONEncoder` cost more than everything else in their request:
/// encoding a page of 20 members through `Codable` took longer than the database query.
///
/// Only the plumbing differs: the same use case answers, the same middleware authenticates and
/// maps errors, and the response is the schema openapi.yaml documents. `HandEncodedRouteTests`
/// sends the same requests to this handler and to the generated one and compares the answers.
/// They are plain Hummingbird routes, so their response goes out as one buffer, without the
/// OpenAPI transport's body stream.
extension APIHandlers {
    typealias RouteHandler = @Sendable (Request, AppRequestContext) async throws -> Response

    /// Keyed as the generated code registers its routes: method, then path template.
    var handEncodedRoutes: [OperationRoute: RouteHandler] {
        [OperationRoute(method: .get, path: "/api/v1/users"): listUsersHandEncoded]
    }

    /// `GET /users` (operation `listUsers`).
    @Sendable func listUsersHandEncoded(request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.requireAcceptable(request.headers)
        let query = try FormQuery(target: request.uri.description)
        let page = try await memberPage(page: query.integer("page"), limit: query.integer("limit"), search: query["search"])
        var json = JSONWriter(capacity: 64 + 320 * page.items.count)
        page.writeUserPage(to: &json)
        return JSONResponse.ok(json)
    }
}

enum JSONResponse {
    static func ok(_ json: JSONWriter) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: json.buffer))
    }

    /// The client's `Accept` must allow JSON, when it is sent: `application/json`, `application/*`
    /// or `*/*`, parameters such as `q` ignored. Otherwise 406, as the generated handlers answer.
    static func requireAcceptable(_ headers: HTTPFields) throws(HTTPError) {
        guard let accept = headers[.accept] else { return }
        let ranges = accept.split(separator: ",").map { range in
            (range.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        }
        let acceptable = ranges.allSatisfy(\.isEmpty) || ranges.contains { ["application/json", "application/*", "*/*"].contains($0) }
        guard acceptable else {
            throw HTTPError(.notAcceptable, message: "This response is application/json, which Accept '\(accept)' does not allow")
        }
    }
}
