import Core
import Foundation
import SecurityAdapters
import Testing
import VCenterTestSupport

@Suite("AES-GCM secret box")
struct SecretBoxTests {
    static func key() -> String { SimulatorEnvironment.randomKey() }

    @Test("Sealed text opens under its key and context only, and says which key sealed it")
    func roundTrip() throws {
        let key = Self.key()
        let box = try AESGCMSecretBox(key: key)
        let sealed = try box.seal("s3cret pässword", context: "host-a")
        #expect(sealed.hasPrefix("v1:") && !sealed.contains("s3cret"))
        #expect(try box.open(sealed, context: "host-a") == "s3cret pässword")
        #expect(try box.seal("s3cret pässword", context: "host-a") != sealed, "a fresh nonce each time")
        #expect(throws: SecretBoxError.self, "another host's row") { try box.open(sealed, context: "host-b") }
        #expect(throws: SecretBoxError.self, "another key") { try AESGCMSecretBox(key: Self.key()).open(sealed, context: "host-a") }
        var altered = Array(sealed)
        altered[altered.count - 3] = altered[altered.count - 3] == "A" ? "B" : "A"
        #expect(throws: SecretBoxError.self, "altered") { try box.open(String(altered), context: "host-a") }
        #expect(throws: SecretBoxError.self, "not sealed") { try box.open("plain", context: "host-a") }
    }

    @Test("Rotation: the previous key still opens what it sealed, which is stale until sealed again")
    func rotation() throws {
        let old = Self.key()
        let sealedOld = try AESGCMSecretBox(key: old).seal("pw", context: "h")
        let rotated = try AESGCMSecretBox(key: Self.key(), previousKey: old)
        #expect(try rotated.open(sealedOld, context: "h") == "pw")
        #expect(rotated.isStale(sealedOld))
        let resealed = try rotated.seal("pw", context: "h")
        #expect(!rotated.isStale(resealed))
    }

    @Test("Keys must be 64 hex characters")
    func keyFormat() {
        for bad in ["", "abc", String(repeating: "g", count: 64), String(repeating: "a", count: 63), String(repeating: "a", count: 66)] {
            #expect(throws: SecretBoxError.self, "\(bad)") { try AESGCMSecretBox(key: bad) }
        }
    }

    @Test("Without a key nothing is sealed or opened")
    func noKey() {
        let box = NoSecretBox()
        #expect(!box.canSeal)
        #expect(throws: SecretBoxError.self) { try box.seal("pw", context: "h") }
    }
}
