@testable import DepartmentScreening
import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelineFiles
import LifelineKafka
import LifelinePersistence
import LifelineRuntime
import Logging
import Review
import Testing

/// Department screening through the real service and broker: records pushed as an outside system
/// would, warnings by rule, de-duplication, and the feedback read back by an outside client.
extension EndToEndTests {
    static func record(
        _ department: String, _ kind: FactKind, idNumber: String, period: String = "2026-11", date: String = "2026-11-03", amountYuan: Int64? = nil,
        details: [String: String]? = nil, recordId: String = TestData.unique("R")
    ) -> DepartmentRecordPushed {
        DepartmentRecordPushed(
            department: department, recordId: recordId, period: period, idNumber: idNumber, name: "王建国", kind: kind, date: date,
            amountFen: amountYuan.map { $0 * 100 }, details: details)
    }

    @Test func departmentRecordsBecomePreciseWarningsAndEveryRecordHearsBack() async throws {
        try await withServices([DepartmentScreeningService.definition]) { services in
            let screening = services["department-screening"]!.baseURL
            let village = TestData.villageCode()
            let first = HouseholdRegistered.sample(
                id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 2, formerlyPoor: true)
            let second = HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1)
            try await OutsideSystem.publish([first, second], source: "/lifeline/intake")
            let token = try await TestEnvironment.token(role: .district)
            _ = try await eventually("registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM registry_households WHERE household_id = ANY(\([first.householdId, second.householdId]))
                    """) == 2 ? true : nil
            }
            let (a, b, c) = (first.members[0].idNumber, first.members[1].idNumber, second.members[0].idNumber)
            let allowance = Self.record("民政", .minimumLivingAllowance, idNumber: a)
            let house = Self.record("住建", .dangerousHouse, idNumber: b, details: ["grade": "C"])
            let safeHouse = Self.record("住建", .dangerousHouse, idNumber: c, details: ["grade": "B"])
            let earlierCost = Self.record("医保", .medicalExpense, idNumber: c, period: "2026-06", date: "2026-06-10", amountYuan: 30_000)
            let laterCost = Self.record("医保", .medicalExpense, idNumber: c, date: "2026-11-12", amountYuan: 25_000)
            let stranger = Self.record("民政", .temporaryRelief, idNumber: TestData.idNumber())
            var badId = Self.record("民政", .temporaryRelief, idNumber: a)
            badId.idNumber = String(a.dropLast()) + (a.last == "0" ? "1" : "0")
            let car = Self.record("公安", .vehicle, idNumber: a, date: "2026-03-01")
            let sameFactNextMonth = Self.record("民政", .minimumLivingAllowance, idNumber: a, period: "2026-12")
            let all = [allowance, house, safeHouse, earlierCost, laterCost, stranger, badId, car, sameFactNextMonth]
            try await OutsideSystem.publish(Array(all.prefix(8)), source: "/gov/jinan/bigdata")
            // A message that is not a department record goes to the dead-letter topic; the partition goes on.
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: Logger(label: "bad"))
            let junkKey = TestData.unique("junk")
            try await producer.send(KafkaRecord(topic: EventTopic.screeningInbound.name, key: junkKey, value: Array("not a record".utf8), headers: []))
            await producer.shutdown()
            try await OutsideSystem.publish([sameFactNextMonth, allowance], source: "/gov/jinan/bigdata")  // the last is a repeat

            let feedback = try await OutsideClient.consume(
                topic: EventTopic.screeningFeedback.name, keys: all.map(\.recordId), count: all.count, seconds: 60)
            var outcomes: [String: String] = [:], reasons: [String: String] = [:]
            for message in feedback {
                let key = message["key"] as? String ?? ""
                let value = message["value"] as? [String: Any] ?? [:]
                #expect((message["headers"] as? [String: Any])?["ce_type"] as? String == RecordFeedback.eventType)
                #expect(outcomes[key] == nil, "one feedback per record: \(key)")
                outcomes[key] = value["outcome"] as? String
                reasons[key] = value["reason"] as? String
            }
            #expect(outcomes[allowance.recordId] == "warningRaised")
            #expect(outcomes[house.recordId] == "warningRaised")
            #expect(outcomes[safeHouse.recordId] == "matchedWithoutWarning" && reasons[safeHouse.recordId] == "未达到预警条件：住危房（C级、D级），grade为C/D")
            // 30,000 + 25,000 yuan in 12 months: whichever of the two costs is screened second warns (they
            // are keyed by record id, so on different partitions, in either order).
            #expect([outcomes[earlierCost.recordId], outcomes[laterCost.recordId]].compactMap { $0 }.sorted() == ["matchedWithoutWarning", "warningRaised"])
            #expect(outcomes[stranger.recordId] == "unmatched")
            #expect(outcomes[badId.recordId] == "rejected" && reasons[badId.recordId] == "idNumber：不是有效的公民身份号码")
            #expect(outcomes[car.recordId] == "matchedWithoutWarning")
            #expect(outcomes[sameFactNextMonth.recordId] == "matchedWithoutWarning" && reasons[sameFactNextMonth.recordId]?.hasPrefix("同一事实此前已预警") == true)
            #expect(feedback.allSatisfy { !String(describing: $0).contains(a) && !String(describing: $0).contains(c) })

            // One warning per household and month, with every fact as evidence; the town sees its own.
            let townToken = try await TestEnvironment.token(role: .town, region: String(village.prefix(9)))
            let warnings = try await HTTP.get("\(screening)/v1/warnings?region=\(village)", token: townToken).json["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.count == 2)
            let firstWarning = try #require(warnings.first { $0["householdId"] as? String == first.householdId })
            #expect(Set(firstWarning["rules"] as? [String] ?? []) == ["new-minimum-living-allowance", "dangerous-house"])
            #expect(Set(firstWarning["evidence"] as? [String] ?? []) == ["民政:\(allowance.recordId)", "住建:\(house.recordId)"])
            #expect(try await HTTP.get("\(screening)/v1/warnings?region=\(village)", token: try await TestEnvironment.token(role: .town, region: "370115103")).status == 403)
            let raised = try await KafkaProbe.collect(topic: EventTopic.screeningLeads.name) { messages in
                messages.filter { [first.householdId, second.householdId].contains($0.keyText) }.count >= 2
            }
            #expect(raised.filter { [first.householdId, second.householdId].contains($0.keyText) }.count == 2)
            let dead = try await KafkaProbe.collect(topic: "department-screening.record-intake.deadletter") { messages in
                messages.contains { $0.keyText == junkKey }
            }
            #expect(dead.contains { $0.keyText == junkKey })
            let record = try await HTTP.get("\(screening)/v1/records/民政/\(badId.recordId)".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!, token: token)
            #expect(record.json["status"] as? String == "rejected" && !record.text.contains(badId.idNumber))

            // The stranger's household reaches the registry later: the record is screened again.
            let latecomer = HouseholdRegistered(
                householdId: TestData.unique("H").replacingOccurrences(of: "-", with: ""), villageCode: village, householdGroupId: nil, provisional: false,
                members: [.init(name: "陈立新", idNumber: stranger.idNumber, relation: "户主")], updatedAt: Date())
            try await OutsideSystem.publish([latecomer], source: "/lifeline/intake")
            let rescreened = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: [stranger.recordId], count: 2, seconds: 60)
            #expect(rescreened.compactMap { ($0["value"] as? [String: Any])?["outcome"] as? String } == ["unmatched", "warningRaised"])

            // Rules are data per year: the district's first edit of a year starts from the year before.
            let edit: [String: Any] = [
                "name": "失业登记", "kinds": ["unemploymentRegistered"], "risks": ["lossOfWork"], "severity": "high", "enabled": true,
            ]
            let year = 2090 + Int.random(in: 0...9)
            let edited = try await HTTP.request("PUT", "\(screening)/v1/warning-rules/\(year)/loss-of-work", json: edit, headers: ["Authorization": "Bearer \(token)"])
            let rules = try #require(edited.json["rules"] as? [[String: Any]])
            #expect(rules.count == 9 && rules.first { $0["id"] as? String == "loss-of-work" }?["severity"] as? String == "high")
            var wrong = edit
            wrong["kinds"] = ["weather"]
            let refused = try await HTTP.request("PUT", "\(screening)/v1/warning-rules/\(year)/loss-of-work", json: wrong, headers: ["Authorization": "Bearer \(token)"])
            #expect(refused.status == 400 && refused.text.contains("kinds[0]"))
            #expect(try await HTTP.request("PUT", "\(screening)/v1/warning-rules/\(year)/loss-of-work", json: edit,
                                           headers: ["Authorization": "Bearer \(townToken)"]).status == 403)
        }
    }

    /// Review decides who is monitored: once it eliminated a household's risk, the registry's next version
    /// still carrying the file's 监测对象类别 does not stop warnings again. A record holding a NUL
    /// character (which PostgreSQL cannot store) is rejected with feedback, not dead-lettered.
    @Test func aRiskEliminatedOutlastsTheRegistersFlagAndANulIsRejected() async throws {
        try await withServices([DepartmentScreeningService.definition]) { _ in
            let village = TestData.villageCode()
            let id = TestData.unique("H").replacingOccurrences(of: "-", with: "")
            let person = TestData.idNumber()
            func version(_ updatedAt: Date) -> HouseholdRegistered {
                HouseholdRegistered(
                    householdId: id, villageCode: village, householdGroupId: nil, provisional: false,
                    members: [.init(name: "赵守田", idNumber: person, relation: "户主")], updatedAt: updatedAt, monitoringCategory: .marginal)
            }
            let firstVersion = Date()
            try await OutsideSystem.publish([version(firstVersion)], source: "/lifeline/intake")
            _ = try await eventually("monitored by the registry's flag") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", "SELECT count(*) FROM monitored_households WHERE household_id = \(id)") == 1 ? true : nil
            }
            let whileMonitored = Self.record("民政", .temporaryRelief, idNumber: person)
            try await OutsideSystem.publish([whileMonitored], source: "/gov/jinan/bigdata")
            let first = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: [whileMonitored.recordId], count: 1, seconds: 60)
            #expect(first.compactMap { ($0["value"] as? [String: Any])?["reason"] as? String } == ["该户已是监测对象，不再预警"])

            try await OutsideSystem.publish([RiskEliminated(
                householdId: id, villageCode: village, caseId: TestData.unique("AJ"), category: .marginal, eliminatedOn: "2026-11-20")],
                source: "/lifeline/review")
            _ = try await eventually("the elimination applied") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", "SELECT count(*) FROM risk_eliminations WHERE household_id = \(id)") == 1 ? true : nil
            }
            // The registry republishes the household for another change, the file's flag unchanged.
            try await OutsideSystem.publish([version(firstVersion.addingTimeInterval(60))], source: "/lifeline/intake")
            _ = try await eventually("the newer registry version applied") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM registry_households WHERE household_id = \(id) AND updated_at > \(firstVersion.addingTimeInterval(30))
                    """) == 1 ? true : nil
            }
            let afterElimination = Self.record("住建", .dangerousHouse, idNumber: person, details: ["grade": "D"])
            var withNul = Self.record("民政", .temporaryRelief, idNumber: person)
            withNul.name = "赵\u{0}守田"
            try await OutsideSystem.publish([afterElimination, withNul], source: "/gov/jinan/bigdata")
            let later = try await OutsideClient.consume(
                topic: EventTopic.screeningFeedback.name, keys: [afterElimination.recordId, withNul.recordId], count: 2, seconds: 60)
            var outcomes: [String: String] = [:], reasons: [String: String] = [:]
            for message in later {
                let key = message["key"] as? String ?? "", value = message["value"] as? [String: Any] ?? [:]
                outcomes[key] = value["outcome"] as? String
                reasons[key] = value["reason"] as? String
            }
            #expect(outcomes[afterElimination.recordId] == "warningRaised")
            #expect(outcomes[withNul.recordId] == "rejected" && reasons[withNul.recordId] == "name：不能含控制字符")
            let stored = try await TestDatabase.count(schema: "department_screening", """
                SELECT count(*) FROM department_records WHERE record_id = \(withNul.recordId) AND status = 'rejected' AND name = '赵守田'
                """)
            #expect(stored == 1)
        }
    }

    /// A provisional household merged into the household the district's file placed its people in takes
    /// its screening history along: its medical costs add up with the new household's, and while review
    /// monitors it (its case stays on the old household) its people are not warned again, until review
    /// eliminates the risk.
    @Test func aMergedHouseholdsHistoryFollowsItIntoTheAbsorbingHousehold() async throws {
        try await withServices([DepartmentScreeningService.definition]) { _ in
            let village = TestData.villageCode()
            let (ill, watched) = (TestData.idNumber(), TestData.idNumber())
            func household(_ person: String?, updatedAt: Date, supersededBy: String? = nil, id: String) -> HouseholdRegistered {
                HouseholdRegistered(
                    householdId: id, villageCode: village, householdGroupId: nil, provisional: supersededBy == nil && person != nil,
                    members: person.map { [.init(name: "赵守田", idNumber: $0, relation: "户主")] } ?? [], updatedAt: updatedAt, supersededBy: supersededBy)
            }
            func newId() -> String { TestData.unique("H").replacingOccurrences(of: "-", with: "") }
            let (illOld, illNew, watchedOld, watchedNew) = (newId(), newId(), newId(), newId())
            let start = Date()
            try await OutsideSystem.publish([household(ill, updatedAt: start, id: illOld), household(watched, updatedAt: start, id: watchedOld)],
                                            source: "/lifeline/intake")
            try await OutsideSystem.publish([MonitoringStarted(
                householdId: watchedOld, villageCode: village, caseId: TestData.unique("AJ"), category: .suddenHardship, risks: [.illness], people: 1,
                startedOn: "2026-10-01")], source: "/lifeline/review")
            _ = try await eventually("both provisional households, one monitored") { () -> Bool? in
                let households = try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM registry_households WHERE household_id = ANY(\([illOld, watchedOld]))
                    """)
                let monitored = try await TestDatabase.count(
                    schema: "department_screening", "SELECT count(*) FROM monitored_households WHERE household_id = \(watchedOld)")
                return households == 2 && monitored == 1 ? true : nil
            }
            let firstCost = Self.record("医保", .medicalExpense, idNumber: ill, date: "2026-09-10", amountYuan: 30_000)
            try await OutsideSystem.publish([firstCost], source: "/gov/jinan/bigdata")
            let before = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: [firstCost.recordId], count: 1, seconds: 60)
            #expect(before.compactMap { ($0["value"] as? [String: Any])?["outcome"] as? String } == ["matchedWithoutWarning"])

            // The district's file places both people in registered households; intake republishes the
            // provisional ones empty, naming their successors.
            let merged = start.addingTimeInterval(60)
            try await OutsideSystem.publish([
                household(ill, updatedAt: merged, id: illNew), household(nil, updatedAt: merged, supersededBy: illNew, id: illOld),
                household(watched, updatedAt: merged, id: watchedNew), household(nil, updatedAt: merged, supersededBy: watchedNew, id: watchedOld),
            ], source: "/lifeline/intake")
            _ = try await eventually("the merges applied") { () -> Bool? in
                let superseded = try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM registry_households WHERE household_id = ANY(\([illOld, watchedOld])) AND superseded_by IS NOT NULL
                    """)
                let moved = try await TestDatabase.count(
                    schema: "department_screening", "SELECT count(*) FROM registry_members WHERE household_id = ANY(\([illNew, watchedNew]))")
                return superseded == 2 && moved == 2 ? true : nil
            }
            let secondCost = Self.record("医保", .medicalExpense, idNumber: ill, date: "2026-11-02", amountYuan: 25_000)
            let relief = Self.record("民政", .temporaryRelief, idNumber: watched)
            try await OutsideSystem.publish([secondCost, relief], source: "/gov/jinan/bigdata")
            let after = try await OutsideClient.consume(
                topic: EventTopic.screeningFeedback.name, keys: [secondCost.recordId, relief.recordId], count: 2, seconds: 60)
            var outcomes: [String: String] = [:], reasons: [String: String] = [:]
            for message in after {
                let key = message["key"] as? String ?? "", value = message["value"] as? [String: Any] ?? [:]
                outcomes[key] = value["outcome"] as? String
                reasons[key] = value["reason"] as? String
            }
            // 30,000 + 25,000 yuan within 12 months, the first paid while the household was provisional.
            #expect(outcomes[secondCost.recordId] == "warningRaised", "\(after)")
            #expect(outcomes[relief.recordId] == "matchedWithoutWarning" && reasons[relief.recordId] == "该户已是监测对象，不再预警", "\(after)")
            let moved = try await TestDatabase.count(schema: "department_screening", """
                SELECT count(*) FROM department_records WHERE record_id = \(firstCost.recordId) AND household_id = \(illNew)
                """)
            #expect(moved == 1)

            // Review ends the monitoring of the household it decided about: its people are warned again.
            try await OutsideSystem.publish([RiskEliminated(
                householdId: watchedOld, villageCode: village, caseId: TestData.unique("AJ"), category: .suddenHardship, eliminatedOn: "2026-11-20")],
                source: "/lifeline/review")
            _ = try await eventually("the elimination applied") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", "SELECT count(*) FROM risk_eliminations WHERE household_id = \(watchedOld)") == 1 ? true : nil
            }
            let later = Self.record("住建", .dangerousHouse, idNumber: watched, details: ["grade": "D"])
            try await OutsideSystem.publish([later], source: "/gov/jinan/bigdata")
            let last = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: [later.recordId], count: 1, seconds: 60)
            #expect(last.compactMap { ($0["value"] as? [String: Any])?["outcome"] as? String } == ["warningRaised"])
        }
    }

    /// A record screened while a registry version that brings its person is being applied waits for that
    /// version, and is matched, instead of being stored unmatched after the version's rematch looked.
    @Test func aRecordScreenedWhileTheRegistryChangesWaitsForIt() async throws {
        try await withServices([DepartmentScreeningService.definition]) { _ in
            let village = TestData.villageCode()
            let person = TestData.idNumber()
            let household = TestData.unique("H").replacingOccurrences(of: "-", with: "")
            let record = Self.record("民政", .temporaryRelief, idNumber: person)
            try await TestDatabase.with(try TestEnvironment.database(schema: "department_screening")) { database in
                try await database.transaction { connection in
                    // As RegistryReplica.apply does: the lock first, then the new version's rows.
                    try await ScreeningQueries(connection: connection, logger: Logger(label: "test")).holdRegistry()
                    try await OutsideSystem.publish([record], source: "/gov/jinan/bigdata")
                    _ = try await eventually("screening waiting for the registry version") { () -> Bool? in
                        try await TestDatabase.count(schema: "department_screening", """
                            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND NOT granted
                            """) >= 1 ? true : nil
                    }
                    #expect(try await TestDatabase.count(
                        schema: "department_screening", "SELECT count(*) FROM department_records WHERE record_id = \(record.recordId)") == 0)
                    try await connection.query("""
                        INSERT INTO registry_households (household_id, village_code, provisional, updated_at) VALUES (\(household), \(village), false, now())
                        """, logger: Logger(label: "test"))
                    try await connection.query("""
                        INSERT INTO registry_members (id_number, household_id, name, relation) VALUES (\(person), \(household), '王建国', '户主')
                        """, logger: Logger(label: "test"))
                }
            }
            let feedback = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: [record.recordId], count: 1, seconds: 60)
            #expect(feedback.compactMap { ($0["value"] as? [String: Any])?["outcome"] as? String } == ["warningRaised"])
        }
    }

    /// The loop closed through review: the town verifies the warning, the case asks for a comparison,
    /// screening answers with the departments' records, and each record's department hears the outcome.
    @Test func aWarningIsVerifiedComparedAndFedBackToItsDepartment() async throws {
        try await withServices([DepartmentScreeningService.definition, ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let village = TestData.villageCode()
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: village)
            let household = HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 3)
            try await OutsideSystem.publish([household], source: "/lifeline/intake")
            _ = try await eventually("both registry copies") { () -> Bool? in
                let screening = try await TestDatabase.count(schema: "department_screening", "SELECT count(*) FROM registry_households WHERE household_id = \(household.householdId)")
                let review = try await TestDatabase.count(schema: "review", "SELECT count(*) FROM households WHERE id = \(household.householdId)")
                return screening == 1 && review == 1 ? true : nil
            }
            let cost = Self.record("医保", .medicalExpense, idNumber: household.members[1].idNumber, date: "2026-11-05", amountYuan: 80_000)
            let car = Self.record("公安", .vehicle, idNumber: household.members[0].idNumber, date: "2026-09-01")
            try await OutsideSystem.publish([car, cost], source: "/gov/jinan/bigdata")
            let lead = try await eventually("warning awaiting the town's verification") { () -> [String: Any]? in
                let leads = try await driver.get("/v1/leads/verification", as: .town).json["leads"] as? [[String: Any]] ?? []
                return leads.first { $0["householdId"] as? String == household.householdId }
            }
            #expect(lead["road"] as? String == "departmentScreening")
            let leadId = try #require(lead["leadId"] as? String)
            #expect(try await driver.post("/v1/leads/\(leadId)/verification", ["outcome": "confirmed", "note": "入户核实属实"], as: .town).status == 200)
            let caseId = try #require(try await driver.openCase(of: household.householdId)["caseId"] as? String)
            #expect(try await driver.post("/v1/cases/\(caseId)/home-verification", ReviewDriver.homeVisit(wagesYuan: 60_000, medicalYuan: 80_000, people: 3), as: .village).status == 200)
            #expect(try await driver.post("/v1/cases/\(caseId)/democratic-appraisal", ReviewDriver.appraisal, as: .village).status == 200)
            let compared = try await eventually("screening answered") { () -> [String: Any]? in
                let detail = try await driver.detail(caseId)
                return (detail["case"] as? [String: Any])?["comparisonState"] as? String == "adverse" ? detail : nil
            }
            let findings = ((compared["comparisons"] as? [[String: Any]])?.first?["findings"] as? [[String: Any]]) ?? []
            #expect(findings.contains { $0["kind"] as? String == "vehicle" && $0["arguesAgainstMonitoring"] as? Bool == true })
            #expect(findings.contains { $0["kind"] as? String == "medicalExpense" && $0["arguesAgainstMonitoring"] as? Bool == false })
            #expect(!String(describing: findings).contains(household.members[0].idNumber))

            // The town goes on despite the car (bought on credit for the son's transport, say); the district enters it.
            #expect(try await driver.post("/v1/cases/\(caseId)/comparison-decision", ["approved": true, "opinion": "车辆为二手低值车辆"], as: .town).status == 200)
            #expect(try await driver.post("/v1/cases/\(caseId)/town-review", ["approved": true], as: .town).status == 200)
            let entered = try await driver.post("/v1/cases/\(caseId)/entry", ["approved": true, "cadre": ["name": "张帮扶", "phone": "13800001111"]], as: .district)
            #expect((entered.json["case"] as? [String: Any])?["outcome"] as? String == "monitored", "\(entered.text)")

            // A neighbour's warning is a false alarm.
            let neighbour = HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 2)
            try await OutsideSystem.publish([neighbour], source: "/lifeline/intake")
            _ = try await eventually("neighbour in the registry copies") { () -> Bool? in
                let inReview = try await TestDatabase.count(schema: "review", "SELECT count(*) FROM households WHERE id = \(neighbour.householdId)")
                let inScreening = try await TestDatabase.count(
                    schema: "department_screening", "SELECT count(*) FROM registry_households WHERE household_id = \(neighbour.householdId)")
                return inReview == 1 && inScreening == 1 ? true : nil
            }
            let relief = Self.record("民政", .temporaryRelief, idNumber: neighbour.members[0].idNumber)
            try await OutsideSystem.publish([relief], source: "/gov/jinan/bigdata")
            let neighbourLead = try await eventually("neighbour's warning awaiting verification") { () -> String? in
                let leads = try await driver.get("/v1/leads/verification", as: .town).json["leads"] as? [[String: Any]] ?? []
                return leads.first { $0["householdId"] as? String == neighbour.householdId }?["leadId"] as? String
            }
            #expect(try await driver.post("/v1/leads/\(neighbourLead)/verification", ["outcome": "falseAlarm", "note": "一次性救助，生活无困难"], as: .town).status == 200)

            let feedback = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: [cost.recordId, relief.recordId], count: 5, seconds: 60)
            let told = { (record: String) in
                feedback.filter { $0["key"] as? String == record }.compactMap { ($0["value"] as? [String: Any])?["outcome"] as? String }
            }
            #expect(told(cost.recordId) == ["warningRaised", "confirmed", "monitored"])
            #expect(told(relief.recordId) == ["warningRaised", "falseAlarm"])

            // The month's report for 医保 says the same, for its clerk only.
            let screening = services["department-screening"]!.baseURL
            let clerk = try await TestEnvironment.token(role: .department, department: "医保")
            let report = try await HTTP.get("\(screening)/v1/feedback-report?period=2026-11", token: clerk)
            let line = report.text.split(separator: "\r\n").first { $0.contains(cost.recordId) }.map(String.init) ?? ""
            #expect(report.text.hasPrefix("\u{FEFF}部门,记录编号") && line.contains("已预警，推送镇街核实") && line.contains("已纳入监测"), "\(report.text.prefix(500))")
            #expect(!report.text.contains(household.members[1].idNumber))
            let other = try await TestEnvironment.token(role: .department, department: "民政")
            #expect(try await HTTP.get("\(screening)/v1/feedback-report?department=%E5%8C%BB%E4%BF%9D&period=2026-11", token: other).status == 403)
            let workbook = try await HTTP.get("\(screening)/v1/feedback-report?department=%E5%8C%BB%E4%BF%9D&period=2026-11&format=xlsx", token: try await TestEnvironment.token(role: .district))
            #expect(workbook.status == 200 && workbook.body.starts(with: [0x50, 0x4B]))
        }
    }
}

extension EndToEndTests {
    func uploadRecords(_ screening: String, _ data: Data, token: String, name: String) async throws -> [String: Any] {
        let upload = try await HTTP.request(
            "POST", "\(screening)/v1/imports/records?fileName=\(name)", body: data, headers: ["Authorization": "Bearer \(token)", "Content-Type": "text/csv"])
        #expect(upload.status == 202, "\(upload.text)")
        let id = try #require(upload.json["id"] as? String)
        return try await eventually("import \(id) finished") { () -> [String: Any]? in
            let job = try await HTTP.get("\(screening)/v1/imports/\(id)", token: token).json
            return ["completed", "failed"].contains(job["status"] as? String ?? "") ? job : nil
        }
    }

    /// A file of several batches, screened two batches at a time: a household's facts in different
    /// batches make one warning and are screened in file order, a household busy elsewhere is deferred
    /// rather than waited for, a record repeated in a later batch is stored once, bad rows of later
    /// batches keep their lines, and the counts add up to the rows read.
    @Test func batchesScreenedTogetherAddUpToTheFile() async throws {
        try await withServices([DepartmentScreeningService.definition]) { services in
            let screening = services["department-screening"]!.baseURL
            let village = TestData.villageCode()
            let household = HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 2)
            let earner = HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1)
            let slow = HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1)
            try await OutsideSystem.publish([household, earner, slow], source: "/lifeline/intake")
            _ = try await eventually("registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM registry_households WHERE household_id = ANY(\([household.householdId, earner.householdId, slow.householdId]))
                    """) == 3 ? true : nil
            }
            let (a, b) = (household.members[0].idNumber, household.members[1].idNumber)
            let tag = TestData.unique("M")
            var rows = [["部门", "记录编号", "数据月份", "公民身份号码", "姓名", "事实类型", "发生日期", "金额（分）", "详情"]]
            for n in 0..<2_600 {
                rows.append(["教体", "\(tag)-\(n)", "2026-11", TestData.unregisteredIdNumber(), "赵小虎", "辍学风险", "2026-11-08", "", ""])  // nobody of the registry
            }
            // Row n sits on line n + 2. Batches are 500 rows: these fall into the first, third and sixth.
            rows[11] = ["民政", "\(tag)-low", "2026-11", a, "王建国", "新纳入低保", "2026-11-02", "", ""]
            rows[1_201] = ["民政", "\(tag)-relief", "2026-11", b, "刘桂兰", "临时救助", "2026-11-06", "", ""]
            rows[2_551] = rows[11]  // the same record again, in a later batch
            // The first two batches run together: the income of the first counts for the expense of the
            // second (half of it: warned) only when they are screened in file order.
            rows[21] = ["民政", "\(tag)-income", "2026-11", earner.members[0].idNumber, "王建国", "家庭收入核对", "2026-10-31", "6000000", ""]
            rows[601] = ["医保", "\(tag)-expense", "2026-11", earner.members[0].idNumber, "王建国", "个人自付医疗费用", "2026-11-02", "3000000", ""]
            // Another transaction holds one household of the first batch: that record is deferred to a later
            // batch instead of holding the first one up, and the second batch, ready meanwhile, finds the
            // earner's household locked by the first batch until its commit: only the turns and the
            // deferral keep the second from deciding the expense before the income.
            rows[31] = ["民政", "\(tag)-slow", "2026-11", slow.members[0].idNumber, "王建国", "新纳入低保", "2026-11-02", "", ""]
            rows[1_700] = ["民政", "\(tag)-bad1", "2026-11", a, "王建国", "临时救助", "2026-11-06", "abc", ""]
            rows[2_599] = ["民政", "\(tag)-bad2", "2026-13", a, "王建国", "临时救助", "2026-11-06", "", ""]
            let csv = Data((rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n").utf8)
            let token = try await TestEnvironment.token(role: .district)
            let (held, hold) = AsyncStream.makeStream(of: Void.self)
            let holder = Task {
                try await TestDatabase.with(try TestEnvironment.database(schema: "department_screening")) { database in
                    try await database.transaction { connection in
                        try await connection.query("SELECT pg_advisory_xact_lock(hashtext('screening:' || \(slow.householdId)))", logger: Logger(label: "test"))
                        hold.yield()
                        try await Task.sleep(for: .seconds(3))
                    }
                }
            }
            for await _ in held { break }
            let job = try await uploadRecords(screening, csv, token: token, name: "2026-11.csv")
            try await holder.value
            #expect(job["status"] as? String == "completed", "\(job)")
            let counts = try #require(job["counts"] as? [String: Any])
            #expect(counts["rowsRead"] as? Int == 2_600 && counts["alreadyReceived"] as? Int == 1 && counts["rejected"] as? Int == 2, "\(counts)")
            #expect(counts["warned"] as? Int == 4 && counts["warningsRaised"] as? Int == 3 && counts["unmatched"] as? Int == 2_592, "\(counts)")
            #expect(counts["matchedWithoutWarning"] as? Int == 1, "\(counts)")
            let errors = try await HTTP.get("\(screening)/v1/imports/\(job["id"] as! String)/errors", token: token).json["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { "\($0["line"] as? Int ?? 0):\($0["field"] as? String ?? "")" } == ["1701:金额（分）", "2600:period"])
            #expect(try await TestDatabase.count(schema: "department_screening", "SELECT count(*) FROM department_records WHERE record_id LIKE \(tag + "-%")") == 2_598)  // all but the repeat and the row that is not a record
            #expect(try await TestDatabase.count(schema: "department_screening", """
                SELECT count(*) FROM warnings WHERE household_id = \(household.householdId) AND cardinality(evidence) = 2
                """) == 1)
            #expect(try await TestDatabase.count(schema: "department_screening", """
                SELECT count(*) FROM outbox WHERE topic = 'department-screening.feedback' AND partition_key LIKE \(tag + "-%")
                """) == 2_598)
            // The busy household's record went in with a later transaction than the rest of its batch.
            #expect(try await TestDatabase.count(schema: "department_screening", """
                SELECT count(*) FROM department_records s JOIN department_records i ON s.received_at > i.received_at
                WHERE s.record_id = \(tag + "-slow") AND i.record_id = \(tag + "-income")
                """) == 1)
        }
    }

    /// The monthly file (GB18030 CSV or XLSX) means the same as pushed records: bad rows are reported by
    /// line while the rest goes in, and the same file twice raises nothing new.
    @Test func aMonthlyFileGoesInRowByRowAndTwiceRaisesNothingNew() async throws {
        try await withServices([DepartmentScreeningService.definition]) { services in
            let screening = services["department-screening"]!.baseURL
            let village = TestData.villageCode()
            let household = HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 2)
            try await OutsideSystem.publish([household], source: "/lifeline/intake")
            _ = try await eventually("registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", "SELECT count(*) FROM registry_households WHERE household_id = \(household.householdId)") == 1 ? true : nil
            }
            let (a, b) = (household.members[0].idNumber, household.members[1].idNumber)
            let tag = TestData.unique("F")
            let rows = [
                ["部门", "记录编号", "数据月份", "公民身份号码", "姓名", "事实类型", "发生日期", "金额（分）", "详情"],
                ["民政", "\(tag)-1", "2026-11", a, "王建国", "新纳入低保", "2026-11-02", "", ""],
                ["住建", "\(tag)-2", "2026/11", b, "刘桂兰", "dangerousHouse", "2026/11/5", "", "grade=D"],
                ["民政", "\(tag)-3", "2026-11", String(a.dropLast()) + (a.last == "0" ? "1" : "0"), "王建国", "临时救助", "2026-11-06", "", ""],
                ["医保", "\(tag)-4", "2026-11", a, "王建国", "个人自付医疗费用", "2026-11-07", "abc", ""],
                ["教体", "\(tag)-5", "2026-11", TestData.idNumber(), "赵小虎", "辍学风险", "2026-11-08", "", ""],
            ]
            let csv = rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
            let utf8 = FileManager.default.temporaryDirectory.appendingPathComponent("\(tag).csv")
            try Data(csv.utf8).write(to: utf8)
            let iconv = Process()
            iconv.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
            iconv.arguments = ["-f", "UTF-8", "-t", "GB18030", utf8.path]
            let pipe = Pipe()
            iconv.standardOutput = pipe
            try iconv.run()
            let gb18030 = pipe.fileHandleForReading.readDataToEndOfFile()
            #expect(gb18030 != Data(csv.utf8))

            let token = try await TestEnvironment.token(role: .district)
            let job = try await uploadRecords(screening, gb18030, token: token, name: "2026-11.csv")
            #expect(job["status"] as? String == "completed" && job["format"] as? String == "GB18030", "\(job)")
            let counts = try #require(job["counts"] as? [String: Any])
            #expect(counts["rowsRead"] as? Int == 5 && counts["warned"] as? Int == 2 && counts["warningsRaised"] as? Int == 1)
            #expect(counts["rejected"] as? Int == 2 && counts["unmatched"] as? Int == 1)
            let errors = try await HTTP.get("\(screening)/v1/imports/\(job["id"] as! String)/errors", token: token).json["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { "\($0["line"] as? Int ?? 0):\($0["field"] as? String ?? "")" } == ["4:idNumber", "5:金额（分）"])
            #expect(!String(describing: errors).contains(a))

            let again = try await uploadRecords(screening, gb18030, token: token, name: "2026-11.csv")
            let repeated = try #require(again["counts"] as? [String: Any])
            #expect(repeated["alreadyReceived"] as? Int == 4 && repeated["warned"] as? Int == 0 && repeated["warningsRaised"] as? Int == 0)

            // The same meaning from a workbook: a later fact of the month joins the household's warning.
            let workbook = FileManager.default.temporaryDirectory.appendingPathComponent("\(tag).xlsx")
            try XLSXWriter.write(rows: [
                rows[0].map(XLSXWriter.Cell.text),
                [.text("人社"), .text("\(tag)-6"), .text("2026-11"), .text(b), .text("刘桂兰"), .text("unemploymentRegistered"), .date(serial: 46_336), .text(""), .text("")],
            ], to: workbook)
            let fromWorkbook = try await uploadRecords(screening, try Data(contentsOf: workbook), token: token, name: "2026-11.xlsx")
            #expect(fromWorkbook["format"] as? String == "XLSX")
            let workbookCounts = try #require(fromWorkbook["counts"] as? [String: Any])
            #expect(workbookCounts["warned"] as? Int == 1 && workbookCounts["warningsRaised"] as? Int == 0, "\(fromWorkbook)")
            let townToken = try await TestEnvironment.token(role: .town, region: String(village.prefix(9)))
            let warnings = try await HTTP.get("\(screening)/v1/warnings?region=\(village)", token: townToken).json["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.count == 1 && (warnings.first?["evidence"] as? [String])?.count == 3)

            // A clerk's token names the department: only its records go in, and only its records are read.
            let clerk = try await TestEnvironment.token(role: .department, user: "clerk-\(tag)", department: "医保")
            #expect(try await HTTP.get("\(screening)/v1/imports/\(job["id"] as! String)", token: clerk).status == 404)
            let clerkRows = [rows[0], ["医保", "\(tag)-7", "2026-11", b, "刘桂兰", "medicalExpense", "2026-11-09", "120000", ""],
                             ["民政", "\(tag)-8", "2026-11", b, "刘桂兰", "temporaryRelief", "2026-11-09", "", ""]]
            let clerkFile = Data((clerkRows.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n").utf8)
            let clerkJob = try await uploadRecords(screening, clerkFile, token: clerk, name: "yb.csv")
            let clerkErrors = try await HTTP.get("\(screening)/v1/imports/\(clerkJob["id"] as! String)/errors", token: clerk).json["errors"] as? [[String: Any]] ?? []
            #expect(clerkErrors.map { "\($0["line"] as? Int ?? 0):\($0["field"] as? String ?? "")" } == ["3:department"])
            #expect(try await HTTP.get("\(screening)/v1/records/%E5%8C%BB%E4%BF%9D/\(tag)-7", token: clerk).status == 200)
            #expect(try await HTTP.get("\(screening)/v1/records/%E6%B0%91%E6%94%BF/\(tag)-1", token: clerk).status == 404)
            let unnamed = try await TestEnvironment.token(role: .department, user: "clerk-\(tag)")
            #expect(try await HTTP.request("POST", "\(screening)/v1/imports/records", body: clerkFile, headers: ["Authorization": "Bearer \(unnamed)"]).status == 403)
            #expect(try await HTTP.request("POST", "\(screening)/v1/imports/records", body: gb18030,
                                           headers: ["Authorization": "Bearer \(try await TestEnvironment.token(role: .hotlineOperator))"]).status == 403)
        }
    }
}

extension EndToEndTests {
    /// Every seeded rule of the year fires on its fact and not on a fact short of its condition.
    @Test func eachWarningRuleFiresOnItsFactOnly() async throws {
        try await withServices([DepartmentScreeningService.definition]) { services in
            let screening = services["department-screening"]!.baseURL
            let village = TestData.villageCode()
            let cases: [(rule: String, fires: DepartmentRecordPushed?, short: DepartmentRecordPushed?)] = [
                ("new-minimum-living-allowance", Self.record("民政", .minimumLivingAllowance, idNumber: ""), nil),
                ("extreme-poverty-support", Self.record("民政", .extremePovertySupport, idNumber: ""), nil),
                ("temporary-relief", Self.record("民政", .temporaryRelief, idNumber: ""), nil),
                ("dangerous-house", Self.record("住建", .dangerousHouse, idNumber: "", details: ["grade": "D"]),
                 Self.record("住建", .dangerousHouse, idNumber: "", details: ["grade": "A"])),
                ("large-medical-expense", Self.record("卫健", .medicalExpense, idNumber: "", amountYuan: 50_000),
                 Self.record("卫健", .medicalExpense, idNumber: "", amountYuan: 49_999)),
                ("severe-disability", Self.record("残联", .disabilityCertified, idNumber: "", details: ["grade": "1"]),
                 Self.record("残联", .disabilityCertified, idNumber: "", details: ["grade": "3"])),
                ("water-interruption", Self.record("水务", .waterInterruption, idNumber: "", details: ["days": "40"]), nil),
                ("school-aid-or-drop-out", Self.record("教体", .dropOutRisk, idNumber: ""), nil),
                ("school-aid-or-drop-out", Self.record("教体", .schoolAid, idNumber: ""), nil),
                ("loss-of-work", Self.record("人社", .unemploymentRegistered, idNumber: ""), nil),
            ]
            // One household per case, so that each warning carries exactly the rules of its facts.
            var households: [HouseholdRegistered] = []
            var records: [DepartmentRecordPushed] = []
            var expected: [String: String] = [:]  // record id → outcome
            for (index, item) in cases.enumerated() {
                let household = HouseholdRegistered.sample(id: "RULE\(index)" + TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1)
                households.append(household)
                for (record, outcome) in [(item.fires, "warningRaised"), (item.short, "matchedWithoutWarning")] {
                    guard var record else { continue }
                    record.idNumber = household.members[0].idNumber
                    // The short fact goes to a household of its own, so that the first does not cover it.
                    if outcome == "matchedWithoutWarning" {
                        let other = HouseholdRegistered.sample(id: "RULS\(index)" + TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1)
                        households.append(other)
                        record.idNumber = other.members[0].idNumber
                    }
                    records.append(record)
                    expected[record.recordId] = outcome
                }
            }
            try await OutsideSystem.publish(households, source: "/lifeline/intake")
            _ = try await eventually("registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", "SELECT count(*) FROM registry_households WHERE household_id = ANY(\(households.map(\.householdId)))")
                    == households.count ? true : nil
            }
            try await OutsideSystem.publish(records, source: "/gov/jinan/bigdata")
            let feedback = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: records.map(\.recordId), count: records.count, seconds: 60)
            var outcomes: [String: String] = [:]
            for message in feedback { outcomes[message["key"] as? String ?? ""] = (message["value"] as? [String: Any])?["outcome"] as? String }
            #expect(outcomes == expected)
            let townToken = try await TestEnvironment.token(role: .town, region: String(village.prefix(9)))
            let warnings = try await HTTP.get("\(screening)/v1/warnings?region=\(village)", token: townToken).json["warnings"] as? [[String: Any]] ?? []
            #expect(Set(warnings.flatMap { $0["rules"] as? [String] ?? [] }) == Set(cases.map(\.rule)))
        }
    }
}

extension EndToEndTests {
    /// Large medical costs weighed against the household's reported income (家庭收入核对), costs of one
    /// household in one file adding up, and the comparison kinds edited as configuration.
    @Test func medicalCostsCountAgainstIncomeAndAddUpWithinAFile() async throws {
        try await withServices([DepartmentScreeningService.definition]) { services in
            let screening = services["department-screening"]!.baseURL
            let village = TestData.villageCode()
            let (earner, family, alone) = (
                HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1),
                HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 2),
                HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1))
            try await OutsideSystem.publish([earner, family, alone], source: "/lifeline/intake")
            _ = try await eventually("registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM registry_households WHERE household_id = ANY(\([earner, family, alone].map(\.householdId)))
                    """) == 3 ? true : nil
            }
            let tag = TestData.unique("M")
            let rows = [
                ["部门", "记录编号", "数据月份", "公民身份号码", "姓名", "事实类型", "发生日期", "金额（分）", "详情"],
                ["民政", "\(tag)-1", "2026-11", earner.members[0].idNumber, "王建国", "家庭收入核对", "2026-10-31", "6000000", ""],
                ["医保", "\(tag)-2", "2026-11", earner.members[0].idNumber, "王建国", "个人自付医疗费用", "2026-11-02", "3000000", ""],
                ["医保", "\(tag)-3", "2026-11", family.members[0].idNumber, "王建国", "个人自付医疗费用", "2026-09-02", "2000000", ""],
                ["卫健", "\(tag)-4", "2026-11", family.members[1].idNumber, "刘桂兰", "个人自付医疗费用", "2026-11-05", "3000000", ""],
                ["医保", "\(tag)-5", "2026-11", alone.members[0].idNumber, "王建国", "个人自付医疗费用", "2026-11-06", "3000000", ""],
            ]
            let file = Data((rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n").utf8)
            let token = try await TestEnvironment.token(role: .district)
            let job = try await uploadRecords(screening, file, token: token, name: "medical.csv")
            let counts = try #require(job["counts"] as? [String: Any])
            #expect(counts["warned"] as? Int == 2 && counts["warningsRaised"] as? Int == 2 && counts["matchedWithoutWarning"] as? Int == 3, "\(job)")

            func record(_ department: String, _ number: Int) async throws -> [String: Any] {
                let path = "/v1/records/\(department)/\(tag)-\(number)".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
                return try await HTTP.get(screening + path, token: token).json
            }
            #expect(try await record("民政", 1)["reason"] as? String == "家庭收入信息，用于判断医疗支出占收入的比例")
            #expect(try await record("医保", 2)["status"] as? String == "warned")  // 30,000 yuan is half of 60,000
            #expect(try await record("医保", 3)["status"] as? String == "matched")
            #expect(try await record("卫健", 4)["status"] as? String == "warned")  // 20,000 + 30,000 yuan in 12 months
            let alone5 = try await record("医保", 5)
            #expect(alone5["status"] as? String == "matched" && (alone5["reason"] as? String ?? "").contains("不低于50000元或家庭年收入的50%"), "\(alone5)")

            // Comparison kinds are configuration: the district adds one, with its direction, and takes it out again.
            let kindsURL = "\(screening)/v1/comparison-kinds"
            let auth = ["Authorization": "Bearer \(token)"]
            let added = try await HTTP.request("PUT", "\(kindsURL)/householdIncome", json: ["arguesAgainstMonitoring": true], headers: auth)
            let kinds = try #require(added.json["kinds"] as? [[String: Any]], "\(added.text)")
            let income = kinds.first { $0["kind"] as? String == "householdIncome" }
            #expect(income?["kindName"] as? String == "家庭收入核对" && income?["arguesAgainstMonitoring"] as? Bool == true)
            let removed = try await HTTP.request("PUT", "\(kindsURL)/householdIncome", json: ["included": false], headers: auth)
            #expect(!(removed.json["kinds"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "householdIncome" })
            #expect((removed.json["kinds"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "vehicle" })
            let unknown = try await HTTP.request("PUT", "\(kindsURL)/weather", json: ["arguesAgainstMonitoring": true], headers: auth)
            #expect(unknown.status == 400 && unknown.text.contains("\"kind\""))
            let town = try await TestEnvironment.token(role: .town, region: String(village.prefix(9)))
            #expect(try await HTTP.request("PUT", "\(kindsURL)/vehicle", json: ["arguesAgainstMonitoring": false], headers: ["Authorization": "Bearer \(town)"]).status == 403)
        }
    }
}

extension EndToEndTests {
    /// A monthly file's import whose instance went away is failed by the job keeper; one this instance
    /// holds is kept alive.
    /// A record is stored once decided. When two transactions screen the same record at once (pushed
    /// and in a file), the second finds it stored by the first once that commits: an unmatched record
    /// is then received before; a matched one, decided on a household state the first changed, fails
    /// the batch as a passing conflict and, tried again, is received before. One row, one feedback.
    @Test func theSameRecordScreenedTwiceAtOnceIsStoredAndFedBackOnce() async throws {
        let household = TestData.unique("H").replacingOccurrences(of: "-", with: "")
        let person = TestData.idNumber()
        let unmatched = Self.record("教体", .dropOutRisk, idNumber: TestData.unregisteredIdNumber())  // nobody of the registry
        let matched = Self.record("民政", .minimumLivingAllowance, idNumber: person)
        try await TestDatabase.with(try TestEnvironment.database(schema: "department_screening")) { database in
            let logger = Logger(label: "test")
            try await Migrator(database: database, logger: logger).migrate(SharedMigrations.all + ScreeningMigrations.all)
            try await database.query("""
                INSERT INTO registry_households (household_id, village_code, provisional, updated_at) VALUES (\(household), '370125101001', false, now())
                """)
            try await database.query("INSERT INTO registry_members (id_number, household_id, name, relation) VALUES (\(person), \(household), '王建国', '户主')")
            let screening = RecordScreening(
                publisher: EventPublisher(source: "/lifeline/department-screening", outbox: OutboxStore(database: database, logger: logger)), logger: logger)
            for record in [unmatched, matched] {
                let (stored, store) = AsyncStream.makeStream(of: Void.self)
                let first = Task {
                    try await database.transaction { connection in
                        let outcomes = try await screening.screenAll([.init(record: record, source: "push")], on: connection)
                        store.yield()
                        try await Task.sleep(for: .seconds(1))  // the second decides meanwhile and waits for this commit
                        return outcomes
                    }
                }
                for await _ in stored { break }
                let attempts = Attempts()
                let second = try await DatabaseRetry(logger: logger).run("second") {
                    await attempts.count()
                    return try await database.transaction { connection in
                        try await screening.screenAll([.init(record: record, source: "file:test")], on: connection)
                    }
                }
                #expect(try await first.value == [record.kind == .dropOutRisk ? .unmatched : .warningRaised(newWarning: true)])
                #expect(second == [.duplicate])
                #expect(await attempts.value == (record.kind == .dropOutRisk ? 1 : 2), "a matched record is screened again")
                #expect(try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM department_records WHERE record_id = \(record.recordId) AND source = 'push'
                    """) == 1)
                #expect(try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM outbox WHERE topic = 'department-screening.feedback' AND partition_key = \(record.recordId)
                    """) == 1)
            }
            #expect(try await TestDatabase.count(schema: "department_screening", "SELECT count(*) FROM warnings WHERE household_id = \(household)") == 1)
        }
    }

    private actor Attempts {
        var value = 0
        func count() { value += 1 }
    }

    @Test func recordImportsOfAVanishedInstanceAreFailedButHeldOnesAreNot() async throws {
        let (held, abandoned) = (TestData.unique("RIheld"), TestData.unique("RIgone"))
        try await TestDatabase.with(try TestEnvironment.database(schema: "department_screening")) { database in
            try await Migrator(database: database, logger: Logger(label: "test")).migrate(SharedMigrations.all + ScreeningMigrations.all)
            let jobs = RecordImportJobs(database: database)
            // 100 s without a heartbeat is short of the 120 s after which a running service's own keeper fails it.
            for (id, age) in [(held, 100), (abandoned, 600)] {
                try await jobs.create(id: id, fileName: "x.csv", submittedBy: "t")
                try await database.query("UPDATE record_imports SET heartbeat_at = now() - make_interval(secs => \(Double(age))) WHERE id = \(id)")
            }
            let queue = SerialJobQueue()
            await queue.enqueue(held) { try? await Task.sleep(for: .seconds(2)) }
            try await jobs.heartbeat(await queue.heldJobs)
            #expect(try await jobs.failAbandoned(olderThan: .seconds(60)) >= 1)
            #expect(try await jobs.view(held)?.view.status == "queued")
            let gone = try await jobs.view(abandoned)?.view
            #expect(gone?.status == "failed" && gone?.failure?.contains("重新上传") == true)
            await queue.drain()

            // Failed as abandoned while in fact alive (its heartbeats lost in a long outage): its next
            // batch makes it run again, and it completes.
            var counts = RecordImportView.Counts()
            counts.rowsRead = 500
            try await jobs.progress(abandoned, counts, problems: [])
            let revived = try await jobs.view(abandoned)?.view
            #expect(revived?.status == "running" && revived?.failure == nil && revived?.counts.rowsRead == 500)
            try await jobs.finish(abandoned, failure: nil)
            #expect(try await jobs.view(abandoned)?.view.status == "completed")
            // A job failed for its own reasons stays failed.
            try await jobs.finish(held, failure: "文件为空")
            try await jobs.progress(held, counts, problems: [])
            try await jobs.finish(held, failure: nil)
            #expect(try await jobs.view(held)?.view.status == "failed")
        }
    }
}

extension EndToEndTests {
    /// The outcomes the loop test does not reach: review finds the household already covered, or its
    /// case ends without monitoring; each record's department hears it, read by the outside client.
    @Test func alreadyCoveredAndNotMonitoredReachTheDepartment() async throws {
        try await withServices([DepartmentScreeningService.definition]) { services in
            let screening = services["department-screening"]!.baseURL
            let village = TestData.villageCode()
            let (covered, declined) = (
                HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1),
                HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: village, people: 1))
            try await OutsideSystem.publish([covered, declined], source: "/lifeline/intake")
            _ = try await eventually("registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "department_screening", """
                    SELECT count(*) FROM registry_households WHERE household_id = ANY(\([covered.householdId, declined.householdId]))
                    """) == 2 ? true : nil
            }
            let records = [
                Self.record("民政", .temporaryRelief, idNumber: covered.members[0].idNumber),
                Self.record("民政", .temporaryRelief, idNumber: declined.members[0].idNumber),
            ]
            try await OutsideSystem.publish(records, source: "/gov/jinan/bigdata")
            let town = try await TestEnvironment.token(role: .town, region: String(village.prefix(9)))
            let warnings = try await eventually("both warned") { () -> [String: String]? in
                let list = try await HTTP.get("\(screening)/v1/warnings?region=\(village)", token: town).json["warnings"] as? [[String: Any]] ?? []
                let ids = Dictionary(list.compactMap { w in (w["householdId"] as? String).flatMap { h in (w["warningId"] as? String).map { (h, $0) } } },
                                     uniquingKeysWith: { a, _ in a })
                return ids.count == 2 ? ids : nil
            }
            try await OutsideSystem.publish([
                LeadSettled(leadId: TestData.unique("XS"), origin: LeadOrigin(road: .departmentScreening, originId: warnings[covered.householdId]!),
                            householdId: covered.householdId, caseId: nil, outcome: .alreadyCovered, reason: "已在监测帮扶中", settledAt: Date()),
                LeadSettled(leadId: TestData.unique("XS"), origin: LeadOrigin(road: .departmentScreening, originId: warnings[declined.householdId]!),
                            householdId: declined.householdId, caseId: TestData.unique("CASE"), outcome: .notMonitored, reason: "未纳入监测",
                            settledAt: Date()),
            ], source: "/lifeline/review")
            let feedback = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: records.map(\.recordId), count: 4, seconds: 60)
            let told = { (record: String) in
                feedback.filter { $0["key"] as? String == record }.compactMap { ($0["value"] as? [String: Any])?["outcome"] as? String }
            }
            #expect(told(records[0].recordId) == ["warningRaised", "alreadyCovered"])
            #expect(told(records[1].recordId) == ["warningRaised", "notMonitored"])
            let after = try await HTTP.get("\(screening)/v1/warnings?region=\(village)", token: town).json["warnings"] as? [[String: Any]] ?? []
            #expect(Set(after.compactMap { $0["outcome"] as? String }) == ["alreadyCovered", "notMonitored"])

            // A new fact of the same month after review settled the warning raises a new one, told to review.
            let house = Self.record("住建", .dangerousHouse, idNumber: declined.members[0].idNumber, details: ["grade": "D"])
            try await OutsideSystem.publish([house], source: "/gov/jinan/bigdata")
            let newer = try await OutsideClient.consume(topic: EventTopic.screeningFeedback.name, keys: [house.recordId], count: 1, seconds: 60)
            let newValue = newer.first?["value"] as? [String: Any] ?? [:]
            #expect(newValue["outcome"] as? String == "warningRaised")
            let newWarning = try #require(newValue["warningId"] as? String)
            #expect(newWarning != warnings[declined.householdId])
            let leads = try await KafkaProbe.collect(topic: EventTopic.screeningLeads.name) { messages in
                messages.filter { $0.keyText == declined.householdId }.count >= 2
            }
            #expect(leads.filter { $0.keyText == declined.householdId }.count == 2)
            let listed = try await HTTP.get("\(screening)/v1/warnings?region=\(village)", token: town).json["warnings"] as? [[String: Any]] ?? []
            #expect(listed.filter { $0["householdId"] as? String == declined.householdId }.count == 2)
        }
    }
}
