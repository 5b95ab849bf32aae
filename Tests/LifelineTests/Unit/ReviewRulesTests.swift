import Foundation
import LifelineAuth
import LifelineEvents
import LifelineFiles
import LifelineRuntime
@testable import Review
import Testing

/// The rules of identification and elimination, without the stack (docs/review.md).
@Suite struct ReviewRulesTests {
    static let line: Int64 = 870_000  // 8,700 yuan per person per year

    static func income(perPersonYuan: Int64, people: Int = 4, medicalYuan: Int64 = 0) -> HouseholdIncome {
        HouseholdIncome(
            items: [.init(kind: .wages, amountFen: perPersonYuan * 100 * Int64(people))],
            expenses: medicalYuan > 0 ? [.init(kind: .medical, amountFen: medicalYuan * 100)] : [], people: people)
    }

    static var secure: BasicNeedsChecklist {
        BasicNeedsChecklist(
            food: true, clothing: true, compulsorySchooling: true, basicMedical: true, safeHousing: true,
            water: WaterSafety(
                litresPerPersonPerDay: 40, dryArea: false, qualityMeetsStandard: true, piped: true, fetchMinutes: nil, horizontalMetres: nil,
                verticalMetres: nil, interruptionDaysPerYear: 3))
    }

    @Test func perCapitaIncomeIsNetIncomeOverThePeopleWhoShareIt() {
        let income = HouseholdIncome(
            items: [.init(kind: .wages, amountFen: 3_000_000), .init(kind: .businessNet, amountFen: -500_000), .init(kind: .transfer, amountFen: 100_000)],
            expenses: [.init(kind: .medical, amountFen: 400_000), .init(kind: .schooling, amountFen: 200_000)], people: 4)
        #expect(income.netIncomeFen == 2_600_000)
        #expect(income.perCapitaIncomeFen == 650_000)
        #expect(income.perCapitaRigidExpensesFen == 150_000)
        #expect(income.perCapitaIncomeAfterRigidFen == 500_000)
    }

    @Test func formerlyPoorUnderTheRangeIsUnstable() {
        let outcome = CategoryRule.assign(.init(formerlyPoor: true, income: Self.income(perPersonYuan: 9_000), lineFen: Self.line))
        #expect(outcome.category == .unstableFormerlyPoor)
        #expect(outcome.explanation.contains("13050"))  // the range: 1.5 × 8,700
    }

    @Test func neverPoorUnderTheRangeIsMarginal() {
        #expect(CategoryRule.assign(.init(formerlyPoor: false, income: Self.income(perPersonYuan: 13_049), lineFen: Self.line)).category == .marginal)
        #expect(CategoryRule.assign(.init(formerlyPoor: false, income: Self.income(perPersonYuan: 13_050), lineFen: Self.line)).category == nil)
    }

    @Test func rigidSpendingAboveTheRangeIsSuddenHardship() {
        // 15,000 yuan per person, but 90,000 yuan of dialysis for 4 people leaves -7,500 each.
        let dialysis = CategoryRule.assign(.init(formerlyPoor: false, income: Self.income(perPersonYuan: 15_000, medicalYuan: 90_000), lineFen: Self.line))
        #expect(dialysis.category == .suddenHardship)
        #expect(dialysis.explanation.contains("刚性支出"))
        // The same spending for a formerly poor household above the range is also sudden hardship.
        let formerlyPoor = CategoryRule.assign(.init(formerlyPoor: true, income: Self.income(perPersonYuan: 15_000, medicalYuan: 90_000), lineFen: Self.line))
        #expect(formerlyPoor.category == .suddenHardship)
    }

    @Test func aCollapseOfIncomeIsSuddenHardship() {
        let collapsed = CategoryRule.assign(.init(
            formerlyPoor: false, income: Self.income(perPersonYuan: 14_000, medicalYuan: 8_000), lineFen: Self.line,
            previousPerCapitaIncomeFen: 3_000_000))
        #expect(collapsed.category == .suddenHardship)
        let steady = CategoryRule.assign(.init(
            formerlyPoor: false, income: Self.income(perPersonYuan: 14_000), lineFen: Self.line, previousPerCapitaIncomeFen: 2_000_000))
        #expect(steady.category == nil)
        #expect(steady.explanation.contains("不符合"))
    }

    @Test func waterThresholdsAreTheNationalOnes() {
        var water = Self.secure.water
        #expect(water.isSecure)
        water.litresPerPersonPerDay = 34
        #expect(water.shortfalls.count == 1)
        water.dryArea = true  // 20 L suffice in dry areas
        #expect(water.isSecure)
        water.piped = false
        water.fetchMinutes = 25
        water.horizontalMetres = 700
        water.verticalMetres = 60
        #expect(water.isSecure)  // far in time but within 800 m / 80 m
        water.verticalMetres = 90
        #expect(!water.isSecure)
        water.fetchMinutes = 20
        #expect(water.isSecure)  // 20 minutes suffice
        water.interruptionDaysPerYear = 37
        #expect(water.shortfalls == ["供水不稳定（年断水超过36天）"])
        water.interruptionDaysPerYear = 36
        water.qualityMeetsStandard = false
        #expect(water.shortfalls == ["水质不达标"])
    }

    func eliminationInput(
        days: Int = 200, measures: Int = 1, income: HouseholdIncome = income(perPersonYuan: 12_000), previous: Int64? = 1_100_000,
        able: Int = 2, resolved: Bool = true, checklist: BasicNeedsChecklist = secure
    ) -> EliminationRule.Input {
        .init(
            daysMonitored: days, measuresInPlace: measures, income: income, previousPerCapitaIncomeFen: previous, lineFen: Self.line,
            checklist: checklist, membersAbleToWork: able, rigidCostsResolved: resolved)
    }

    @Test func eliminationNeedsEveryCondition() {
        #expect(EliminationRule.unmetConditions(eliminationInput()).isEmpty)
        #expect(EliminationRule.unmetConditions(eliminationInput(days: 179)).first?.contains("6个月") == true)
        #expect(EliminationRule.unmetConditions(eliminationInput(measures: 0)) == ["尚未落实帮扶措施"])
        #expect(EliminationRule.unmetConditions(eliminationInput(income: Self.income(perPersonYuan: 8_700))).contains { $0.contains("未高于") })
        #expect(EliminationRule.unmetConditions(eliminationInput(previous: 800_000)).contains { $0.contains("稳定") })
        #expect(EliminationRule.unmetConditions(eliminationInput(resolved: false)) == ["大额刚性支出尚未解决"])
        var checklist = Self.secure
        checklist.safeHousing = false
        #expect(EliminationRule.unmetConditions(eliminationInput(checklist: checklist)) == ["住房不安全"])
    }

    @Test func aHouseholdWithNoOneAbleToWorkIsNotEliminated() {
        #expect(EliminationRule.unmetConditions(eliminationInput(able: 0)) == ["家庭无劳动力，不标注风险消除"])
    }

    @Test func theAnnouncementCarriesNoPersonalDataBeyondTheHeadsName() {
        let text = AnnouncementText.make(kind: .identification, villageCode: "370115101201", headName: "王建国", people: 4, starts: "2026-11-30", ends: "2026-12-05")
        #expect(text.contains("王建国户") && text.contains("4人") && text.contains("2026-12-05"))
        for forbidden in ["疾病", "透析", "尿毒症", "身份证", "电话", "银行"] { #expect(!text.contains(forbidden)) }
    }

    @Test func eachStepBelongsToOneLevel() {
        #expect(ReviewStage.homeVerification.owner == .village)
        #expect(ReviewStage.democraticAppraisal.owner == .village)
        #expect(ReviewStage.informationComparison.owner == .town)
        #expect(ReviewStage.townReview.owner == .town)
        #expect(ReviewStage.publicAnnouncement.owner == .town)
        #expect(ReviewStage.systemEntry.owner == .district)
        #expect(ReviewStage.decided.owner == nil)
    }

    @Test func exportedFieldsAreQuotedAndNeverRunAsFormulas() {
        #expect(CSVWriter.line(["王建国", "a,b", "say \"hi\"", "=HYPERLINK(\"x\")", "-1", "-1+1", "-7000.5"]) == "王建国,\"a,b\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"x\"\")\",-1,'-1+1,-7000.5\r\n")
    }

    @Test func yuanAreWrittenWithoutFloatingPoint() {
        #expect(CategoryRule.yuan(870_000) == "8700")
        #expect(CategoryRule.yuan(870_050) == "8700.5")
        #expect(CategoryRule.yuan(870_005) == "8700.05")
        #expect(CategoryRule.yuan(-750_000) == "-7500")
    }
}

/// Review's request checks, without the stack: every bad field is named.
@Suite struct ReviewRequestValidationTests {
    func visit(_ change: (inout [String: Any]) -> Void) throws -> HomeVerificationRequest {
        var body: [String: Any] = [
            "visitDate": "2026-11-20", "visitors": ["王建国"], "membersPresent": 2, "people": 4,
            "incomeItems": [["kind": "wages", "amountFen": 6_000_000]], "rigidExpenses": [["kind": "medical", "amountFen": 9_000_000]],
            "risks": ["illness"],
            "checklist": [
                "food": true, "clothing": true, "compulsorySchooling": true, "basicMedical": true, "safeHousing": true,
                "water": ["litresPerPersonPerDay": 40, "dryArea": false, "qualityMeetsStandard": true, "piped": true, "interruptionDaysPerYear": 0],
            ],
        ]
        change(&body)
        return try JSONDecoder().decode(HomeVerificationRequest.self, from: JSONSerialization.data(withJSONObject: body))
    }

    func fields(_ request: HomeVerificationRequest) -> [String] {
        do {
            _ = try request.validated()
            return []
        } catch let error as APIError {
            return error.details.map(\.field)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test func aGoodVisitPasses() throws {
        let (income, risks) = try visit { _ in }.validated()
        #expect(income.perCapitaIncomeFen == 1_500_000 && risks == [.illness])
    }

    @Test func everyBadFieldIsNamed() throws {
        let bad = try visit {
            $0["visitDate"] = "2999-01-01"
            $0["people"] = 0
            $0["visitors"] = [String]()
            $0["incomeItems"] = [[String: Any]]()
            $0["rigidExpenses"] = [["kind": "medical", "amountFen": -1]]
            $0["risks"] = ["illness", "bad-luck"]
        }
        #expect(Set(fields(bad)) == ["visitDate", "people", "membersPresent", "visitors", "incomeItems", "rigidExpenses[0].amountFen", "risks[1]"])
    }

    @Test func decisionsWithoutApprovalNeedAReason() {
        #expect(throws: APIError.self) { try DecisionRequest(approved: false, opinion: " ").validate() }
        #expect(throws: Never.self) { try DecisionRequest(approved: true, opinion: nil).validate() }
        #expect(throws: APIError.self) { try EntryRequest(approved: true, opinion: nil, cadre: .init(name: "张帮扶", phone: "12"), year: nil).validate() }
        #expect(throws: APIError.self) { try AppraisalRequest(meetingDate: "2026-11-20", attendance: 10, votesFor: 11, approved: true, minutes: nil).validate() }
    }
}
