import Core

/// The query string of a request target, read the way OpenAPI's `form` style sends scalar
/// parameters: `name=value` pairs joined by `&`, percent-encoded, `+` for a space. For the
/// hand-encoded routes, which read their parameters without the OpenAPI runtime.
struct FormQuery {
    private var pairs: [(name: String, value: String)] = []

    /// - Throws: `DomainError.malformed` (400) for a pair without `=` or a broken percent escape.
    init(target: String) throws(DomainError) {
        guard let questionMark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return }
        let query = target.utf8[target.utf8.index(after: questionMark)...]
        for pair in query.split(separator: UInt8(ascii: "&")) {
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else {
                throw .malformed("Query parameter '\(String(decoding: pair, as: UTF8.self))' has no value")
            }
            guard let name = Self.decode(pair[..<equals]), let value = Self.decode(pair[pair.index(after: equals)...]) else {
                throw .malformed("The query string has an invalid percent escape")
            }
            pairs.append((name, value))
        }
    }

    /// The first value given for `name`; later repetitions are ignored.
    subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// - Throws: `DomainError.invalid` (422) when the value is not a decimal integer.
    func integer(_ name: String) throws(DomainError) -> Int? {
        guard let text = self[name] else { return nil }
        guard let value = Int(text), text.first != "+" else { throw .invalid("\(name) must be an integer") }
        return value
    }

    /// Percent escapes and `+` decoded; nil when an escape is broken or the result is not UTF-8.
    private static func decode(_ encoded: Substring.UTF8View.SubSequence) -> String? {
        guard encoded.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else {
            return String(Substring(encoded))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let byte = encoded[index]
            if byte == UInt8(ascii: "%") {
                let high = encoded.index(after: index)
                guard high < encoded.endIndex, encoded.index(after: high) < encoded.endIndex,
                    let upper = ASCIIHex.value(of: encoded[high]), let lower = ASCIIHex.value(of: encoded[encoded.index(after: high)])
                else { return nil }
                bytes.append(upper << 4 | lower)
                index = encoded.index(high, offsetBy: 2)
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index = encoded.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
