import Foundation
@testable import Intake
import IntakeDemo
import LifelineEvents
import LifelineAuth
import LifelinePersistence
import Logging
import Testing

/// The grid loaded from a file: units and members go in, bad rows are reported by line.
@Suite(.tags(.integration)) struct GridImportTests {
    @Test func aGridFileLoadsUnitsAndMembersAndReportsBadRows() async throws {
        let village = TestData.villageCode()
        let area = "370115101A98"
        let rows = [
            "层级,代码,名称,上级代码,网格员姓名,联系电话,职务",
            "镇街,370115101,垛石镇,370115,,,",
            "管区,\(area),垛石测试管区,370115101,孟庆华,13912340001,管区书记",
            "村,\(village),东风村,\(area),刘洪波,13912340002,村网格长",
            "村,\(village),东风村,\(area),陈玉兰,13912340003,专职网格员",
            "联户网格,\(village)001,第一联户网格,\(village),杨树林,13912340004,联户长",
            "联户网格,\(village)002,第二联户网格,370115101999,,,",   // line 7: parent missing
            "小组,\(village)003,第三联户网格,\(village),,,",          // line 8: unknown level
            "联户网格,\(village)004,第四联户网格,\(village),钱多多,12345,联户长",  // line 9: bad phone
        ]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(UUID().uuidString).csv")
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: url)
        let outcome = try await TestGrid.withIntakeDatabase { database in
            try await GridFileImporter(grid: GridStore(database: database, logger: Logger(label: "test")), publisher: TestGrid.publisher(database)).run(file: url, covers: { _ in true })
        }
        #expect(outcome.problems.map(\.line) == [7, 8, 9])
        #expect(outcome.problems.map(\.field) == ["上级代码", "层级", "联系电话"])
        #expect(outcome.units == 4 && outcome.members == 4)
        let (summary, children) = try await TestGrid.withIntakeDatabase { database in
            let grid = GridStore(database: database, logger: Logger(label: "test"))
            return (try await grid.village(village), try await grid.children(of: village))
        }
        #expect(summary?.name == "东风村" && summary?.townName == "垛石镇")
        #expect(children.map(\.code) == [village + "001"], "a row with a bad member is refused whole")
        #expect(children.first?.members.map(\.id) == ["GM\(village)001"], "a unit's only member is GM<code>, as in the demo grid")

        // Again: nothing new.
        let again = try await TestGrid.withIntakeDatabase { database in
            try await GridFileImporter(grid: GridStore(database: database, logger: Logger(label: "test")), publisher: TestGrid.publisher(database)).run(file: url, covers: { _ in true })
        }
        #expect(again.units == 4 && again.problems.count == 3)
        let villageMembers = try await TestGrid.withIntakeDatabase { database in
            try await GridStore(database: database, logger: Logger(label: "test")).children(of: "370115101A98")
        }
        #expect(villageMembers.first { $0.code == village }?.members.map(\.id) == ["GM\(village)A", "GM\(village)B"])
    }

    @Test func changedUnitsArePublishedWithTheirWholeTeamAndNothingElse() async throws {
        let village = TestData.villageCode()
        let area = "370115101A97"
        func load(_ rows: [String]) async throws {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(UUID().uuidString).csv")
            try Data((["层级,代码,名称,上级代码,网格员编号,网格员姓名,联系电话,职务"] + rows).joined(separator: "\n").utf8).write(to: url)
            let outcome = try await TestGrid.withIntakeDatabase { database in
                try await GridFileImporter(grid: GridStore(database: database, logger: Logger(label: "test")), publisher: TestGrid.publisher(database))
                    .run(file: url, covers: { _ in true })
            }
            #expect(outcome.problems.isEmpty)
        }
        let grid = [
            "镇街,370115101,垛石镇,370115,,,,",
            "管区,\(area),垛石第九十七管区,370115101,,,,",
            "村,\(village),杏林村,\(area),GM\(village)A,刘洪波,13912340002,村网格长",
            "联户网格,\(village)001,第一联户网格,\(village),GM\(village)001,杨树林,13912340004,联户长",
            "联户网格,\(village)002,第二联户网格,\(village),,,,",
        ]
        try await load(grid)
        let first = try await TestGrid.outboxEvents(GridUnitRegistered.self, keys: [village, village + "001", village + "002"])
        let villageEvent = try #require(first.last { $0.code == village })
        #expect(villageEvent.level == .village && villageEvent.name == "杏林村" && villageEvent.parentCode == area)
        #expect(villageEvent.members == [.init(id: "GM\(village)A", name: "刘洪波", duty: "村网格长", phone: "13912340002")])
        #expect(Set(first.map(\.code)) == [village, village + "001", village + "002"])

        // The same file: nothing published. The 联户长 moves to the second group: both groups are.
        try await load(grid)
        #expect(try await TestGrid.outboxEvents(GridUnitRegistered.self, keys: [village, village + "001", village + "002"]).count == first.count)
        var moved = grid
        moved[3] = "联户网格,\(village)001,第一联户网格,\(village),,,,"
        moved[4] = "联户网格,\(village)002,第二联户网格,\(village),GM\(village)001,杨树林,13912340004,联户长"
        try await load(moved)
        let after = try await TestGrid.outboxEvents(GridUnitRegistered.self, keys: [village, village + "001", village + "002"])
        let fresh = after.dropFirst(first.count)
        #expect(Set(fresh.map(\.code)) == [village + "001", village + "002"])
        #expect(fresh.first { $0.code == village + "001" }?.members.isEmpty == true)
        #expect(fresh.first { $0.code == village + "002" }?.members.map(\.id) == ["GM\(village)001"])
    }

    @Test func theDemoGridFileImportsWithoutAProblem() async throws {
        let grid = DemoGrid.make()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("demo-grid-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        try DemoFiles.writeGridCSV(grid, to: url)
        let outcome = try await TestGrid.withIntakeDatabase { database in
            try await GridFileImporter(grid: GridStore(database: database, logger: Logger(label: "test")), publisher: TestGrid.publisher(database))
                .run(file: url, covers: { _ in true })
        }
        #expect(outcome.problems.isEmpty, "\(outcome.problems.prefix(5))")
        #expect(outcome.units == grid.units.count && outcome.members == grid.members.count)
    }

    @Test func anotherDistrictsTokenCannotRewriteTheGrid() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let before = try await TestGrid.withIntakeDatabase { try await GridStore(database: $0, logger: Logger(label: "test")).village(village) }
        let rows = [
            "层级,代码,名称,上级代码",
            "镇街,370115101,被改名的镇,370115",
            "村,\(village),被改名的村,\(String(village.prefix(9)))",
        ]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(UUID().uuidString).csv")
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: url)
        let foreign = AuthenticatedUser(id: "d", role: .district, region: "370125")
        let outcome = try await TestGrid.withIntakeDatabase { database in
            try await GridFileImporter(grid: GridStore(database: database, logger: Logger(label: "test")), publisher: TestGrid.publisher(database)).run(file: url, covers: foreign.covers(region:))
        }
        #expect(outcome.units == 0)
        #expect(outcome.problems.map(\.line) == [2, 3] && outcome.problems.allSatisfy { $0.field == "代码" })
        let after = try await TestGrid.withIntakeDatabase { try await GridStore(database: $0, logger: Logger(label: "test")).village(village) }
        #expect(after?.name == before?.name && after?.townName == before?.townName)
        // A town's rows pass for a token of that town's district.
        let own = AuthenticatedUser(id: "d", role: .district, region: "370115")
        #expect(own.covers(region: GridFileImporter.region(of: "370115101A01")))
        #expect(GridFileImporter.region(of: "370115101A01") == "370115101" && GridFileImporter.region(of: "\(village)001") == village)
    }

    @Test func aFileSortedByCodeLoadsAndEachUnitsTeamIsReplaced() async throws {
        let village = TestData.villageCode()
        let area = "370115101A97"
        // Sorted by code: the village (…101xxx) comes before its management area (…101A97).
        let first = [
            "层级,代码,名称,上级代码,网格员姓名,联系电话,职务",
            "镇街,370115101,垛石镇,370115,,,",
            "村,\(village),西湖村,\(area),周建国,13912340011,村网格长",
            "村,\(village),西湖村,\(area),吴海燕,13912340012,专职网格员",
            "管区,\(area),垛石另一管区,370115101,,,",
        ]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("grid-\(UUID().uuidString).csv")
        try Data((first.joined(separator: "\n") + "\n").utf8).write(to: url)
        let outcome = try await TestGrid.withIntakeDatabase { database in
            try await GridFileImporter(grid: GridStore(database: database, logger: Logger(label: "test")), publisher: TestGrid.publisher(database)).run(file: url, covers: { _ in true })
        }
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        #expect(outcome.units == 3 && outcome.members == 2)

        // The next file lists one member for the village: the other loses their place.
        let second = Array(first.prefix(3)) + [first[4]]
        try Data((second.joined(separator: "\n") + "\n").utf8).write(to: url)
        _ = try await TestGrid.withIntakeDatabase { database in
            try await GridFileImporter(grid: GridStore(database: database, logger: Logger(label: "test")), publisher: TestGrid.publisher(database)).run(file: url, covers: { _ in true })
        }
        let members = try await TestGrid.withIntakeDatabase { database in
            try await GridStore(database: database, logger: Logger(label: "test")).children(of: area)
        }
        #expect(members.first { $0.code == village }?.members.map(\.name) == ["周建国"])
        #expect(members.first { $0.code == village }?.members.map(\.id) == ["GM\(village)"])
    }
}
