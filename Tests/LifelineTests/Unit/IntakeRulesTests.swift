import Foundation
@testable import Intake
import LifelineRuntime
import Testing

/// Row checks of the household import, date formats, and the rate limiter.
@Suite struct IntakeRulesTests {
    let columns = try! HouseholdColumnMap.make(header: HouseholdFileColumn.canonicalHeader).get()

    func row(_ values: [HouseholdFileColumn: String]) -> TabularRow {
        TabularRow(line: 7, cells: HouseholdFileColumn.allCases.map { values[$0] ?? "" })
    }

    var good: [HouseholdFileColumn: String] {
        let id = TestData.idNumber(male: false)
        return [
            .householdNumber: "3701151012010010001", .villageCode: "370115101201", .householdGroupCode: "370115101201001",
            .name: "李秀英", .idNumber: id, .relation: "户主", .birthDate: HouseholdFile.birthDate(of: id).replacingOccurrences(of: "-", with: "/"),
            .sex: "女", .phone: "139-1234-5678", .formerlyPoor: "是",
        ]
    }

    @Test func aGoodRowIsNormalized() throws {
        let member = try HouseholdRowParser.parse(row(good), columns: columns).get()
        #expect(member.birthDate == HouseholdFile.birthDate(of: member.idNumber))
        #expect(member.phone == "13912345678")
        #expect(member.formerlyPoor)
        #expect(member.sex == "女")
    }

    @Test func everyBadFieldIsNamedWithoutQuotingTheValue() {
        var values = good
        let id = values[.idNumber]!
        values[.idNumber] = String(id.dropLast()) + (id.last == "0" ? "1" : "0")
        values[.sex] = "未知"
        values[.relation] = "邻居"
        values[.formerlyPoor] = "也许"
        values[.villageCode] = "3701"
        guard case .failure(let rejected) = HouseholdRowParser.parse(row(values), columns: columns) else {
            Issue.record("the row should be rejected")
            return
        }
        #expect(Set(rejected.problems.map(\.field)) == ["证件号码", "性别", "与户主关系", "是否脱贫户", "村代码"])
        #expect(rejected.problems.allSatisfy { $0.line == 7 && !$0.reason.contains(values[.idNumber]!) })
    }

    @Test func birthDateAndSexMustAgreeWithTheIdNumber() {
        var values = good
        values[.birthDate] = "1901-01-01"
        values[.sex] = "男"
        guard case .failure(let rejected) = HouseholdRowParser.parse(row(values), columns: columns) else {
            Issue.record("the row should be rejected")
            return
        }
        #expect(rejected.problems.map(\.reason).sorted() == ["与身份证号码中的出生日期不一致", "与身份证号码中的性别不一致"].sorted())
    }

    @Test func headersAreMatchedByNameAndAlias() throws {
        let header = ["序号", "身份证号", "姓名", "户编码", "行政村代码", "联户编号", "与户主关系"]
        let map = try HouseholdColumnMap.make(header: header).get()
        #expect(map.value(.idNumber, in: ["1", "X", "张三", "H1", "V", "G", "户主"]) == "X")
        guard case .failure(let failure) = HouseholdColumnMap.make(header: ["姓名"]) else {
            Issue.record("a header without required columns must fail")
            return
        }
        #expect(failure.code == .missingColumns)
    }

    @Test(arguments: [
        ("1968-03-15", "1968-03-15"), ("1968/3/5", "1968-03-05"), ("19680315", "1968-03-15"), ("1968年3月15日", "1968-03-15"),
        ("1968.03.15", "1968-03-15"), ("1968-02-30", nil), ("2999-01-01", nil), ("15/03/1968", nil), ("", nil),
    ] as [(String, String?)])
    func datesAsClerksTypeThem(text: String, expected: String?) {
        #expect(DateText.normalize(text) == expected)
    }

    @Test func theRateLimiterRefusesAfterItsCapacityAndSaysWhenToComeBack() {
        let limiter = RateLimiter(capacity: 3, period: .seconds(600))
        #expect((0..<3).allSatisfy { _ in limiter.acquire("a").allowed })
        let refused = limiter.acquire("a")
        #expect(!refused.allowed)
        #expect(refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 200)
        #expect(limiter.acquire("b").allowed, "another key has its own bucket")
        #expect(limiter.check("b").allowed)
        limiter.penalize("b")
        limiter.penalize("b")
        #expect(!limiter.check("b").allowed, "penalties count like requests")
    }
}
