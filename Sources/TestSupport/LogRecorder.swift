import Logging
import Synchronization

/// Keeps every message logged through `logger` (at `warning` and above), for tests that check what
/// an operator would read.
public final class LogRecorder: Sendable {
    private let messages = Mutex<[String]>([])

    public init() {}

    public var logger: Logger {
        var logger = Logger(label: "virtualstack.recorded") { _ in Handler(recorder: self) }
        logger.logLevel = .warning
        return logger
    }

    public var recorded: [String] { messages.withLock { $0 } }

    fileprivate func record(_ message: String) {
        messages.withLock { $0.append(message) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .warning

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record("\(event.level): \(event.message)")
        }
    }
}
