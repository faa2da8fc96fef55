import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// `GET /api/v1/events` over a real TCP connection, read as a browser reads it: events collected as they
/// arrive, for the test to wait on.
final class EventStreamClient: Sendable {
    struct Event: Sendable, CustomStringConvertible {
        let name: String
        let id: String?
        let data: String

        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] }
        var vmID: String? { json?["id"] as? String }
        var description: String { "\(name) \(id ?? "-") \(data)" }
    }

    /// What has arrived so far, and whether the server ended the stream.
    private actor Received {
        var events: [Event] = []
        var comments = 0
        var ended = false
        func add(_ event: Event) { events.append(event) }
        func comment() { comments += 1 }
        func end() { ended = true }
    }

    /// Every open stream holds a connection: room for more than the shared client's eight per host.
    private static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256))
    )

    let status: Int
    /// The answer's body when it is not a stream (an error's JSON).
    let errorBody: String
    let contentType: String?
    private let received = Received()
    private let reader: Task<Void, Never>?

    /// Opens the stream; returns at once with the status (the body is read in the background).
    init(port: Int, token: String?, tenant: String?, lastEventID: String? = nil, accept: String = "text/event-stream") async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/events")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let tenant { request.headers.add(name: "X-Tenant-ID", value: tenant) }
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        request.headers.add(name: "Accept", value: accept)
        // A connection of its own, never pooled: a pooled one may lead to an earlier test's server that
        // listened on the same port and is gone.
        request.headers.add(name: "Connection", value: "close")
        let response = try await Self.client.execute(request, timeout: .seconds(120))
        status = Int(response.status.code)
        contentType = response.headers.first(name: "Content-Type")
        guard status == 200 else {
            errorBody = String(buffer: try await response.body.collect(upTo: 1 << 20))
            reader = nil
            return
        }
        errorBody = ""
        let received = self.received
        reader = Task {
            var pending = ""
            var fields: [String: String] = [:]
            do {
                for try await chunk in response.body {
                    pending += String(buffer: chunk)
                    while let newline = pending.firstIndex(of: "\n") {
                        let line = String(pending[..<newline])
                        pending = String(pending[pending.index(after: newline)...])
                        if line.isEmpty {
                            if let data = fields["data"] {
                                await received.add(Event(name: fields["event"] ?? "message", id: fields["id"], data: data))
                            }
                            fields = [:]
                        } else if line.hasPrefix(":") {
                            await received.comment()
                        } else if let colon = line.firstIndex(of: ":") {
                            var value = line[line.index(after: colon)...]
                            if value.hasPrefix(" ") { value = value.dropFirst() }
                            fields[String(line[..<colon])] = String(value)
                        }
                    }
                }
            } catch {}
            await received.end()
        }
    }

    /// Waits until the events received satisfy `condition`; fails the test after `timeout`.
    @discardableResult
    func waitFor(
        _ what: String, timeout: Duration = .seconds(30), sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: @Sendable ([Event]) -> Bool
    ) async throws -> [Event] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let events = await received.events
            if condition(events) { return events }
            if await received.ended {
                Issue.record("The stream ended before \(what): \(events)", sourceLocation: sourceLocation)
                throw WaitFailed()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("No \(what) within \(timeout): \(await received.events)", sourceLocation: sourceLocation)
        throw WaitFailed()
    }

    /// Waits until the server ends the stream; fails the test after `timeout`.
    func waitForEnd(timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await received.ended { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("The stream did not end within \(timeout)", sourceLocation: sourceLocation)
        throw WaitFailed()
    }

    var events: [Event] { get async { await received.events } }
    var comments: Int { get async { await received.comments } }
    var ended: Bool { get async { await received.ended } }

    func close() { reader?.cancel() }
}
