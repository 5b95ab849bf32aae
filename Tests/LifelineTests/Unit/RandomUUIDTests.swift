import Foundation
import LifelineEvents
import Testing

@Suite struct RandomUUIDTests {
    @Test func identifiersAreVersion4VariantTenAndDistinct() {
        var seen = Set<UUID>()
        for _ in 0..<10_000 {
            let uuid = RandomUUID.make()
            #expect(uuid.uuid.6 >> 4 == 4, "version nibble")
            #expect(uuid.uuid.8 >> 6 == 0b10, "variant bits")
            seen.insert(uuid)
        }
        #expect(seen.count == 10_000)
        // Every other bit varies: across the sample each of the 122 random bits was seen both ways.
        var ones = [Int](repeating: 0, count: 128)
        for uuid in seen {
            withUnsafeBytes(of: uuid.uuid) { raw in
                for (index, byte) in raw.enumerated() {
                    for bit in 0..<8 where byte & (1 << bit) != 0 { ones[index * 8 + bit] += 1 }
                }
            }
        }
        let fixed = Set([52, 53, 54, 55, 70, 71])  // version (byte 6, high nibble) and variant (byte 8, two high bits)
        for bit in 0..<128 where !fixed.contains(bit) {
            #expect((4_000...6_000).contains(ones[bit]), "bit \(bit) set \(ones[bit]) times in 10,000")
        }
    }

    @Test func lowercasedTextIsFoundationsTextInLowerCase() {
        for _ in 0..<1_000 {
            let uuid = RandomUUID.make()
            let text = RandomUUID.lowercased(uuid)
            #expect(text == uuid.uuidString.lowercased())
            #expect(UUID(uuidString: text) == uuid)
        }
        let fixed = UUID(uuidString: "1B4E28BA-2FA1-4D3B-A3F5-EF19B5A7633B")!
        #expect(RandomUUID.lowercased(fixed) == "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b")
        let text = RandomUUID.lowercasedString()
        #expect(text.count == 36)
        #expect(text.allSatisfy { "0123456789abcdef-".contains($0) })
    }

    @Test func eventsGetRandomIdentifiers() throws {
        let first = CloudEvent(source: "/lifeline/test", type: "lifeline.test.Thing.v1", data: [])
        let second = CloudEvent(source: "/lifeline/test", type: "lifeline.test.Thing.v1", data: [])
        #expect(first.id != second.id)
        let parsed = try #require(UUID(uuidString: first.id))
        #expect(parsed.uuid.6 >> 4 == 4)
    }
}
