import APIContract
import Core
import Foundation
import OpenAPIRuntime
import ServiceLifecycle

extension APIHandlers {
    package func streamEvents(_ input: Operations.StreamEvents.Input) async throws -> Operations.StreamEvents.Output {
        // An id this stream never sent cannot be resumed from: the stream starts from now, as without
        // one, rather than refusing (a browser's EventSource gives up for good on an error status).
        let position = input.headers.lastEventID.flatMap(VMChangePosition.init)
        // Open only for a client that asks for a stream by name; `*/*` (curl, fuzzers) gets a catch-up.
        let follow = input.headers.accept.contains { $0.contentType == .textEventStream }
        let access = try await tenantAccess()
        // The stream outlives this handler: it re-checks access with the request's own credential and tenant.
        let scope = RequestScope.current
        let messages = try await events.events(for: access, after: position, follow: follow) {
            try await RequestScope.$current.withValue(scope) { try await tenantAccess(in: access.tenantID) }
        }
        return .ok(.init(body: .textEventStream(ServerSentEvents.body(of: messages))))
    }
}

/// Writes event messages as `text/event-stream`.
enum ServerSentEvents {
    /// How long a client waits before reconnecting after the stream ends (`retry:`), in milliseconds.
    static let retryMilliseconds = 2000

    /// The stream's bytes. It ends when `messages` ends, or when the server begins to shut down (an open
    /// stream would otherwise hold the shutdown until the client leaves); a client that leaves cancels it.
    static func body(of messages: AsyncStream<VMEventMessage>) -> HTTPBody {
        let (bytes, continuation) = AsyncStream<ArraySlice<UInt8>>.makeStream()
        let writer = Task {
            await withGracefulShutdownHandler {
                for await message in messages {
                    guard let frame = try? frame(of: message) else { continue }
                    continuation.yield(ArraySlice(frame.utf8))
                }
            } onGracefulShutdown: {
                continuation.finish()
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in writer.cancel() }
        return HTTPBody(bytes, length: .unknown, iterationBehavior: .single)
    }

    static func frame(of message: VMEventMessage) throws -> String {
        switch message {
        case .ready(let position):
            return "retry: \(retryMilliseconds)\nevent: ready\nid: \(position)\ndata: {}\n\n"
        case .keepAlive:
            return ": keep-alive\n\n"
        case .change(let change):
            let kind = change.effectiveKind
            let data: Data
            if let vm = change.vm {
                data = try encoder.encode(Components.Schemas.Vm(vm))
            } else {
                data = try encoder.encode(["id": change.vmID.description])
            }
            return "event: vm.\(kind.rawValue)\nid: \(change.position)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
        }
    }

    /// Compact JSON with RFC 3339 dates, as the API's other answers.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339DateTranscoder.format(date))
        }
        return encoder
    }()
}
