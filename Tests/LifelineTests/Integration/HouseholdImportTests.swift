import Foundation
@testable import Intake
import LifelineEvents
import LifelinePersistence
import Logging
import Synchronization
import Testing

/// The registry import against the real PostgreSQL: per-row problems with line numbers, the rest goes
/// in, re-importing changes nothing, and every encoding and XLSX give the same registry.
@Suite(.tags(.integration)) struct HouseholdImportTests {
    static func members(of household: String) async throws -> [String] {
        try await TestGrid.withIntakeDatabase { database in
            var names: [String] = []
            for try await name in try await database.query(
                "SELECT name FROM household_members WHERE household_id = \(household) ORDER BY position"
            ).decode(String.self) { names.append(name) }
            return names
        }
    }

    static func outboxEvents(for households: [String]) async throws -> Int {
        try await TestDatabase.count(schema: "intake", """
            SELECT count(*) FROM outbox WHERE topic = 'intake.households' AND partition_key = ANY(\(households))
            """)
    }

    @Test func theRegistryColumnsOfTheNationalExportArePublished() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let tag = TestData.unique("R").replacingOccurrences(of: "-", with: "")
        let (monitored, plain, bad) = ("\(tag)1", "\(tag)2", "\(tag)3")
        let header = HouseholdFileColumn.canonicalHeader + ["劳动能力", "健康状况", "是否低保", "是否特困供养", "监测对象类别"]
        func row(_ household: String, _ name: String, _ relation: String, _ extra: [String], phone: String = "") -> String {
            let id = TestData.idNumber()
            return ([household, village, village + "001", name, id, relation, "", "", phone, "否"] + extra).joined(separator: ",")
        }
        let lines = [
            header.joined(separator: ","),
            row(monitored, "孙立国", "户主", ["普通劳动力", "长期慢性病", "是", "否", "边缘易致贫户"], phone: "13912340099"),
            row(monitored, "孙小雨", "子女", ["无劳动力", "健康", "是", "", "边缘易致贫户"]),
            row(plain, "周桂兰", "户主", ["", "", "", "", ""]),
            row(bad, "吴大勇", "户主", ["很能干", "健康", "是", "否", ""]),            // line 5: 劳动能力
            row(monitored, "孙小军", "子女", ["无劳动力", "健康", "是", "否", "突发严重困难户"]), // line 6: not the household's category
        ]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID().uuidString).csv")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        let log = ImportLog()
        let counts = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: "370115", reporter: await log.reporter)
        }
        #expect(counts.rowsAccepted == 3)
        let problems = await log.problems
        #expect(problems.first { $0.line == 5 }?.field == "劳动能力")
        #expect(problems.first { $0.line == 6 }?.field == "监测对象类别")

        let event = try #require(try await TestGrid.outboxEvents(HouseholdRegistered.self, keys: [monitored]).last)
        #expect(event.monitoringCategory == .marginal)
        let head = try #require(event.members.first)
        #expect(head.phone == "13912340099" && head.labourAbility == .full && head.healthStatus == .chronicIllness)
        #expect(head.minimumLivingAllowance == true && head.extremePovertySupport == false)
        #expect(event.members.last?.labourAbility == LabourAbility.none && event.members.last?.extremePovertySupport == nil)
        let plainEvent = try #require(try await TestGrid.outboxEvents(HouseholdRegistered.self, keys: [plain]).last)
        #expect(plainEvent.monitoringCategory == nil && plainEvent.members.first?.labourAbility == nil && plainEvent.members.first?.phone == nil)

        // The same file again: nothing changed, nothing published.
        let before = try await Self.outboxEvents(for: [monitored, plain])
        _ = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: "370115", reporter: ImportLog().reporter)
        }
        #expect(try await Self.outboxEvents(for: [monitored, plain]) == before)
    }

    @Test func badRowsAreReportedByLineAndTheRestGoesIn() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let tag = TestData.unique("T").replacingOccurrences(of: "-", with: "")
        let (h1, h2, h3) = ("\(tag)1", "\(tag)2", "\(tag)3")
        var file = HouseholdFile()
        let duplicated = TestData.idNumber()
        file.member(household: h1, village: village, group: village + "001", name: "张建华", idNumber: duplicated, relation: "户主", phone: "13912345678")
        file.member(household: h1, village: village, group: village + "001", name: "李秀兰", relation: "配偶")
        file.member(household: h1, village: village, group: village + "001", name: "张小明", relation: "子女")
        file.member(household: h2, village: village, group: village + "002", name: "王大山", relation: "户主", formerlyPoor: true)
        var badId = TestData.idNumber()
        badId = String(badId.dropLast()) + (badId.last == "1" ? "2" : "1")
        let badIdLine = file.member(household: h2, village: village, group: village + "002", name: "王小山", idNumber: badId, relation: "子女")
        let badDateLine = file.member(household: h2, village: village, group: village + "002", name: "王小水", relation: "子女", birthDate: "2001-02-30")
        let duplicateLine = file.member(household: h2, village: village, group: village + "002", name: "冒名", idNumber: duplicated, relation: "子女")
        let unknownGroupLine = file.member(household: h2, village: village, group: village + "999", name: "王小林", relation: "子女")
        let noHeadLines = [
            file.member(household: h3, village: village, group: village + "001", name: "刘一", relation: "配偶"),
            file.member(household: h3, village: village, group: village + "001", name: "刘二", relation: "子女"),
        ]
        let url = try file.utf8File()

        let log = ImportLog()
        let counts = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: "370115", reporter: await log.reporter)
        }
        #expect(counts.rowsRead == 10)
        #expect(counts.rowsAccepted == 4)
        #expect(counts.rowsRejected == 6)
        #expect(counts.householdsCreated == 2)
        let problems = await log.problems
        #expect(Set(problems.map(\.line)) == Set([badIdLine, badDateLine, duplicateLine, unknownGroupLine] + noHeadLines))
        #expect(problems.first { $0.line == badIdLine }?.field == "证件号码")
        #expect(problems.first { $0.line == badDateLine }?.field == "出生日期")
        #expect(problems.first { $0.line == duplicateLine }?.reason == "与第2行的证件号码重复")
        #expect(problems.first { $0.line == unknownGroupLine }?.field == "联户网格编号")
        #expect(problems.allSatisfy { !$0.reason.contains(duplicated) && !$0.reason.contains(badId) })
        #expect(await log.encoding == "UTF-8")
        #expect(try await Self.members(of: h1) == ["张建华", "李秀兰", "张小明"])
        #expect(try await Self.members(of: h2) == ["王大山"])
        #expect(try await Self.members(of: h3).isEmpty)
        #expect(try await Self.outboxEvents(for: [h1, h2, h3]) == 2)

        // The same file again: nothing changes and nothing is published.
        let again = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: "370115", reporter: ImportLog().reporter)
        }
        #expect(again.householdsCreated == 0 && again.householdsUpdated == 0 && again.householdsUnchanged == 2)
        #expect(try await Self.outboxEvents(for: [h1, h2, h3]) == 2)

        // One more member for h2: one update, one event.
        file.member(household: h2, village: village, group: village + "002", name: "王小河", relation: "子女", formerlyPoor: true)
        let changedURL = try file.utf8File()
        let changeLog = ImportLog()
        let changed = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: changedURL, region: "370115", reporter: await changeLog.reporter)
        }
        let changeProblems = await changeLog.problems
        #expect(changed.householdsUpdated == 1 && changed.householdsUnchanged == 1, "\(changed) \(changeProblems)")
        #expect(try await Self.members(of: h2) == ["王大山", "王小河"])
        #expect(try await Self.outboxEvents(for: [h1, h2, h3]) == 3)
    }

    /// The rules that need several rows, run in SQL over the staged file: each refused row names the
    /// line it disagrees with; a household's rows need not be adjacent and its head goes first; the
    /// event built in SQL is what the event coder would publish; the content hash follows the rule the
    /// stored hashes were made with (so an upgrade republishes nothing); staging tables are dropped.
    @Test func rulesAcrossRowsNameTheLineTheyDisagreeWith() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let tag = TestData.unique("X").replacingOccurrences(of: "-", with: "")
        let (h1, h2) = ("\(tag)1", "\(tag)2")
        let group = village + "001"
        var file = HouseholdFile()
        let spouseId = TestData.idNumber(male: false), headId = TestData.idNumber(), childId = TestData.idNumber()
        let spouseLine = file.member(household: h1, village: village, group: group, name: "李\"秀\\兰", idNumber: spouseId, relation: "配偶", phone: "13912345678")
        _ = file.member(household: h2, village: village, group: group, name: "王大山", relation: "户主")
        _ = file.member(household: h1, village: village, group: group, name: "张建华", idNumber: headId, relation: "户主")
        let otherGroupLine = file.member(household: h1, village: village, group: village + "002", name: "张一", relation: "子女")
        let poorLine = file.member(household: h1, village: village, group: group, name: "张二", relation: "子女", formerlyPoor: true)
        let secondHeadLine = file.member(household: h1, village: village, group: group, name: "张三", relation: "户主")
        _ = file.member(household: h1, village: village, group: group, name: "张小明", idNumber: childId, relation: "子女")
        let duplicateLine = file.member(household: h2, village: village, group: group, name: "冒名", idNumber: childId, relation: "子女")
        // An old import's staging tables (its instance vanished seven hours ago) are swept by this one.
        let old = HouseholdStaging(now: Date().addingTimeInterval(-7 * 3600))
        try await TestGrid.withIntakeDatabase { database in
            try await database.query(PostgresQuery(unsafeSQL: "CREATE UNLOGGED TABLE \(old.households) (household text)"))
        }

        let url = try file.utf8File()
        let log = ImportLog()
        let counts = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: "370115", reporter: await log.reporter)
        }
        let problems = await log.problems
        #expect(counts.rowsRead == 8 && counts.rowsAccepted == 4 && counts.rowsRejected == 4 && counts.householdsCreated == 2, "\(counts) \(problems)")
        func problem(_ line: Int) -> String? { problems.first { $0.line == line }.map { $0.field + "：" + $0.reason } }
        #expect(problem(otherGroupLine) == "联户网格编号：与本户第\(spouseLine)行的联户网格不一致")
        #expect(problem(poorLine) == "是否脱贫户：与本户第\(spouseLine)行不一致")
        #expect(problem(secondHeadLine) == "与户主关系：本户已有户主（第\(spouseLine + 2)行）")
        #expect(problem(duplicateLine) == "证件号码：与第\(duplicateLine - 1)行的证件号码重复")
        #expect(try await Self.members(of: h1) == ["张建华", "李\"秀\\兰", "张小明"], "the head first, then file order")

        let events = try await TestGrid.outboxEvents(HouseholdRegistered.self, keys: [h1])
        let event = try #require(events.first)
        #expect(events.count == 1 && event.householdId == h1 && event.villageCode == village && event.householdGroupId == group)
        #expect(event.provisional == false && event.source == "import" && event.formerlyPoor == false && event.monitoringCategory == nil)
        #expect(event.members.map(\.idNumber) == [headId, spouseId, childId] && event.members[1].phone == "13912345678")
        #expect(abs(event.updatedAt.timeIntervalSinceNow) < 120)
        let (headersValid, hashFollowsTheRule, stagingLeft) = try await TestGrid.withIntakeDatabase { database in
            let canonical = [village, group, "0"] + [(headId, "张建华", "户主", ""), (spouseId, "李\"秀\\兰", "配偶", "13912345678"), (childId, "张小明", "子女", "")].map {
                [$0.0, $0.1, $0.2, HouseholdFile.birthDate(of: $0.0), Int(String(Array($0.0)[16]))! % 2 == 1 ? "男" : "女", $0.3].joined(separator: "\u{1F}")
            }
            let content = canonical.joined(separator: "\u{1E}")
            let headers = try await database.count("""
                SELECT count(*) FROM outbox WHERE partition_key = \(h1) AND event_id = headers->>'ce_id'
                  AND headers->>'ce_source' = '/lifeline/intake' AND headers->>'ce_specversion' = '1.0' AND headers->>'content-type' = 'application/json'
                  AND headers->>'ce_traceparent' ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-01$' AND headers->>'ce_correlationid' ~ '^[0-9a-f-]{36}$'
                """)
            let hash = try await database.count("SELECT count(*) FROM households WHERE id = \(h1) AND content_hash = md5(\(content))")
            let left = try await database.count("SELECT count(*) FROM pg_class WHERE relname = \(old.households)")
            return (headers == 1, hash == 1, left)
        }
        #expect(headersValid && hashFollowsTheRule)
        #expect(stagingLeft == 0, "the import swept the staging tables of an import that vanished")
    }

    /// Chunks of one household, written two at a time: a person moving between households of two
    /// chunks leaves the old one and both are republished; chunk-written household ids reach SQL quoted.
    @Test func peopleMoveBetweenHouseholdsOfDifferentChunks() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let tag = TestData.unique("C").replacingOccurrences(of: "-", with: "")
        let (a, b, c) = ("\(tag)a", "\(tag)b", "\(tag)c")
        let group = village + "001"
        let (moving, headA, headB, headC) = (TestData.idNumber(), TestData.idNumber(), TestData.idNumber(), TestData.idNumber())
        var first = HouseholdFile()
        first.member(household: a, village: village, group: group, name: "甲户主", idNumber: headA, relation: "户主")
        first.member(household: a, village: village, group: group, name: "搬走的人", idNumber: moving, relation: "子女")
        first.member(household: b, village: village, group: group, name: "乙户主", idNumber: headB, relation: "户主")
        first.member(household: c, village: village, group: group, name: "丙户主", idNumber: headC, relation: "户主")
        let firstURL = try first.utf8File()
        let created = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database, chunkSize: 1).run(file: firstURL, region: "370115", reporter: ImportLog().reporter)
        }
        #expect(created.householdsCreated == 3 && created.rowsAccepted == 4)

        // b comes first: its chunk must take the person out of a while a still holds them.
        var second = HouseholdFile()
        second.member(household: b, village: village, group: group, name: "乙户主", idNumber: headB, relation: "户主")
        second.member(household: b, village: village, group: group, name: "搬走的人", idNumber: moving, relation: "配偶")
        second.member(household: c, village: village, group: group, name: "丙户主", idNumber: headC, relation: "户主")
        second.member(household: a, village: village, group: group, name: "甲户主", idNumber: headA, relation: "户主")
        let secondURL = try second.utf8File()
        let log = ImportLog()
        let moved = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database, chunkSize: 1).run(file: secondURL, region: "370115", reporter: await log.reporter)
        }
        let problems = await log.problems
        #expect(moved.householdsUpdated == 2 && moved.householdsUnchanged == 1 && moved.rowsRejected == 0, "\(moved) \(problems)")
        #expect(try await Self.members(of: a) == ["甲户主"])
        #expect(try await Self.members(of: b) == ["乙户主", "搬走的人"])
        let events = (try await Self.outboxEvents(for: [a]), try await Self.outboxEvents(for: [b]), try await Self.outboxEvents(for: [c]))
        #expect(events == (2, 2, 1))

        // An unquoted `null` in an array literal would be SQL NULL; the writer's literal keeps it a household number.
        let read = try await TestGrid.withIntakeDatabase { database in
            var ids: [String?] = []
            for try await id in try await database.query(PostgresQuery(unsafeSQL: "SELECT unnest(\(HouseholdChunkWriter.arrayLiteral(["null", "NULL", "A-1"]))::text[])"))
                .decode(String?.self) { ids.append(id) }
            return ids
        }
        #expect(read == ["null", "NULL", "A-1"])
    }

    /// A crash of PostgreSQL empties the unlogged staging tables: the import fails as interrupted
    /// instead of completing with nothing written.
    @Test func anImportWhoseStagingWasEmptiedFailsAsInterrupted() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let household = TestData.unique("E").replacingOccurrences(of: "-", with: "")
        var file = HouseholdFile()
        file.member(household: household, village: village, group: village + "001", name: "赵户主", relation: "户主")
        let url = try file.utf8File()
        let staging = HouseholdStaging()
        let outcome: Result<ImportCounts, any Error> = try await TestGrid.withIntakeDatabase { database in
            let emptied = OnceFlag()
            let reporter = ImportReporter(
                problems: { _ in },
                progress: { counts in
                    // After the file is staged, before the rules run: what crash recovery leaves.
                    if counts.rowsRead > 0, emptied.setOnce() { try await database.query(PostgresQuery(unsafeSQL: "TRUNCATE \(staging.rows)")) }
                })
            do {
                return .success(try await TestGrid.importer(database).run(file: url, region: "370115", reporter: reporter, staging: staging))
            } catch {
                return .failure(error)
            }
        }
        guard case .failure(let error) = outcome, let failure = error as? ImportFailure else {
            Issue.record("expected the import to fail as interrupted, got \(outcome)")
            return
        }
        #expect(failure.code == .interrupted && failure.message.contains("请重新上传"))
        #expect(try await Self.members(of: household).isEmpty)
    }

    @Test(arguments: ["gb18030", "xlsx"]) func otherEncodingsGiveTheSameRegistry(format: String) async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let household = TestData.unique("E").replacingOccurrences(of: "-", with: "")
        var file = HouseholdFile()
        let head = TestData.idNumber()
        file.member(household: household, village: village, group: village + "001", name: "欧阳淑珍", idNumber: head, relation: "户主")
        file.member(household: household, village: village, group: village + "001", name: "欧阳晓燕", relation: "子女")
        let url = format == "xlsx" ? try file.xlsxFile() : try file.gb18030File()
        let log = ImportLog()
        let counts = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: "370115101", reporter: await log.reporter)
        }
        let problems = await log.problems
        #expect(problems.isEmpty, "\(problems)")
        #expect(counts.householdsCreated == 1)
        #expect(await log.encoding == (format == "xlsx" ? "XLSX" : "GB18030"))
        #expect(try await Self.members(of: household) == ["欧阳淑珍", "欧阳晓燕"])
        let birth = try await TestGrid.withIntakeDatabase { database -> String? in
            for try await date in try await database.query(
                "SELECT to_char(birth_date, 'YYYY-MM-DD') FROM household_members WHERE id_number = \(head)"
            ).decode(String.self) { return date }
            return nil
        }
        #expect(birth == HouseholdFile.birthDate(of: head))
    }

    @Test func rowsOutsideTheCallersJurisdictionAreRefused() async throws {
        let village = TestData.villageCode()  // 垛石镇
        try await TestGrid.village(village)
        var file = HouseholdFile()
        let household = TestData.unique("J").replacingOccurrences(of: "-", with: "")
        file.member(household: household, village: village, group: village + "001", name: "孙立", relation: "户主")
        let url = try file.utf8File()
        let log = ImportLog()
        let counts = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: "370115103", reporter: await log.reporter)  // 曲堤镇
        }
        #expect(counts.rowsAccepted == 0)
        #expect(await log.problems.map(\.reason) == ["该村不在本账号管辖范围内"])
    }

    @Test func anImportCannotTakeOverAnotherTownsHouseholdsOrMembers() async throws {
        let duoshi = TestData.villageCode()
        let qudi = TestData.villageCode(town: "370115103")
        try await TestGrid.village(duoshi)
        try await TestGrid.village(qudi)
        let household = TestData.unique("K").replacingOccurrences(of: "-", with: "")
        let member = TestData.idNumber()
        var original = HouseholdFile()
        original.member(household: household, village: duoshi, group: duoshi + "001", name: "高志远", idNumber: member, relation: "户主")
        let originalURL = try original.utf8File()
        _ = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: originalURL, region: "370115101", reporter: ImportLog().reporter)
        }

        // 曲堤镇 reuses the household number, and lists the same person in a household of its own.
        var hostile = HouseholdFile()
        hostile.member(household: household, village: qudi, group: qudi + "001", name: "冒名户主", relation: "户主")
        let stranger = TestData.unique("S").replacingOccurrences(of: "-", with: "")
        hostile.member(household: stranger, village: qudi, group: qudi + "001", name: "高志远", idNumber: member, relation: "户主")
        let hostileURL = try hostile.utf8File()
        let log = ImportLog()
        let counts = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: hostileURL, region: "370115103", reporter: await log.reporter)
        }
        #expect(counts.rowsAccepted == 0)
        #expect(Set(await log.problems.map(\.reason)) == ["该户编号已登记在本账号管辖范围以外的村", "该证件号码已登记在其他户"])
        #expect(try await Self.members(of: household) == ["高志远"])
        #expect(try await TestDatabase.count(schema: "intake", "SELECT count(*) FROM households WHERE id = \(household) AND village_code = \(duoshi)") == 1)
    }

    /// The household was confirmed by the village already (no longer provisional): it still came from a
    /// self-application, so the district's file may place its applicant.
    /// Also when the self-application registers the applicant while the import runs (after its checks,
    /// before its writes): the chunk finds the applicant and merges as the checks would have.
    @Test(arguments: [false, true]) func aSelfApplicantsHouseholdIsMergedIntoTheImportedOne(registeredDuringTheImport: Bool) async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let applicant = TestData.idNumber()
        let provisional = TestData.unique("H").replacingOccurrences(of: "-", with: "")
        let number = TestData.unique("SQ").replacingOccurrences(of: "-", with: "")
        let register = { @Sendable (database: Database) async throws in
            try await database.query("""
                INSERT INTO households (id, village_code, household_group_id, provisional, source)
                VALUES (\(provisional), \(village), \(village + "002"), false, 'self-application')
                """)
            try await database.query("""
                INSERT INTO household_members (household_id, id_number, name, relation) VALUES (\(provisional), \(applicant), '田秀梅', '户主')
                """)
            try await database.query("""
                INSERT INTO applications (number, household_id, village_code, applicant_name, applicant_id_number, applicant_phone,
                    household_size, difficulties, statement, status)
                VALUES (\(number), \(provisional), \(village), '田秀梅', \(applicant), '13900001111', 2, \(["illness"]), '', 'submitted')
                """)
        }
        if !registeredDuringTheImport { try await TestGrid.withIntakeDatabase(register) }
        let household = TestData.unique("M").replacingOccurrences(of: "-", with: "")
        var file = HouseholdFile()
        file.member(household: household, village: village, group: village + "001", name: "田建军", relation: "户主")
        let applicantLine = file.member(household: household, village: village, group: village + "001", name: "田秀梅", idNumber: applicant, relation: "配偶")
        // A second listing of the applicant, refused by the rules across rows: its report comes after
        // the checks, which is when the self-application registers her in the second run.
        file.member(household: household + "X", village: village, group: village + "001", name: "田秀梅", idNumber: applicant, relation: "户主")
        let url = try file.utf8File()
        let log = ImportLog()
        let registered = OnceFlag()
        let counts = try await TestGrid.withIntakeDatabase { database in
            let logged = await log.reporter
            let reporter = ImportReporter(
                problems: { problems in
                    if registeredDuringTheImport, registered.setOnce() { try await register(database) }
                    try await logged.problems(problems)
                },
                progress: logged.progress)
            return try await TestGrid.importer(database).run(file: url, region: "370115", reporter: reporter)
        }
        #expect(await log.problems.map(\.reason) == ["与第\(applicantLine)行的证件号码重复"])
        #expect(counts.rowsAccepted == 2)
        #expect(try await Self.members(of: household) == ["田建军", "田秀梅"])
        #expect(try await TestDatabase.count(
            schema: "intake", "SELECT count(*) FROM applications WHERE number = \(number) AND household_id = \(household)") == 1)
        #expect(try await TestDatabase.count(
            schema: "intake", "SELECT count(*) FROM households WHERE id = \(provisional) AND superseded_by = \(household) AND NOT provisional") == 1)
        #expect(try await Self.outboxEvents(for: [provisional]) == 1, "the provisional household is republished empty, naming its successor")
    }

    /// Someone other than a self-application (another import) registers one of the file's people
    /// after the rules ran: the import fails and asks for the file again, and writes nothing of that household.
    @Test func aPersonRegisteredElsewhereDuringTheImportFailsItForAReupload() async throws {
        let village = TestData.villageCode()
        try await TestGrid.village(village)
        let person = TestData.idNumber()
        let household = TestData.unique("R").replacingOccurrences(of: "-", with: "")
        let elsewhere = TestData.unique("W").replacingOccurrences(of: "-", with: "")
        var file = HouseholdFile()
        file.member(household: household, village: village, group: village + "001", name: "孙户主", idNumber: person, relation: "户主")
        // Refused by the rules across rows, so that a problem is reported after they ran.
        file.member(household: household + "X", village: village, group: village + "001", name: "孙户主", idNumber: person, relation: "户主")
        let url = try file.utf8File()
        let registered = OnceFlag()
        let outcome: Result<ImportCounts, any Error> = try await TestGrid.withIntakeDatabase { database in
            let reporter = ImportReporter(
                problems: { _ in
                    guard registered.setOnce() else { return }
                    try await database.query("""
                        INSERT INTO households (id, village_code, household_group_id, provisional, source)
                        VALUES (\(elsewhere), \(village), \(village + "002"), false, 'import')
                        """)
                    try await database.query("""
                        INSERT INTO household_members (household_id, id_number, name, relation) VALUES (\(elsewhere), \(person), '孙户主', '户主')
                        """)
                },
                progress: { _ in })
            do {
                return .success(try await TestGrid.importer(database).run(file: url, region: "370115", reporter: reporter))
            } catch {
                return .failure(error)
            }
        }
        guard case .failure(let error) = outcome, let failure = error as? ImportFailure else {
            Issue.record("expected the import to fail for a re-upload, got \(outcome)")
            return
        }
        #expect(failure.message.contains("导入期间有成员在其他户登记"))
        #expect(try await Self.members(of: household).isEmpty)
        #expect(try await Self.members(of: elsewhere) == ["孙户主"])
    }

    @Test func aFileWithoutTheRequiredColumnsFailsAndNamesThem() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).csv")
        try Data("姓名,证件号码\n张三,370125199001011234\n".utf8).write(to: url)
        await #expect(throws: ImportFailure.self) {
            try await TestGrid.withIntakeDatabase { database in
                try await TestGrid.importer(database).run(file: url, region: "370115", reporter: ImportLog().reporter)
            }
        }
        do {
            _ = try await TestGrid.withIntakeDatabase { database in
                try await TestGrid.importer(database).run(file: url, region: "370115", reporter: ImportLog().reporter)
            }
        } catch let failure as ImportFailure {
            #expect(failure.code == .missingColumns)
            #expect(failure.message.contains("户编号") && failure.message.contains("村代码"))
        }
    }

    @Test func importsOfAVanishedInstanceAreFailedButHeldOnesAreNot() async throws {
        let (held, abandoned) = (TestData.unique("IMPheld"), TestData.unique("IMPgone"))
        try await TestGrid.withIntakeDatabase { database in
            let jobs = ImportJobStore(database: database, logger: Logger(label: "test"))
            // The held job is 100 s without a heartbeat: past this test's 60 s limit, but short of the
            // 120 s of any intake instance running meanwhile in other tests, whose keeper must not
            // fail it between these statements.
            for (id, age) in [(held, 100), (abandoned, 600)] {
                try await jobs.create(id: id, fileName: "x.csv", submittedBy: "t", region: "370115")
                try await database.query("UPDATE import_jobs SET heartbeat_at = now() - make_interval(secs => \(Double(age))) WHERE id = \(id)")
            }
            let queue = ImportQueue()
            await queue.enqueue(held) { try? await Task.sleep(for: .seconds(2)) }
            try await jobs.heartbeat(await queue.heldJobs)
            _ = try await jobs.failAbandoned(olderThan: .seconds(60))
            #expect(try await jobs.job(held)?.view.status == "queued")
            let gone = try await jobs.job(abandoned)?.view
            #expect(gone?.status == "failed" && gone?.failure?.contains("重新上传") == true)
            await queue.drain()

            // Failed as abandoned while in fact alive (its heartbeats lost in a long outage): its next
            // progress makes it run again, and it completes.
            let counts = ImportCounts(rowsRead: 1_000, rowsAccepted: 990, rowsRejected: 10, householdsCreated: 300, householdsUpdated: 0, householdsUnchanged: 0)
            try await jobs.progress(abandoned, counts)
            let revived = try await jobs.job(abandoned)?.view
            #expect(revived?.status == "running" && revived?.failure == nil && revived?.finishedAt == nil && revived?.counts.rowsAccepted == 990)
            try await jobs.finish(abandoned, failure: nil)
            #expect(try await jobs.job(abandoned)?.view.status == "completed")
            // A job failed for its own reasons stays failed.
            try await jobs.finish(held, failure: "文件为空")
            try await jobs.progress(held, counts)
            try await jobs.finish(held, failure: nil)
            let own = try await jobs.job(held)?.view
            #expect(own?.status == "failed" && own?.failure == "文件为空")
        }
    }
}

/// True for the first caller only.
private final class OnceFlag: Sendable {
    private let state = Mutex(false)

    func setOnce() -> Bool {
        state.withLock { set in
            defer { set = true }
            return !set
        }
    }
}
