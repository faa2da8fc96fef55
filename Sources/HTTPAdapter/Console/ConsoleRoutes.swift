import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}

/// The console's pages may load only the console's own files and call only this origin: no inline
/// script or style, no plug-ins, no framing, and forms post nowhere else. What slips past the
/// console's text-only rendering still cannot run.
let consoleContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/// Serves the console: `index.html` at `/` and at the invitation link's path (the console's router
/// reads the path), each other file at its own path. Every answer carries the console's policy.
func addConsoleRoutes(_ console: ConsoleAssets, to router: Router<AppRequestContext>, routes: RouteTable) {
    func serve(_ path: String, at route: String) {
        router.get(RouterPath(route)) { request, _ -> Response in
            guard let asset = try await console.asset(path) else {
                return jsonResponse(status: .notFound, ["detail": "Not found"])
            }
            // The gzipped bytes for a browser that accepts them (every current one does).
            let gzip = asset.gzipped != nil && Gzip.isAccepted(by: request.headers[.acceptEncoding])
            let etag = gzip ? asset.gzippedETag : asset.etag
            var headers: HTTPFields = [
                .contentType: asset.contentType,
                .eTag: etag,
                .vary: "Accept-Encoding",
                // Revalidate every time (cheap with the validator): a new version shows on the next load.
                .cacheControl: "no-cache",
                .contentSecurityPolicy: consoleContentSecurityPolicy,
                // The invitation link carries its token in the query: no page sends it on as a referrer.
                .referrerPolicy: "no-referrer",
                .xFrameOptions: "DENY",
            ]
            if request.headers[.ifNoneMatch] == etag {
                return Response(status: .notModified, headers: headers)
            }
            let body = gzip ? asset.gzipped ?? asset.bytes : asset.bytes
            if gzip { headers[.contentEncoding] = "gzip" }
            headers[.contentLength] = String(body.readableBytes)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        routes.record(.get, route, isPublic: true)
    }
    for path in console.paths {
        serve(path, at: "/" + path)
        if path == "index.html" {
            serve(path, at: "/")
            serve(path, at: "/invitations/accept")
        }
    }
}
