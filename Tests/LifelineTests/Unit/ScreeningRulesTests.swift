@testable import DepartmentScreening
import Foundation
import LifelineEvents
import Testing

/// Department records' checks and the warning rules, without the stack.
@Suite struct ScreeningRulesTests {
    static func record(_ change: (inout DepartmentRecordPushed) -> Void = { _ in }) -> DepartmentRecordPushed {
        var record = DepartmentRecordPushed(
            department: "住建", recordId: "ZJ2026110001", period: "2026-11", idNumber: TestData.idNumber(), name: "王建国", kind: .dangerousHouse,
            date: "2026-11-03", details: ["grade": "C"])
        change(&record)
        return record
    }

    @Test func aGoodRecordHasNoProblems() {
        #expect(RecordChecks.problems(Self.record()).isEmpty)
    }

    @Test func everyProblemNamesItsFieldButNeverTheValue() {
        let bad = Self.record {
            $0.department = "气象"
            $0.period = "2026-13"
            $0.idNumber = "370125199001011234"
            $0.name = " "
            $0.date = "2026-02-30"
            $0.amountFen = -1
        }
        let problems = RecordChecks.problems(bad)
        #expect(problems.map(\.field) == ["department", "period", "idNumber", "name", "date", "amountFen"])
        #expect(problems.allSatisfy { !$0.text.contains(bad.idNumber) })
    }

    @Test func aDepartmentReportsOnlyItsOwnKinds() {
        let problems = RecordChecks.problems(Self.record { $0.kind = .vehicle })
        #expect(problems.map(\.text) == ["kind：住建不报送「机动车登记」"])
        #expect(RecordChecks.problems(Self.record { $0.kind = FactKind(uncheckedRawValue: "weather") }).map(\.field) == ["kind"])
        #expect(RecordChecks.problems(Self.record { $0.department = "医保"; $0.kind = .medicalExpense }).map(\.field) == ["amountFen"])
    }

    static let house = WarningRule(
        year: 2026, id: "dangerous-house", name: "住危房（C级、D级）", kinds: ["dangerousHouse"], minAmountFen: nil, aggregateMonths: nil,
        detailKey: "grade", detailValues: ["C", "D"], risks: ["housing"], severity: "high", enabled: true)
    static let medical = WarningRule(
        year: 2026, id: "large-medical-expense", name: "大额医疗支出", kinds: ["medicalExpense"], minAmountFen: 5_000_000, aggregateMonths: 12,
        detailKey: nil, detailValues: nil, risks: ["illness"], severity: "high", enabled: true)

    @Test func detailConditionsAndAmountsDecide() {
        #expect(Self.house.fires(kind: "dangerousHouse", amountFen: nil, details: ["grade": "D"], householdTotalFen: nil))
        #expect(!Self.house.fires(kind: "dangerousHouse", amountFen: nil, details: ["grade": "B"], householdTotalFen: nil))
        #expect(!Self.house.fires(kind: "dangerousHouse", amountFen: nil, details: [:], householdTotalFen: nil))
        #expect(!Self.house.fires(kind: "vehicle", amountFen: nil, details: ["grade": "D"], householdTotalFen: nil))
        // The household's total over the window counts, not the single record.
        #expect(Self.medical.fires(kind: "medicalExpense", amountFen: 2_500_000, details: [:], householdTotalFen: 5_500_000))
        #expect(!Self.medical.fires(kind: "medicalExpense", amountFen: 2_500_000, details: [:], householdTotalFen: 4_999_999))
        #expect(Self.medical.condition == "大额医疗支出，近12个月合计不低于50000元")
    }
}
