import Foundation
@testable import Intake
@testable import LifelineFiles
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
        #expect(map.value(.idNumber, in: TabularRow(line: 2, cells: ["1", "X", "张三", "H1", "V", "G", "户主"])) == "X")
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

    @Test func ipv6ClientsAreCountedPerSlash64AndIPv4PerAddress() {
        let resolver = ClientAddressResolver(trustedProxies: [])
        let one = resolver.clientKey(peer: "2001:db8:1234:5678:aaaa::1", forwardedFor: nil)
        let other = resolver.clientKey(peer: "2001:db8:1234:5678:ffff:1:2:3", forwardedFor: nil)
        #expect(one == other && one == "2001:db8:1234:5678::/64")
        #expect(resolver.clientKey(peer: "2001:db8:1234:5679::1", forwardedFor: nil) != one)
        #expect(resolver.clientKey(peer: "203.0.113.7", forwardedFor: nil) == "203.0.113.7")
        #expect(resolver.clientKey(peer: "::ffff:203.0.113.7", forwardedFor: nil) == "203.0.113.7", "IPv4-mapped is IPv4")
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxies() throws {
        let resolver = try ClientAddressResolver(settings: ConfigReader(environment: ["TRUSTED_PROXIES": "10.0.0.0/8, fd00::/8"]))
        // Not from a proxy: the header is the client's own invention.
        #expect(resolver.clientKey(peer: "198.51.100.9", forwardedFor: "1.2.3.4") == "198.51.100.9")
        // From the proxy: the last untrusted hop, never what the client prepended.
        #expect(resolver.clientKey(peer: "10.1.2.3", forwardedFor: "6.6.6.6, 203.0.113.7") == "203.0.113.7")
        #expect(resolver.clientKey(peer: "10.1.2.3", forwardedFor: "6.6.6.6, 203.0.113.7, 10.9.9.9") == "203.0.113.7")
        #expect(resolver.clientKey(peer: "fd00::5", forwardedFor: "2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64")
        #expect(throws: ConfigurationError.self) { try ClientAddressResolver(settings: ConfigReader(environment: ["TRUSTED_PROXIES": "10.0.0/33"])) }
        #expect(throws: ConfigurationError.self) { try PublicLimits.Settings(settings: ConfigReader(environment: ["TRUST_PROXY_HEADERS": "true"])) }
    }

    @Test func applicationNumbersAreNotInSequence() throws {
        let numbers = try (0..<200).map { _ in try RecordNumbers.unguessable("SQ") }
        #expect(Set(numbers).count == 200)
        #expect(numbers.allSatisfy { $0.count == 18 && $0.hasPrefix("SQ") && $0.dropFirst(2).allSatisfy(\.isNumber) })
        let tails = numbers.map { Int($0.suffix(8))! }.sorted()
        #expect(tails.last! - tails.first! > 50_000_000, "random over the whole range, not a counter")
    }

    @Test func namesAreComparedAsPeopleTypeThem() {
        #expect(ApplicationStore.sameName("马桂芳", " 马 桂芳 "))
        #expect(ApplicationStore.sameName("阿依古丽·买买提", "阿依古丽・买买提"))
        #expect(!ApplicationStore.sameName("马桂芳", "王桂芳"))
    }
}
