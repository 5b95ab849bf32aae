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
        #expect(RecordChecks.problems(Self.record { $0.recordId = "ZJ\u{1F}01" }).map(\.text) == ["recordId：应为1至64个字符，不含控制字符"])
    }

    /// A month and a date have one spelling: warnings are keyed by the month and facts by their date.
    @Test func monthsAndDatesMustBeWrittenExactly() {
        for period in ["2026--1", "2026-+1", "2026-1", "+2026-01", "2026/11", "2026-00", "1999-12"] {
            #expect(RecordChecks.problems(Self.record { $0.period = period }).map(\.field) == ["period"], "\(period)")
        }
        for date in ["2026-1-005", "+2026-1-05", "2026--4-01", "2026-04-1 ", "2026-02-29", "20261103", "2026-11-3"] {
            #expect(RecordChecks.problems(Self.record { $0.date = date }).map(\.field) == ["date"], "\(date)")
        }
        #expect(RecordChecks.problems(Self.record { $0.period = "2028-02"; $0.date = "2028-02-29" }).isEmpty)
    }

    @Test func controlCharactersInNamesAndDetailsAreRejected() {
        #expect(RecordChecks.problems(Self.record { $0.name = "张\u{0}三" }).map(\.text) == ["name：不能含控制字符"])
        #expect(RecordChecks.problems(Self.record { $0.details = ["grade": "C\u{7}"] }).map(\.text) == ["details：名称和值不能含控制字符"])
        #expect(RecordChecks.problems(Self.record { $0.details = ["gr\u{0}ade": "C"] }).map(\.field) == ["details"])
    }

    /// PostgreSQL's text and jsonb refuse U+0000: a record holding one is stored without it, the rest kept.
    @Test func aStorableRecordHasNoNulCharacterAndKeepsTheRest() {
        let dirty = Self.record {
            $0.name = "张\u{0}三"
            $0.recordId = "ZJ\u{0}01"
            $0.kind = FactKind(uncheckedRawValue: "dange\u{0}rous")
            $0.details = ["gr\u{0}ade": "C\u{0}", "days": "5"]
        }
        let stored = RecordChecks.storable(dirty)
        #expect(stored.name == "张三")
        #expect(stored.recordId == "ZJ01")
        #expect(stored.kind.rawValue == "dangerous")
        #expect(stored.details == ["grade": "C", "days": "5"])
        #expect(stored.idNumber == dirty.idNumber)
        let clean = Self.record()
        #expect(RecordChecks.storable(clean) == clean)
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

    /// With a share of income, the costs fire the rule when they reach the amount or that share of the
    /// household's reported income, whichever comes first; no income known, only the amount counts.
    @Test func costsAreWeighedAgainstTheHouseholdsIncome() {
        var rule = Self.medical
        rule.minIncomeSharePercent = 50
        #expect(rule.fires(kind: "medicalExpense", amountFen: 3_000_000, details: [:], householdTotalFen: 3_000_000, householdIncomeFen: 6_000_000))
        #expect(!rule.fires(kind: "medicalExpense", amountFen: 2_999_999, details: [:], householdTotalFen: 2_999_999, householdIncomeFen: 6_000_000))
        #expect(!rule.fires(kind: "medicalExpense", amountFen: 3_000_000, details: [:], householdTotalFen: 3_000_000, householdIncomeFen: nil))
        #expect(!rule.fires(kind: "medicalExpense", amountFen: 3_000_000, details: [:], householdTotalFen: 3_000_000, householdIncomeFen: 0))
        #expect(rule.fires(kind: "medicalExpense", amountFen: 5_000_000, details: [:], householdTotalFen: 5_000_000, householdIncomeFen: 90_000_000))
        #expect(rule.condition == "大额医疗支出，近12个月合计不低于50000元或家庭年收入的50%")
        rule.minAmountFen = nil
        #expect(!rule.fires(kind: "medicalExpense", amountFen: 9_000_000, details: [:], householdTotalFen: 9_000_000, householdIncomeFen: 90_000_000))
        #expect(rule.condition == "大额医疗支出，近12个月合计不低于家庭年收入的50%")
    }

    /// One household's costs arrive in any order (keyed by record id, on different partitions): the
    /// earlier-dated cost that arrives last completes the total of the 12 months ending at the later one.
    @Test func aCostArrivingAfterALaterOneCompletesThatOnesTotal() {
        let later = Self.record { $0.kind = .medicalExpense; $0.date = "2026-11-12"; $0.amountFen = 2_500_000; $0.details = nil }
        let earlier = Self.record { $0.kind = .medicalExpense; $0.date = "2026-06-10"; $0.amountFen = 3_000_000; $0.details = nil }
        let tooEarly = Self.record { $0.kind = .medicalExpense; $0.date = "2025-11-12"; $0.amountFen = 3_000_000; $0.details = nil }
        var state = HouseholdState(monitored: [], facts: [:], warnedFactKeys: [], recentlyWarned: [])
        state.add(later, to: "H1")
        #expect(!state.fires(Self.medical, record: later, household: "H1"))  // 25,000 yuan so far
        var outside = state
        outside.add(tooEarly, to: "H1")
        #expect(!outside.fires(Self.medical, record: tooEarly, household: "H1"))  // a window holds 2025-11-12 or 2026-11-12, not both
        state.add(earlier, to: "H1")
        #expect(state.fires(Self.medical, record: earlier, household: "H1"))  // 55,000 yuan in the 12 months to 2026-11-12
        #expect(HouseholdState.day("2026-06-10", monthsBefore: -12) == "2027-06-10")
    }

    /// The aggregate window's first day, as PostgreSQL's `date - interval 'n months'` computes it.
    @Test func aWindowStartsWholeMonthsEarlier() {
        #expect(HouseholdState.day("2026-11-03", monthsBefore: 12) == "2025-11-03")
        #expect(HouseholdState.day("2026-03-31", monthsBefore: 1) == "2026-02-28")
        #expect(HouseholdState.day("2024-03-31", monthsBefore: 1) == "2024-02-29")
        #expect(HouseholdState.day("2026-01-15", monthsBefore: 13) == "2024-12-15")
    }

    /// 金额（元） is read strictly: up to two decimals, digits only.
    @Test func yuanAmountsAreReadStrictly() {
        #expect(RecordColumnMap.fen(fromYuan: "1234") == 123_400)
        #expect(RecordColumnMap.fen(fromYuan: "1234.5") == 123_450)
        #expect(RecordColumnMap.fen(fromYuan: "0.07") == 7)
        for bad in ["12abc", "-5", "1,234", "1.234", "1.", ".5", "", "１２"] { #expect(RecordColumnMap.fen(fromYuan: bad) == nil, "\(bad)") }
    }

    /// A warning's discovery time is midnight in Beijing of the record's day, as a formatter reads it.
    @Test func aDayIsMidnightInBeijing() {
        #expect(Date.beijingMidnight(of: "2026-11-03") == ISO8601DateFormatter().date(from: "2026-11-03T00:00:00+08:00"))
        #expect(Date.beijingMidnight(of: "2024-02-29") == ISO8601DateFormatter().date(from: "2024-02-29T00:00:00+08:00"))
        #expect(Date.beijingMidnight(of: "2026-02-30") == nil && Date.beijingMidnight(of: "soon") == nil)
    }
}
