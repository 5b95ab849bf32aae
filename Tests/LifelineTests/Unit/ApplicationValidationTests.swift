import Foundation
@testable import Intake
import LifelineRuntime
import Testing

@Suite struct ApplicationValidationTests {
    func request(_ fields: [String: Any]) throws -> ApplicationRequest {
        try JSONDecoder().decode(ApplicationRequest.self, from: JSONSerialization.data(withJSONObject: fields))
    }

    @Test func aCompleteApplicationIsValid() throws {
        let valid = try request(TestData.application()).validate().get()
        #expect(valid.difficulties == [.illness, .lossOfWork])
        #expect(valid.householdSize == 3)
    }

    @Test func everyProblemIsReportedWithItsFieldInChinese() throws {
        var fields = TestData.application()
        let valid = TestData.idNumber()
        fields["idNumber"] = String(valid.dropLast()) + (valid.last == "1" ? "2" : "1")  // wrong check character
        fields["phone"] = "12345"
        fields["difficulties"] = ["illness", "alien-abduction"]
        fields["consent"] = false
        fields["villageCode"] = "370125101201"  // not in 济阳区
        let body = try request(fields)
        guard case .failure(let error) = body.validate() else {
            Issue.record("expected validation errors")
            return
        }
        let problems = Dictionary(uniqueKeysWithValues: error.details.map { ($0.field, $0.message) })
        #expect(Set(problems.keys).isSuperset(of: ["phone", "difficulties.1", "consent", "villageCode"]))
        #expect(problems["idNumber"] == "身份证号码校验位不正确，请核对")
        #expect(error.status == .badRequest)
        #expect(problems.values.allSatisfy { !$0.isEmpty && !$0.contains("12345") })
    }

    @Test func missingFieldsAreAllNamed() throws {
        guard case .failure(let error) = try request([:]).validate() else {
            Issue.record("expected validation errors")
            return
        }
        #expect(Set(error.details.map(\.field)) == ["villageCode", "applicantName", "idNumber", "phone", "householdSize", "difficulties", "consent"])
    }
}
