import Foundation

/// Finds a key that one JSON object repeats (`{"a": 1, "a": 2}`). JSON decoders keep one of the
/// values silently (Foundation's the first), so a client and a proxy in front of us could read the
/// same body differently; we refuse such bodies instead.
///
/// It also finds a member of `requestFields` whose value is `null`: the generated decoders would read
/// `null` as an absent optional field (a `PATCH` with `"name": null` would silently change nothing),
/// where the contract says a null field is `422`. The few operations whose body takes `null` as a
/// value (`nullableRequestOperations`) are scanned for repeated keys only.
/// Other keys are not the API's and are ignored, with whatever value.
///
/// One pass over the bytes with a stack of open containers, no parse tree: it runs on every JSON body.
/// It does not validate: on malformed JSON it finds what it finds, and the decoder reports the error.
enum DuplicateKeyScanner {
    private enum Container {
        case array
        case object(keys: Set<[UInt8]>, expectingKey: Bool)
    }

    /// Every property of every request body schema of openapi.yaml (`OpenAPIDocumentTests` compares).
    static let requestFields: Set<String> = [
        "action", "ca_pem", "capacity", "cluster", "cpu", "current_password", "datacenter", "datastore", "description", "disk_gb",
        "driver", "email", "enabled", "expires_at", "first_name", "folder", "images", "insecure", "is_active", "iso_url", "last_name",
        "memory_gb", "name", "network", "password", "permission_ids", "resource_pool", "role_id", "role_ids", "source_type",
        "template_id", "thumbprint", "token", "uri", "user_ids", "username", "vcpus", "virt_type", "vms",
    ]

    enum Finding: Equatable {
        case duplicateKey(String)
        case nullMember(String)
    }

    static func firstDuplicateKey(in bytes: some Collection<UInt8>) -> String? {
        if case .duplicateKey(let key)? = firstFinding(in: bytes, reportingNullMembers: false) { return key }
        return nil
    }

    /// The first repeated key or (when `reportingNullMembers`) `null` member, in the order they appear.
    static func firstFinding(in bytes: some Collection<UInt8>, reportingNullMembers: Bool = true) -> Finding? {
        let bytes = Array(bytes)
        var lastKey: [UInt8]?
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
                    if !keys.insert(key).inserted { return .duplicateKey(String(decoding: key, as: UTF8.self)) }
                    stack[stack.count - 1] = .object(keys: keys, expectingKey: false)
                    lastKey = key
                }
                index = end
            case UInt8(ascii: "{"):
                stack.append(.object(keys: [], expectingKey: true))
            case UInt8(ascii: "["):
                stack.append(.array)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: "n"):
                // A literal `null` right after a member's colon (strings were skipped whole above).
                if reportingNullMembers, case .object(_, false)? = stack.last, let lastKey, requestFields.contains(String(decoding: lastKey, as: UTF8.self)),
                    index + 4 <= bytes.count,
                    bytes[index..<index + 4].elementsEqual("null".utf8), Self.previousToken(in: bytes, before: index) == UInt8(ascii: ":")
                {
                    return .nullMember(String(decoding: lastKey, as: UTF8.self))
                }
            case UInt8(ascii: ","):
                if case .object(let keys, _)? = stack.last { stack[stack.count - 1] = .object(keys: keys, expectingKey: true) }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    private static func previousToken(in bytes: [UInt8], before index: Int) -> UInt8? {
        var position = index - 1
        while position >= 0, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[position]) {
            position -= 1
        }
        return position >= 0 ? bytes[position] : nil
    }

    /// A key written with escapes (`"\u0061"`) is the same key as its plain spelling (`"a"`).
    private static func unescaped(_ raw: [UInt8]) -> [UInt8] {
        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
        guard let string = try? JSONDecoder().decode(String.self, from: quoted) else { return raw }
        return Array(string.utf8)
    }
}
