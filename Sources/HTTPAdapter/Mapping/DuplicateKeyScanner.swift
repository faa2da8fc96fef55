import Foundation

/// Finds a key that one JSON object repeats (`{"a": 1, "a": 2}`). JSON decoders keep one of the
/// values silently (Foundation's the first), so a client and a proxy in front of us could read the
/// same body differently; we refuse such bodies instead.
///
/// One pass over the bytes with a stack of open containers, no parse tree: it runs on every JSON body.
/// It does not validate: on malformed JSON it finds what it finds, and the decoder reports the error.
enum DuplicateKeyScanner {
    private enum Container {
        case array
        case object(keys: Set<[UInt8]>, expectingKey: Bool)
    }

    static func firstDuplicateKey(in bytes: some Collection<UInt8>) -> String? {
        let bytes = Array(bytes)
        var stack: [Container] = []
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let start = index + 1
                var end = start
                var escaped = false
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                    if bytes[end] == UInt8(ascii: "\\") {
                        escaped = true
                        end += 1
                    }
                    end += 1
                }
                if case .object(var keys, true)? = stack.last {
                    let raw = Array(bytes[start..<min(end, bytes.count)])
                    let key = escaped ? unescaped(raw) : raw
                    if !keys.insert(key).inserted { return String(decoding: key, as: UTF8.self) }
                    stack[stack.count - 1] = .object(keys: keys, expectingKey: false)
                }
                index = end
            case UInt8(ascii: "{"):
                stack.append(.object(keys: [], expectingKey: true))
            case UInt8(ascii: "["):
                stack.append(.array)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: ","):
                if case .object(let keys, _)? = stack.last { stack[stack.count - 1] = .object(keys: keys, expectingKey: true) }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    /// A key written with escapes (`"\u0061"`) is the same key as its plain spelling (`"a"`).
    private static func unescaped(_ raw: [UInt8]) -> [UInt8] {
        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
        guard let string = try? JSONDecoder().decode(String.self, from: quoted) else { return raw }
        return Array(string.utf8)
    }
}
