import Foundation
import LifelineEvents

enum TestData {
    /// A valid citizen ID number issued in 济阳 (370125), random birth date and sequence.
    static func idNumber(male: Bool = true) -> String {
        idNumber(male: male, region: "370125")
    }

    /// A valid ID number of a region no test registers anybody in (370199): "nobody of the registry",
    /// however many people the tests of a run have registered (random 济阳 numbers, about 9 million
    /// for men, collide with them by chance in files of thousands).
    static func unregisteredIdNumber() -> String {
        idNumber(male: Bool.random(), region: "370199")
    }

    /// A valid ID number of a region only the test that asks uses (370198): for a test that registers
    /// people itself while a service's registry copy may still be replaying earlier tests' households.
    static func isolatedIdNumber() -> String {
        idNumber(male: Bool.random(), region: "370198")
    }

    private static func idNumber(male: Bool, region: String) -> String {
        let year = Int.random(in: 1950...2005)
        let month = Int.random(in: 1...12)
        let day = Int.random(in: 1...28)
        var sequence = Int.random(in: 0...998)
        if (sequence % 2 == 1) != male { sequence += 1 }
        let body = region + String(format: "%04d%02d%02d%03d", year, month, day, sequence)
        return body + String(CitizenIdNumber.checkCharacter(for: body.map { Int(String($0))! }))
    }

    /// A random valid mobile number.
    static func phone() -> String {
        "139" + String(format: "%08d", Int.random(in: 0...99_999_999))
    }

    /// A village of 垛石镇 above the demo villages (201-266) that no other test of this run gets, so tests
    /// do not see each other's rows; `TestGrid.village` puts it into intake's grid.
    static func villageCode(town: String = "370115101") -> String {
        town + String(format: "%03d", 300 + villages.next() % 700)
    }

    private static let villages = VillageCounter()

    private final class VillageCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = Int.random(in: 0..<700)
        func next() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }

    static func application(village: String = villageCode(), idNumber: String = idNumber(), phone: String = phone()) -> [String: Any] {
        [
            "villageCode": village, "applicantName": "李秀英", "idNumber": idNumber, "phone": phone, "householdSize": 3,
            "difficulties": ["illness", "lossOfWork"], "statement": "丈夫住院，家里没有收入", "consent": true,
        ]
    }

    static func unique(_ prefix: String) -> String {
        prefix + "-" + UUID().uuidString.prefix(8).lowercased()
    }
}
