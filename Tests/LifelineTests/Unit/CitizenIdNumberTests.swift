import Foundation
import LifelineEvents
import Testing

@Suite struct CitizenIdNumberTests {
    // 11010519491231002X is the standard's own worked example (GB 11643-1999 annex).
    @Test func acceptsTheStandardsExampleWithCheckCharacterX() throws {
        let parsed = try CitizenIdNumber.parse("11010519491231002x").get()
        #expect(parsed.value == "11010519491231002X")
    }

    @Test func acceptsGeneratedNumbers() throws {
        for _ in 0..<200 {
            _ = try CitizenIdNumber.parse(TestData.idNumber()).get()
        }
    }

    @Test func rejectsAWrongCheckCharacter() {
        let valid = TestData.idNumber()
        let last = valid.last!
        let wrong = String(valid.dropLast()) + (last == "1" ? "2" : "1")
        #expect(throws: CitizenIdNumber.Problem.checkCharacter) { try CitizenIdNumber.parse(wrong).get() }
    }

    @Test(arguments: ["", "3701251980010112", "37012519800101123456", "37012519800101123Y", "3701251980O101123X"])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: CitizenIdNumber.Problem.format) { try CitizenIdNumber.parse(text).get() }
    }

    @Test func rejectsImpossibleAndFutureBirthDates() {
        func withCheck(_ body: String) -> String { body + String(CitizenIdNumber.checkCharacter(for: body.map { Int(String($0))! })) }
        #expect(throws: CitizenIdNumber.Problem.birthDate) { try CitizenIdNumber.parse(withCheck("37012519810229123")).get() }
        #expect(throws: CitizenIdNumber.Problem.birthDate) { try CitizenIdNumber.parse(withCheck("37012520991231123")).get() }
    }

    @Test func neverPrintsTheNumber() throws {
        let number = TestData.idNumber()
        let parsed = try CitizenIdNumber.parse(number).get()
        #expect(!"\(parsed)".contains(number))
        #expect(parsed.masked.hasPrefix("370125") && parsed.masked.contains("********") && !parsed.masked.contains(number))
    }

    @Test func validatesAndMasksMobileNumbers() {
        #expect(MobileNumber.isValid("13800001234"))
        #expect(!MobileNumber.isValid("23800001234"))
        #expect(!MobileNumber.isValid("1380000123"))
        #expect(MobileNumber.masked("13800001234") == "138****1234")
    }
}
