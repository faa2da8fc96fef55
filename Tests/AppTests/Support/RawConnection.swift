import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to 127.0.0.1, for what an HTTP client library will not do: send nothing,
/// send half a request, trickle a body, or send a header of 100 KB.
final class RawConnection {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw RawError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw RawError("connect() failed")
        }
    }

    deinit { close(socket) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw RawError("send() failed") }
            sent += count
        }
    }

    /// What the server has sent so far.
    private(set) var received: [UInt8] = []
    var receivedText: String { String(decoding: received, as: UTF8.self) }

    /// Reads for at most `timeout` seconds; true once the server has closed the connection.
    @discardableResult
    func read(timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { return false }
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(remaining * 1000) + 1) > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return true }
            received += buffer[..<count]
        }
    }

    /// Everything the server sends until it closes the connection, or nil when it is still open
    /// after `timeout` seconds.
    func readUntilClosed(timeout: TimeInterval) -> String? {
        read(timeout: timeout) ? receivedText : nil
    }

    struct RawError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
