import Foundation
@testable import Insurance
import LifelineEvents
import Testing

/// The payout rules of the four lines at their edges, claim validation and the sealing of bank
/// accounts, without the stack (docs/insurance.md).
@Suite struct InsuranceRulesTests {
    /// Days are compared as text with the register's: a date must be written exactly to be read.
    @Test func anIncidentDateIsReadOnlyInItsExactSpelling() {
        #expect(CivilDayText.number("2026-04-01") == 20_260_401)
        #expect(CivilDayText.number("2026--4-01") == nil)
        #expect(CivilDayText.number("2026-4-001") == nil)
        #expect(CivilDayText.number("+2026-4-01") == nil)
    }

    /// A certification lasts a year less a day by default, also from 29 February.
    @Test func aCertificationsYearEndsTheDayBeforeItsAnniversary() {
        #expect(CertificationRoutes.yearLater(20_260_601) == "2027-05-31")
        #expect(CertificationRoutes.yearLater(20_260_101) == "2026-12-31")
        #expect(CertificationRoutes.yearLater(20_280_229) == "2029-02-28")
        #expect(CertificationRoutes.yearLater(20_270_301) == "2028-02-29")
    }

    /// 2026's medical rule as seeded: 3,000 yuan deductible, 60% (70% for 脱贫不稳定户 and 突发严重困难户,
    /// 65% for 边缘易致贫户), 30,000 yuan per claim, 50,000 per household and year, other payments first.
    static let medical = PayoutRule(
        line: .medical, deductibleFen: 300_000, ratioBasisPoints: 6000,
        categoryRatios: ["unstableFormerlyPoor": 7000, "suddenHardship": 7000, "marginal": 6500], claimCapFen: 3_000_000, yearCapFen: 5_000_000,
        lossKinds: [.init(code: "hospitalization", name: "住院医疗费用")], deductOtherPayments: true)
    static let accident = PayoutRule(
        line: .accident, deductibleFen: 0, ratioBasisPoints: 10_000, categoryRatios: [:], claimCapFen: 5_000_000, yearCapFen: 5_000_000,
        lossKinds: [.init(code: "death", name: "意外身故")], deductOtherPayments: false)
    static let property = PayoutRule(
        line: .property, deductibleFen: 50_000, ratioBasisPoints: 8000, categoryRatios: ["certified": 5000], claimCapFen: 2_000_000,
        yearCapFen: 3_000_000, lossKinds: [.init(code: "fire", name: "火灾")], deductOtherPayments: true)
    static let industry = PayoutRule(
        line: .industry, deductibleFen: 100_000, ratioBasisPoints: 7000, categoryRatios: [:], claimCapFen: 2_000_000, yearCapFen: 3_000_000,
        lossKinds: [.init(code: "cropLoss", name: "种植业灾害损失")], deductOtherPayments: true)

    static func paid(_ rule: PayoutRule, loss: Int64, other: Int64 = 0, category: String = "marginal", used: Int64 = 0) -> Int64 {
        rule.payout(lossFen: loss, otherPaymentsFen: other, category: category, usedThisYearFen: used).last!.amountFen
    }

    @Test func theDeductibleIsTakenAfterOtherPaymentsAndBeforeTheRatio() {
        // 12,000 yuan of bills, 6,000 paid by basic medical insurance: (12,000 − 6,000 − 3,000) × 65% = 1,950 yuan.
        let steps = Self.medical.payout(lossFen: 1_200_000, otherPaymentsFen: 600_000, category: "marginal", usedThisYearFen: 0)
        #expect(steps.map(\.step) == ["loss", "otherPayments", "deductible", "ratio"])
        #expect(steps.map(\.amountFen) == [1_200_000, 600_000, 300_000, 195_000])
        #expect(steps[2].description == "扣除免赔额 3000.00 元")
        // Exactly at the deductible nothing is payable; one fen above, the ratio of one fen rounds down to zero; 100 fen above gives 65 fen.
        #expect(Self.paid(Self.medical, loss: 300_000) == 0)
        #expect(Self.paid(Self.medical, loss: 300_001) == 0)
        #expect(Self.paid(Self.medical, loss: 300_100) == 65)
        // Other payments larger than what is left never make the payout negative.
        #expect(Self.paid(Self.medical, loss: 400_000, other: 400_000) == 0)
    }

    @Test func theRatioFollowsTheCategory() {
        let loss: Int64 = 1_300_000  // 10,000 yuan above the deductible
        #expect(Self.paid(Self.medical, loss: loss, category: "unstableFormerlyPoor") == 700_000)
        #expect(Self.paid(Self.medical, loss: loss, category: "suddenHardship") == 700_000)
        #expect(Self.paid(Self.medical, loss: loss, category: "marginal") == 650_000)
        // A certified household and a category this version does not know take the line's default ratio.
        #expect(Self.paid(Self.medical, loss: loss, category: "certified") == 600_000)
        #expect(Self.paid(Self.medical, loss: loss, category: "someNewCategory") == 600_000)
        #expect(Self.paid(Self.property, loss: 150_000, category: "certified") == 50_000)
        #expect(Self.paid(Self.property, loss: 150_000, category: "marginal") == 80_000)
    }

    @Test func capsPerClaimAndPerYearHoldAtTheirEdges() {
        // 30,000 yuan per claim: 45,857.14 yuan above the deductible × 65% is 29,807.14, under the cap; far above it, the cap.
        #expect(Self.paid(Self.medical, loss: 300_000 + 4_585_714) == 2_980_714)
        let capped = Self.medical.payout(lossFen: 20_000_000, otherPaymentsFen: 0, category: "marginal", usedThisYearFen: 0)
        #expect(capped.last!.step == "claimCap" && capped.last!.amountFen == 3_000_000)
        // 50,000 per year: with 30,000 used, a second large claim gets the 20,000 left; with all used, nothing.
        let second = Self.medical.payout(lossFen: 20_000_000, otherPaymentsFen: 0, category: "marginal", usedThisYearFen: 3_000_000)
        #expect(second.last!.step == "yearCap" && second.last!.amountFen == 2_000_000)
        #expect(Self.paid(Self.medical, loss: 20_000_000, used: 5_000_000) == 0)
        #expect(Self.paid(Self.medical, loss: 20_000_000, used: 4_999_999) == 1)
        // Accident pays in full up to its cap and ignores other payments (deductOtherPayments false).
        #expect(Self.paid(Self.accident, loss: 5_000_000, other: 1_000_000) == 5_000_000)
        #expect(Self.paid(Self.accident, loss: 5_000_001) == 5_000_000)
        // Industry: (loss − other − 1,000) × 70%, capped at 20,000 per claim.
        #expect(Self.paid(Self.industry, loss: 600_000, other: 200_000) == 210_000)
        #expect(Self.paid(Self.industry, loss: 10_000_000) == 2_000_000)
    }

    @Test func aPolicyYearWithBadRulesIsRefusedFieldByField() {
        var rule = Self.medical
        rule.ratioBasisPoints = 12_000
        rule.claimCapFen = 6_000_000
        rule.categoryRatios["nobody"] = 5000
        rule.lossKinds.append(.init(code: "hospitalization", name: "重复"))
        let policy = PolicyYear(year: 2027, name: "2027年度", fundFen: -1, thresholdsBasisPoints: [8000, 8000], lines: [rule, Self.accident])
        let fields = Set(policy.problems().map(\.field))
        #expect(fields == [
            "fundFen", "thresholdsBasisPoints", "lines[0].ratioBasisPoints", "lines[0].claimCapFen", "lines[0].categoryRatios.nobody",
            "lines[0].lossKinds",
        ])
        let good = PolicyYear(year: 2027, name: "2027年度", fundFen: 200_000_000, thresholdsBasisPoints: [8000, 9500], lines: [Self.medical])
        #expect(good.problems().isEmpty)
    }

    static func request() -> ClaimRequest {
        ClaimRequest(
            householdId: "H1", line: "medical", lossKind: "hospitalization", incidentDate: "2026-03-01", lossFen: 1_200_000,
            otherPayments: [.init(source: "基本医保", amountFen: 600_000)], description: "住院治疗", documents: ["住院发票", "费用清单"],
            payee: .init(name: "李秀英", bankName: "济阳农商银行", accountNumber: "6217 0000 1234 5678"))
    }

    @Test func claimRequestsAreValidatedFieldByFieldAndNeverEchoTheAccount() {
        let today = 20_261_201
        #expect(Self.request().problems(today: today).isEmpty)
        var bad = Self.request()
        bad.line = "car"
        bad.incidentDate = "2026-12-02"
        bad.lossFen = 0
        bad.otherPayments = [.init(source: "", amountFen: -1)]
        bad.documents = []
        bad.payee.accountNumber = "6217-ABC"
        let problems = bad.problems(today: today)
        #expect(Set(problems.map(\.field)) == [
            "line", "incidentDate", "lossFen", "otherPayments[0].source", "otherPayments[0].amountFen", "documents", "payee.accountNumber",
        ])
        #expect(!problems.contains { $0.message.contains("6217") })
        var excessive = Self.request()
        excessive.otherPayments = [.init(source: "基本医保", amountFen: 1_300_000)]
        #expect(excessive.problems(today: today).map(\.field) == ["otherPayments"])
    }

    @Test func bankAccountsAreSealedWithAFreshNonceAndOpenOnlyWithTheKey() throws {
        let key = Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let sealing = try #require(BankAccountSealing(base64Key: key))
        let number = BankAccountSealing.normalized("6217 0000 1234 5678")
        #expect(number == "6217000012345678" && BankAccountSealing.isValid(number))
        let first = try sealing.seal(number), second = try sealing.seal(number)
        #expect(first != second && !first.contains("5678"))
        #expect(sealing.open(first) == number)
        let other = try #require(BankAccountSealing(base64Key: Data(repeating: 7, count: 32).base64EncodedString()))
        #expect(other.open(first) == nil)
        #expect(BankAccountSealing(base64Key: "short") == nil)
        #expect(BankAccountSealing.masked(last4: "5678") == "**** **** **** 5678")
        #expect(sealing.fingerprint(Data("a".utf8)) != other.fingerprint(Data("a".utf8)))
    }

    @Test func moneyIsShownInYuanWithTwoDecimals() {
        #expect(Money.yuan(0) == "0.00" && Money.yuan(5) == "0.05" && Money.yuan(200_000_000) == "2000000.00" && Money.yuan(-150) == "-1.50")
        #expect(Money.percent(6500) == "65%" && Money.percent(6550) == "65.50%")
    }

    @Test func aCertificationLastsAtMostAYear() {
        #expect(CertificationRoutes.yearLater(20_260_301) == "2027-02-28")
        #expect(CertificationRoutes.yearLater(20_260_101) == "2026-12-31")
    }
}
