import LifelineEvents

/// One person of a demo household-member file: one row, columns as in `DemoFiles.householdHeader`.
struct DemoMemberRow: Sendable, Hashable {
    /// 户编号: the household group's code + a 4-digit index within the group.
    var householdNumber: String
    /// 村代码 (12 digits).
    var villageCode: String
    /// 联户网格编号 (15 digits).
    var householdGroupCode: String
    /// 姓名.
    var name: String
    /// 证件号码: a valid, unique GB 11643 number.
    var idNumber: String
    /// 与户主关系: 户主, 配偶, 子女, 父母 or 孙子女.
    var relation: String
    /// 出生日期 as `YYYY-MM-DD`, the same date as in the ID number.
    var birthDate: String
    /// 性别: 男 or 女, matching the parity of the ID number's sequence.
    var sex: String
    /// 联系电话: the head's mobile number; empty for everyone else.
    var phone: String
    /// 是否脱贫户: the whole household is flagged or none of it.
    var formerlyPoor: Bool
    /// 劳动能力, by age and health.
    var labourAbility: LabourAbility = .full
    /// 健康状况.
    var healthStatus: HealthStatus = .healthy
    /// 是否享受低保 (the whole household or none of it).
    var minimumLivingAllowance = false
    /// 是否特困供养 (old people living alone, rarely).
    var extremePovertySupport = false
    /// 监测对象类别 of the household, for the few already monitored.
    var monitoringCategory: MonitoringCategory? = nil
}

/// Deterministic synthetic households for a grid, streamed one member at a time so that files of
/// 500,000+ people never sit in memory. Ages count back from the fixed reference date 2026-11-29
/// (never the clock), so the same grid, count and seed always give the same rows.
public struct DemoHouseholds: Sendable {
    /// The "today" of the demo data.
    static let referenceDate = CivilDate(year: 2026, month: 11, day: 29)

    /// The number of households asked for (none are generated if the grid has no household groups).
    let households: Int
    let seed: UInt64
    private let groupCodes: [String]
    private let villageCodes: [String]
    /// Households per group, in `groupCodes` order (groups chosen uniformly at random).
    private let householdsPerGroup: [Int]

    public init(grid: DemoGridData, households: Int, seed: UInt64 = 2026) {
        let groups = grid.units.filter { $0.level == .householdGroup }
        let total = max(0, households)
        var counts = Array(repeating: 0, count: groups.count)
        if !counts.isEmpty {
            var random = SeededRandom(seed: seed, stream: 3)
            for _ in 0..<total {
                counts[random.int(in: 0...(counts.count - 1))] += 1
            }
        }
        self.households = total
        self.seed = seed
        groupCodes = groups.map(\.code)
        villageCodes = groups.map { $0.parentCode ?? String($0.code.prefix(12)) }
        householdsPerGroup = counts
    }

    /// The number of households `forEachMember` goes through.
    var generatedHouseholds: Int { householdsPerGroup.reduce(0, +) }

    /// Calls `body` for every member of every household, household by household (head first),
    /// groups in grid order.
    func forEachMember(_ body: (DemoMemberRow) throws -> Void) rethrows {
        var generator = DemoHouseholdGenerator(seed: seed)
        for group in householdsPerGroup.indices where householdsPerGroup[group] > 0 {
            for index in 1...householdsPerGroup[group] {
                let rows = generator.household(
                    number: groupCodes[group] + DemoText.padded(index, width: 4),
                    villageCode: villageCodes[group], groupCode: groupCodes[group])
                for row in rows {
                    try body(row)
                }
            }
        }
    }
}

/// Makes one household at a time: its composition, names, birth dates and ID numbers.
private struct DemoHouseholdGenerator {
    /// A person before names and numbers are drawn.
    struct Person {
        var relation: String
        var age: Int
        var male: Bool
        var surname: String
        /// Married into the family, so more likely to carry an ID issued elsewhere.
        var marriedIn: Bool
    }

    private var random: SeededRandom
    /// A stream of its own for the registry attributes, so adding them changed no name or ID number.
    private var attributes: SeededRandom
    private var issuer = DemoIdNumberIssuer()
    private let referenceDay = DemoHouseholds.referenceDate.daysSinceEpoch

    init(seed: UInt64) {
        random = SeededRandom(seed: seed, stream: 4)
        attributes = SeededRandom(seed: seed, stream: 5)
    }

    mutating func household(number: String, villageCode: String, groupCode: String) -> [DemoMemberRow] {
        let people = composition()
        let formerlyPoor = random.chance(0.08)
        var names: Set<String> = []
        var rows: [DemoMemberRow] = []
        rows.reserveCapacity(people.count)
        for person in people {
            // Born between `age` and `age + 1` years before the reference date, never on or after it.
            let offset = person.age * 365 + person.age / 4 + random.int(in: 1...364)
            let birthYear = CivilDate(daysSinceEpoch: referenceDay - offset).year
            var name = DemoText.personName(surname: person.surname, male: person.male, birthYear: birthYear, using: &random)
            for _ in 0..<5 where names.contains(name) {
                name = DemoText.personName(surname: person.surname, male: person.male, birthYear: birthYear, using: &random)
            }
            names.insert(name)
            let code = addressCode(for: person, birthYear: birthYear)
            let issued = issuer.issue(addressCode: code, birthDay: referenceDay - offset, male: person.male)
            let phone = person.relation == "户主" ? DemoText.mobileNumber(using: &random) : ""
            rows.append(DemoMemberRow(
                householdNumber: number, villageCode: villageCode, householdGroupCode: groupCode, name: name,
                idNumber: issued.idNumber, relation: person.relation, birthDate: issued.birthDate.iso,
                sex: person.male ? "男" : "女", phone: phone, formerlyPoor: formerlyPoor))
        }
        return withRegistryAttributes(rows, ages: people.map(\.age), formerlyPoor: formerlyPoor)
    }

    /// Health, ability to work, 低保/特困 and the monitoring category, drawn from their own stream.
    private mutating func withRegistryAttributes(_ rows: [DemoMemberRow], ages: [Int], formerlyPoor: Bool) -> [DemoMemberRow] {
        let allowance = attributes.chance(formerlyPoor ? 0.25 : 0.03)
        let category: MonitoringCategory? =
            attributes.chance(formerlyPoor ? 0.12 : 0.01)
            ? (formerlyPoor ? .unstableFormerlyPoor : attributes.pick([.marginal, .suddenHardship])) : nil
        var rows = rows
        for index in rows.indices {
            let age = ages[index]
            let roll = attributes.int(in: 1...100)
            let health: HealthStatus = roll <= 3 ? .disabled : roll <= 5 ? .seriousIllness : roll <= (age >= 60 ? 30 : 8) ? .chronicIllness : .healthy
            let labour: LabourAbility =
                if age < 16 || (age >= 16 && age < 18 && attributes.chance(0.9)) { .none }
                else if health == .disabled || health == .seriousIllness || age >= 75 { .lost }
                else if health == .chronicIllness || age >= 60 { .weak }
                else { .full }
            rows[index].healthStatus = health
            rows[index].labourAbility = labour
            rows[index].minimumLivingAllowance = allowance
            rows[index].extremePovertySupport = rows.count == 1 && age >= 65 && attributes.chance(0.1)
            rows[index].monitoringCategory = category
        }
        return rows
    }

    /// The address code of a new ID number: mostly 370125 (济阳县, before 2018), 370115 for children
    /// born since the district was created, and 370126 (商河), 370181 (章丘) or 372401 (德州) for some
    /// who married in and a few others.
    private mutating func addressCode(for person: Person, birthYear: Int) -> String {
        if random.chance(person.marriedIn ? 0.3 : 0.02) {
            return random.pick(["370126", "370181", "372401"])
        }
        return birthYear >= 2019 ? "370115" : "370125"
    }

    /// Who lives in the household: 1–6 people, mostly 2–4; old people alone, couples, children,
    /// sometimes a parent of the head or grandchildren.
    private mutating func composition() -> [Person] {
        let size = random.weightedIndex([12, 24, 25, 21, 12, 6]) + 1
        let headSurname = random.pick(DemoText.surnames)
        if size == 1 {
            let elderly = random.chance(0.7)
            let age = elderly ? random.int(in: 65...85) : random.int(in: 30...64)
            return [Person(relation: "户主", age: age, male: random.chance(elderly ? 0.45 : 0.7), surname: headSurname, marriedIn: false)]
        }
        let hasSpouse = random.chance(0.9)
        let headAge = size == 2 && hasSpouse && random.chance(0.6) ? random.int(in: 55...85) : random.int(in: 30...85)
        let headMale = random.chance(hasSpouse ? 0.85 : 0.5)
        var people = [Person(relation: "户主", age: headAge, male: headMale, surname: headSurname, marriedIn: hasSpouse && !headMale)]
        var familySurname = headSurname
        var youngestParent = headAge
        if hasSpouse {
            let difference = headMale ? random.int(in: -6...2) : random.int(in: -2...6)
            let spouseAge = max(22, min(90, headAge + difference))
            let spouseSurname = random.pick(DemoText.surnames)
            people.append(Person(relation: "配偶", age: spouseAge, male: !headMale, surname: spouseSurname, marriedIn: headMale))
            if !headMale { familySurname = spouseSurname }
            youngestParent = min(headAge, spouseAge)
        }
        if size > people.count, headAge <= 58, random.chance(0.3) {
            let fatherAge = headAge + random.int(in: 24...35)
            if size - people.count >= 3, random.chance(0.4) {
                let motherAge = max(headAge + 20, fatherAge - random.int(in: 0...5))
                people.append(Person(relation: "父母", age: fatherAge, male: true, surname: headSurname, marriedIn: false))
                people.append(Person(relation: "父母", age: motherAge, male: false, surname: random.pick(DemoText.surnames), marriedIn: true))
            } else if random.chance(0.4) {
                people.append(Person(relation: "父母", age: fatherAge, male: true, surname: headSurname, marriedIn: false))
            } else {
                let motherAge = max(headAge + 20, fatherAge - random.int(in: 0...4))
                people.append(Person(relation: "父母", age: motherAge, male: false, surname: random.pick(DemoText.surnames), marriedIn: true))
            }
        }
        let remaining = size - people.count
        guard remaining > 0 else { return people }
        // Grandchildren only when the eldest child is an adult; the eldest is then at least 20.
        let withGrandchildren = remaining >= 2 && youngestParent >= 50 && random.chance(0.6)
        let childCount = withGrandchildren ? (remaining >= 4 && random.chance(0.3) ? 2 : 1) : remaining
        let widestGap = max(20, min(38, withGrandchildren ? youngestParent - 20 : youngestParent))
        let eldestChild = max(0, youngestParent - random.int(in: 20...widestGap))
        var childAge = eldestChild
        for index in 0..<childCount {
            if index > 0 { childAge = max(0, childAge - random.int(in: 1...6)) }
            people.append(Person(relation: "子女", age: childAge, male: random.chance(0.52), surname: familySurname, marriedIn: false))
        }
        guard withGrandchildren, size > people.count else { return people }
        var grandchildAge = max(0, eldestChild - random.int(in: 20...max(20, min(35, eldestChild))))
        for index in 0..<(size - people.count) {
            if index > 0 { grandchildAge = max(0, grandchildAge - random.int(in: 1...6)) }
            people.append(Person(relation: "孙子女", age: grandchildAge, male: random.chance(0.52), surname: familySurname, marriedIn: false))
        }
        return people
    }
}

/// Issues unique ID numbers: for every address code, birth date and sex the 3-digit sequence runs
/// through a fixed permutation of its 499 values (odd for men, even for women). When a day's
/// sequences run out, the birth date moves one day earlier.
private struct DemoIdNumberIssuer {
    private static let sequencesPerDay = 499  // prime, so any stride below it is a permutation
    private var issued: [String: Int] = [:]

    mutating func issue(addressCode: String, birthDay: Int, male: Bool) -> (idNumber: String, birthDate: CivilDate) {
        var day = birthDay
        while true {
            let date = CivilDate(daysSinceEpoch: day)
            let compact = date.compact
            let key = addressCode + compact + (male ? "1" : "0")
            let count = issued[key, default: 0]
            if count < Self.sequencesPerDay {
                issued[key] = count + 1
                let offset = date.year * 37 + date.month * 31 + date.day * 13 + (Int(addressCode.suffix(3)) ?? 0)
                let step = (count * 211 + offset) % Self.sequencesPerDay
                let sequence = 2 * step + (male ? 1 : 2)  // men 001…997, women 002…998
                let body = addressCode + compact + DemoText.padded(sequence, width: 3)
                let digits = body.utf8.map { Int($0) - 48 }
                return (body + String(CitizenIdNumber.checkCharacter(for: digits)), date)
            }
            day -= 1
        }
    }
}

/// A proleptic Gregorian calendar date, converted to and from days since 1970-01-01 by `CivilDay`
/// (no Calendar or time zone involved).
struct CivilDate: Sendable, Hashable {
    var year: Int
    var month: Int
    var day: Int

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init(daysSinceEpoch days: Int) {
        (year, month, day) = CivilDay.civil(fromDaysSinceEpoch: days)
    }

    /// Days since 1970-01-01.
    var daysSinceEpoch: Int {
        CivilDay.daysSinceEpoch(year: year, month: month, day: day)
    }

    /// `YYYYMMDD`, as in ID numbers.
    var compact: String {
        DemoText.padded(year, width: 4) + DemoText.padded(month, width: 2) + DemoText.padded(day, width: 2)
    }

    /// `YYYY-MM-DD`.
    var iso: String {
        DemoText.padded(year, width: 4) + "-" + DemoText.padded(month, width: 2) + "-" + DemoText.padded(day, width: 2)
    }
}
