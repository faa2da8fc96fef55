import Foundation

/// A typed UUID: `EntityID<User>` and `EntityID<Tenant>` cannot be mixed up by accident.
public struct EntityID<Entity>: Hashable, Sendable, CustomStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID) {
        self.uuid = uuid
    }

    /// Parses the canonical textual form (either case); `nil` for anything that is not a UUID.
    ///
    /// Hand-written because ids are parsed for every row read, and Foundation's parser goes
    /// through `sscanf`, which cost more than reading the row.
    public init?(_ string: String) {
        var string = string
        guard let uuid = string.withUTF8(Self.parse) else { return nil }
        self.uuid = uuid
    }

    /// Lower-case canonical form, as stored and as shown in the API.
    public var description: String {
        let bytes = uuid.uuid
        return withUnsafeBytes(of: bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { text in
                var position = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    text[position] = ASCIIHex.digit(byte >> 4)
                    text[position + 1] = ASCIIHex.digit(byte & 0x0F)
                    position += 2
                }
                return position
            }
        }
    }

    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard text.count == 36 else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { output -> Bool in
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    guard text[position] == UInt8(ascii: "-") else { return false }
                    position += 1
                }
                guard let high = ASCIIHex.value(of: text[position]), let low = ASCIIHex.value(of: text[position + 1]) else {
                    return false
                }
                output[index] = high << 4 | low
                position += 2
            }
            return true
        }
        return parsed ? UUID(uuid: bytes) : nil
    }
}

public typealias UserID = EntityID<User>
public typealias TenantID = EntityID<Tenant>
