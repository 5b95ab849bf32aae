import Foundation
@testable import Intake
@testable import IntakeDemo
import LifelineEvents
import Testing

/// The demo data generator: a plausible 济阳区 grid and households whose every row would pass import.
@Suite struct DemoDataTests {
    static let grid = DemoGrid.make()

    @Test func theTenTownsHaveTheirRealCodesAndNames() {
        let towns = Self.grid.units.filter { $0.level == .town }
        #expect(towns.map { $0.code + " " + $0.name } == [
            "370115001 济阳街道", "370115002 济北街道", "370115003 崔寨街道", "370115004 孙耿街道",
            "370115005 回河街道", "370115006 太平街道", "370115101 垛石镇", "370115103 曲堤镇",
            "370115104 仁风镇", "370115110 新市镇",
        ])
        #expect(towns.allSatisfy { $0.parentCode == nil })
    }

    @Test func theGridHasJiyangsSize() {
        let units = Self.grid.units
        #expect(units.count(where: { $0.level == .managementArea }) == 44)
        #expect(units.count(where: { $0.level == .village }) == 577)
        #expect((2_500...2_700).contains(units.count(where: { $0.level == .householdGroup })))
        #expect(Set(units.map(\.code)).count == units.count)
    }

    @Test func everyUnitComesAfterItsParentAndCarriesItsCodePrefix() {
        var seen: [String: DemoGridUnit] = [:]
        for unit in Self.grid.units {
            let parent = unit.parentCode.flatMap { seen[$0] }
            switch unit.level {
            case .town:
                #expect(unit.parentCode == nil && unit.code.count == 9)
            case .managementArea:
                #expect(parent?.level == GridUnitLevel.town && unit.code.hasPrefix(parent?.code ?? "-"), "\(unit.code)")
            case .village:
                let town = parent?.parentCode.flatMap { seen[$0] }
                #expect(parent?.level == GridUnitLevel.managementArea, "\(unit.code)")
                #expect(town?.level == GridUnitLevel.town && unit.code.hasPrefix(town?.code ?? "-"), "\(unit.code)")
                #expect(unit.code.count == 12)
            case .householdGroup:
                #expect(parent?.level == GridUnitLevel.village && unit.code.hasPrefix(parent?.code ?? "-"), "\(unit.code)")
                #expect(unit.code.count == 15)
            default:
                Issue.record("unknown level \(unit.level)")
            }
            seen[unit.code] = unit
        }
    }

    @Test func villageNamesAreUniqueWithinATown() {
        let villages = Self.grid.units.filter { $0.level == .village }
        let byTown = Dictionary(grouping: villages) { String($0.code.prefix(9)) }
        #expect(byTown.count == 10)
        for (town, list) in byTown {
            #expect(Set(list.map(\.name)).count == list.count, "duplicate village name in \(town)")
        }
    }

    @Test func everyUnitHasAMember() {
        let members = Self.grid.members
        let staffed = Set(members.map(\.unitCode))
        #expect(Self.grid.units.allSatisfy { staffed.contains($0.code) })
        #expect(Set(members.map(\.id)).count == members.count)
        #expect(members.allSatisfy { $0.id.hasPrefix("GM" + $0.unitCode) && MobileNumber.isValid($0.phone) })
        #expect(members.count(where: { $0.level == .village }) == 2 * 577)
    }

    @Test func theSameSeedGivesTheSameGridAndAnotherSeedAnother() {
        let again = DemoGrid.make(seed: 2026)
        #expect(again.units == Self.grid.units)
        #expect(again.members == Self.grid.members)
        let other = DemoGrid.make(seed: 7)
        #expect(other.units != Self.grid.units)
    }

    static func rows(households: Int, seed: UInt64 = 2026) -> [DemoMemberRow] {
        var rows: [DemoMemberRow] = []
        DemoHouseholds(grid: grid, households: households, seed: seed).forEachMember { rows.append($0) }
        return rows
    }

    @Test func householdsAreDeterministic() {
        #expect(Self.rows(households: 200) == Self.rows(households: 200))
        #expect(Self.rows(households: 200) != Self.rows(households: 200, seed: 99))
    }

    @Test func generatedMembersAreValidAndConsistent() {
        let rows = Self.rows(households: 2_000)
        #expect(Set(rows.map(\.idNumber)).count == rows.count)
        let groups = Dictionary(
            uniqueKeysWithValues: Self.grid.units.filter { $0.level == .householdGroup }.map { ($0.code, $0) })
        var heads: [String: Int] = [:]
        var sizes: [String: Int] = [:]
        var flags: [String: Set<Bool>] = [:]
        for row in rows {
            if case .failure(let problem) = CitizenIdNumber.parse(row.idNumber) {
                Issue.record("ID number rejected: \(problem)")
            }
            let id = Array(row.idNumber)
            guard id.count == 18 else {
                Issue.record("ID number of \(id.count) characters")
                continue
            }
            #expect(String(id[6..<14]) == row.birthDate.replacingOccurrences(of: "-", with: ""))
            #expect(row.birthDate < "2026-11-29")
            #expect(row.sex == "男" || row.sex == "女")
            #expect(((id[16].wholeNumberValue ?? 0) % 2 == 1) == (row.sex == "男"))
            #expect(["户主", "配偶", "子女", "父母", "孙子女"].contains(row.relation))
            if row.relation == "户主" {
                #expect(MobileNumber.isValid(row.phone))
            } else {
                #expect(row.phone.isEmpty)
            }
            #expect(groups[row.householdGroupCode]?.parentCode == row.villageCode, "\(row.householdGroupCode)")
            #expect(row.householdGroupCode.hasPrefix(row.villageCode))
            #expect(row.householdNumber.hasPrefix(row.householdGroupCode) && row.householdNumber.count == 19)
            heads[row.householdNumber, default: 0] += row.relation == "户主" ? 1 : 0
            sizes[row.householdNumber, default: 0] += 1
            flags[row.householdNumber, default: []].insert(row.formerlyPoor)
        }
        #expect(heads.count == 2_000)
        #expect(heads.values.allSatisfy { $0 == 1 })
        #expect(sizes.values.allSatisfy { (1...6).contains($0) })
        #expect(flags.values.allSatisfy { $0.count == 1 })
        let formerlyPoor = flags.values.count(where: { $0.contains(true) })
        let share = Double(formerlyPoor) / Double(max(1, flags.count))
        #expect((0.04...0.12).contains(share), "formerly poor share \(share)")
    }

    @Test func theCSVHasTheCanonicalHeaderAndOneLinePerMember() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("demo-households-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let written = try DemoFiles.writeHouseholdCSV(DemoHouseholds(grid: Self.grid, households: 50), to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(written == Self.rows(households: 50).count)
        #expect(lines.count == written + 1)
        // The demo writes intake's columns in intake's spelling.
        #expect(DemoFiles.householdHeader == HouseholdFileColumn.allCases.map(\.rawValue))
        #expect(lines.first.map { String($0) } == HouseholdFileColumn.allCases.map(\.rawValue).joined(separator: ","))
        let columns = HouseholdFileColumn.allCases.count
        let poorAt = HouseholdFileColumn.allCases.firstIndex(of: .formerlyPoor)!
        let labourAt = HouseholdFileColumn.allCases.firstIndex(of: .labourAbility)!
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(cells.count == columns)
            #expect(cells[poorAt] == "是" || cells[poorAt] == "否")
            #expect(LabourAbility(text: cells[labourAt]) != nil)
        }
    }
}
