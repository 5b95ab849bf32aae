import Accounts
import Foundation
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import Logging
import Review
import Testing

/// Triage, verification, deadlines, adverse comparisons, jurisdiction, risk elimination and the
/// district's figures, with intake's registry and leads published on their topics by the test.
extension EndToEndTests {
    /// A fresh household of `village` in review's registry copy.
    func registeredHousehold(_ driver: ReviewDriver, people: Int = 3, labour: LabourAbility? = .full, formerlyPoor: Bool = false) async throws -> String {
        let household = TestData.unique("H").replacingOccurrences(of: "-", with: "")
        try await OutsideSystem.publish(
            [HouseholdRegistered.sample(id: household, village: driver.village, people: people, formerlyPoor: formerlyPoor, labour: labour)],
            source: "/lifeline/intake")
        _ = try await eventually("registry copy of \(household)") {
            try await TestDatabase.count(schema: "review", "SELECT count(*) FROM households WHERE id = \(household)") == 1 ? true : nil
        }
        return household
    }

    func gridLead(_ driver: ReviewDriver, household: String, risks: [DifficultyType] = [.illness], raisedAt: Date = Date()) async throws {
        try await OutsideSystem.publish([GridLeadRaised(
            leadId: TestData.unique("GL"), meetingId: TestData.unique("M"), householdId: household, villageCode: driver.village, observedRisks: risks,
            reason: "主题党日议定", meetingDate: BeijingToday.text, raisedAt: raisedAt)], source: "/lifeline/intake")
    }

    func settledOutcomes(leadId: String, count: Int) async throws -> [LeadOutcome] {
        let messages = try await KafkaProbe.collect(topic: EventTopic.reviewLeads.name) { messages in
            messages.filter { $0.headers.text(for: "ce_subject") == leadId }.count >= count
        }
        return try messages.filter { $0.headers.text(for: "ce_subject") == leadId }
            .map { try EventJSON.decoder.decode(LeadSettled.self, from: Data($0.value)).outcome }
    }

    @Test func leadsWithoutAHouseholdAreTriagedAndScreeningLeadsVerifiedByTheTown() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let household = try await registeredHousehold(driver)
            let unmatched = TestData.unique("RL"), toClose = TestData.unique("RL"), matched = TestData.unique("RL")
            try await OutsideSystem.publish([
                RiskLeadRaised(leadId: unmatched, orderNumber: "12345-1", channel: .hotline12345, villageCode: driver.village, householdId: nil, raisedAt: Date()),
                RiskLeadRaised(leadId: toClose, orderNumber: "12345-2", channel: .hotline12345, villageCode: driver.village, householdId: nil, raisedAt: Date()),
                RiskLeadRaised(leadId: matched, orderNumber: "12317-3", channel: .hotline12317, villageCode: driver.village, householdId: household, raisedAt: Date()),
            ], source: "/lifeline/hotline")
            func find(_ list: String, _ origin: String, as role: Role = .town) async throws -> [String: Any]? {
                let leads = try await driver.get("/v1/leads/\(list)", as: role).json["leads"] as? [[String: Any]] ?? []
                return leads.first { $0["originId"] as? String == origin }
            }
            let triaged = try await eventually("two leads in triage") { () -> [[String: Any]]? in
                guard let first = try await find("triage", unmatched), let second = try await find("triage", toClose) else { return nil }
                return [first, second]
            }
            let otherTown = ReviewDriver(review: driver.review, village: TestData.villageCode(town: "370115103"))
            #expect(try await find("triage", unmatched, as: .district) != nil)
            #expect((try await otherTown.get("/v1/leads/triage", as: .town).json["leads"] as? [[String: Any]] ?? []).allSatisfy {
                $0["originId"] as? String != unmatched
            })
            let unmatchedId = try #require(triaged[0]["leadId"] as? String), closeId = try #require(triaged[1]["leadId"] as? String)
            #expect(try await otherTown.post("/v1/leads/\(unmatchedId)/assignment", ["householdId": household], as: .town).status == 404)
            #expect(try await driver.post("/v1/leads/\(unmatchedId)/assignment", ["householdId": household], as: .village).status == 403)
            let unknown = try await driver.post("/v1/leads/\(unmatchedId)/assignment", ["householdId": "NOSUCH"], as: .town)
            #expect(unknown.status == 422 && unknown.text.contains("householdId"))

            // Assigned to a household, a hotline lead still needs the town's verification before a case opens.
            let assigned = try await driver.post("/v1/leads/\(unmatchedId)/assignment", ["householdId": household], as: .town)
            #expect(assigned.json["status"] as? String == "verification", "\(assigned.text)")
            let falseAlarm = try await driver.post("/v1/leads/\(unmatchedId)/verification", ["outcome": "falseAlarm", "note": "经核实，家中无人患病"], as: .town)
            #expect(falseAlarm.json["status"] as? String == "closed" && falseAlarm.json["outcome"] as? String == "falseAlarm")
            #expect(try await settledOutcomes(leadId: unmatchedId, count: 1) == [.falseAlarm])
            let closed = try await driver.post("/v1/leads/\(closeId)/closure", ["reason": "反映人所述地址不在本镇"], as: .town)
            #expect(closed.json["outcome"] as? String == "closedInTriage")
            #expect(try await driver.post("/v1/leads/\(closeId)/closure", ["reason": "again"], as: .town).status == 409)

            // The matched lead waits for verification until a grid lead opens the household's case: then it joins.
            let waiting = try await eventually("matched lead awaiting verification") { try await find("verification", matched) }
            #expect(waiting["householdId"] as? String == household)
            #expect((try await driver.get("/v1/cases?villageCode=\(driver.village)").json["cases"] as? [[String: Any]])?.isEmpty == true)
            try await gridLead(driver, household: household)
            let caseId = try #require(try await driver.openCase(of: household)["caseId"] as? String)
            let leads = try #require(try await driver.detail(caseId)["leads"] as? [[String: Any]])
            #expect(Set(leads.compactMap { $0["road"] as? String }) == ["gridReport", "petitionAndHotline"])
            #expect(leads.allSatisfy { $0["status"] as? String == "joined" })
        }
    }

    /// The town settles a lead waiting for its verification at the moment a case opens for the household:
    /// the lead keeps the town's outcome (its caller gets one final answer) instead of joining the case.
    @Test func aLeadTheTownSettlesWhileACaseOpensKeepsItsOutcome() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let household = try await registeredHousehold(driver)
            let origin = TestData.unique("RL")
            try await OutsideSystem.publish([RiskLeadRaised(
                leadId: origin, orderNumber: "12345-9", channel: .hotline12345, villageCode: driver.village, householdId: household, raisedAt: Date())],
                source: "/lifeline/hotline")
            let leadId = try await eventually("the lead awaiting verification") { () -> String? in
                let leads = try await driver.get("/v1/leads/verification", as: .town).json["leads"] as? [[String: Any]] ?? []
                return leads.first { $0["originId"] as? String == origin }?["leadId"] as? String
            }
            let logger = Logger(label: "test")
            try await TestDatabase.with(try TestEnvironment.database(schema: "review")) { database in
                try await database.transaction { connection in
                    // As the town's verification does: the lead locked and settled, not committed yet.
                    try await connection.query("SELECT id FROM leads WHERE id = \(leadId) FOR UPDATE", logger: logger)
                    try await connection.query("UPDATE leads SET status = 'closed', outcome = 'falseAlarm' WHERE id = \(leadId)", logger: logger)
                    try await gridLead(driver, household: household)
                    _ = try await eventually("the opening case waiting for the lead") { () -> Bool? in
                        try await TestDatabase.count(schema: "review", """
                            SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype IN ('transactionid', 'tuple')
                            """) >= 1 ? true : nil
                    }
                }
            }
            let caseId = try #require(try await driver.openCase(of: household)["caseId"] as? String)
            let leads = try #require(try await driver.detail(caseId)["leads"] as? [[String: Any]])
            #expect(leads.compactMap { $0["road"] as? String } == ["gridReport"], "\(leads)")
            #expect(try await TestDatabase.count(schema: "review", "SELECT count(*) FROM leads WHERE id = \(leadId) AND status = 'closed'") == 1)
        }
    }

    /// Households intake merged into another (self-applicants' provisional households placed by the
    /// district's file): a new lead about the absorbing household finds the family already monitored, or
    /// joins its case still open, under the household review decided about, instead of opening a second.
    @Test func leadsOfAnAbsorbingHouseholdFindTheMergedHouseholdsCaseOrMonitoring() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let (monitored, inCase) = (try await registeredHousehold(driver, people: 1), try await registeredHousehold(driver, people: 1))
            try await gridLead(driver, household: monitored)
            let monitoredCase = try #require(try await driver.openCase(of: monitored)["caseId"] as? String)
            _ = try await driver.takeThroughAllSteps(monitoredCase, household: monitored, visit: ReviewDriver.homeVisit(wagesYuan: 10_000, people: 1))
            try await gridLead(driver, household: inCase)
            let openCaseId = try #require(try await driver.openCase(of: inCase)["caseId"] as? String)

            let (intoMonitored, intoCase) = (
                HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: driver.village, people: 2),
                HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: driver.village, people: 2))
            func merged(_ id: String, into successor: String) -> HouseholdRegistered {
                HouseholdRegistered(
                    householdId: id, villageCode: driver.village, householdGroupId: nil, provisional: false, members: [],
                    updatedAt: Date().addingTimeInterval(5), source: "merged", supersededBy: successor)
            }
            try await OutsideSystem.publish([
                intoMonitored, intoCase, merged(monitored, into: intoMonitored.householdId), merged(inCase, into: intoCase.householdId),
            ], source: "/lifeline/intake")
            _ = try await eventually("the merges in review's registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "review", """
                    SELECT count(*) FROM households WHERE id = ANY(\([intoMonitored.householdId, intoCase.householdId]))
                       OR (id = ANY(\([monitored, inCase])) AND superseded_by IS NOT NULL)
                    """) == 4 ? true : nil
            }
            let (first, second) = (TestData.unique("GL"), TestData.unique("GL"))
            for (leadId, household) in [(first, intoMonitored.householdId), (second, intoCase.householdId)] {
                try await OutsideSystem.publish([GridLeadRaised(
                    leadId: leadId, meetingId: TestData.unique("M"), householdId: household, villageCode: driver.village, observedRisks: [.illness],
                    reason: "主题党日议定", meetingDate: BeijingToday.text, raisedAt: Date())], source: "/lifeline/intake")
            }
            _ = try await eventually("both leads routed") { () -> Bool? in
                try await TestDatabase.count(schema: "review", """
                    SELECT count(*) FROM leads WHERE origin_id = ANY(\([first, second])) AND status <> 'triage'
                    """) == 2 ? true : nil
            }
            #expect(try await TestDatabase.count(schema: "review", """
                SELECT count(*) FROM leads WHERE origin_id = \(first) AND status = 'recheck' AND outcome = 'alreadyCovered'
                """) == 1)
            #expect(try await TestDatabase.count(schema: "review", """
                SELECT count(*) FROM leads WHERE origin_id = \(second) AND status = 'joined' AND case_id = \(openCaseId)
                """) == 1)
            #expect(try await TestDatabase.count(schema: "review", """
                SELECT count(*) FROM cases WHERE household_id = ANY(\([intoMonitored.householdId, intoCase.householdId]))
                """) == 0)
        }
    }

    /// A lead that needs the town's verification arrives while another transaction is opening a case for
    /// its household: it waits for that transaction and joins the case, instead of waiting in the town's
    /// list beside an open case that neither transaction could see.
    @Test func aLeadArrivingWhileACaseOpensJoinsTheCase() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let household = try await registeredHousehold(driver)
            let caseId = TestData.unique("AJ")
            let origin = TestData.unique("RL")
            let logger = Logger(label: "test")
            try await TestDatabase.with(try TestEnvironment.database(schema: "review")) { database in
                try await database.transaction { connection in
                    // As a case opening for another lead of the household does: the routing lock held and
                    // the case inserted, not committed yet.
                    try await connection.query("SELECT pg_advisory_xact_lock(hashtext('review.household:' || \(household)))::text", logger: logger)
                    let now = Date()
                    try await connection.query("""
                        INSERT INTO cases (id, household_id, village_code, town_code, road, stage, kind, opened_at, discovered_at, due_by)
                        VALUES (\(caseId), \(household), \(driver.village), \(String(driver.village.prefix(9))), 'gridReport',
                                'homeVerification', 'identification', \(now), \(now), \(now.addingTimeInterval(15 * 86_400)))
                        """, logger: logger)
                    try await OutsideSystem.publish([RiskLeadRaised(
                        leadId: origin, orderNumber: "12345-9", channel: .hotline12345, villageCode: driver.village, householdId: household,
                        raisedAt: Date())], source: "/lifeline/hotline")
                    _ = try await eventually("the hotline lead waiting for the opening case") { () -> Bool? in
                        try await TestDatabase.count(schema: "review", """
                            SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'advisory'
                                AND objid::bigint = (hashtext('review.household:' || \(household))::bigint & 4294967295)
                            """) >= 1 ? true : nil
                    }
                }
            }
            let joined = try await eventually("the hotline lead in the case") { () -> Int? in
                let count = try await TestDatabase.count(schema: "review", """
                    SELECT count(*) FROM leads WHERE origin_id = \(origin) AND status = 'joined' AND case_id = \(caseId)
                    """)
                return count == 1 ? count : nil
            }
            #expect(joined == 1)
            let waiting = try await driver.get("/v1/leads/verification", as: .town).json["leads"] as? [[String: Any]] ?? []
            #expect(!waiting.contains { $0["originId"] as? String == origin })
        }
    }

    /// A case that opens for a household intake merged into another also takes the absorbing household's
    /// leads still waiting for the town's verification: one family, one case.
    @Test func aCaseOpeningForAMergedHouseholdTakesTheFamilysWaitingLeads() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let (absorbed, absorbing) = (try await registeredHousehold(driver, people: 1), try await registeredHousehold(driver, people: 2))
            try await OutsideSystem.publish([HouseholdRegistered(
                householdId: absorbed, villageCode: driver.village, householdGroupId: nil, provisional: false, members: [],
                updatedAt: Date().addingTimeInterval(5), source: "merged", supersededBy: absorbing)], source: "/lifeline/intake")
            _ = try await eventually("the merge in review's registry copy") { () -> Bool? in
                try await TestDatabase.count(schema: "review", "SELECT count(*) FROM households WHERE id = \(absorbed) AND superseded_by = \(absorbing)") == 1
                    ? true : nil
            }
            let origin = TestData.unique("RL")
            try await OutsideSystem.publish([RiskLeadRaised(
                leadId: origin, orderNumber: "12345-7", channel: .hotline12345, villageCode: driver.village, householdId: absorbing, raisedAt: Date())],
                source: "/lifeline/hotline")
            _ = try await eventually("the hotline lead waiting for the town") { () -> Bool? in
                try await TestDatabase.count(schema: "review", "SELECT count(*) FROM leads WHERE origin_id = \(origin) AND status = 'verification'") == 1
                    ? true : nil
            }
            try await gridLead(driver, household: absorbed)
            let caseId = try #require(try await driver.openCase(of: absorbed)["caseId"] as? String)
            let joined = try await eventually("the hotline lead in that case") { () -> Int? in
                let count = try await TestDatabase.count(schema: "review", """
                    SELECT count(*) FROM leads WHERE origin_id = \(origin) AND status = 'joined' AND case_id = \(caseId)
                    """)
                return count == 1 ? count : nil
            }
            #expect(joined == 1)
        }
    }

    @Test func findingsAgainstMonitoringWaitForTheTownWhichMayEndTheCase() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let household = try await registeredHousehold(driver)
            try await gridLead(driver, household: household)
            let caseId = try #require(try await driver.openCase(of: household)["caseId"] as? String)
            #expect(try await driver.post("/v1/cases/\(caseId)/home-verification", ReviewDriver.homeVisit(wagesYuan: 30_000, people: 3), as: .village).status == 200)
            #expect(try await driver.post("/v1/cases/\(caseId)/democratic-appraisal", ReviewDriver.appraisal, as: .village).status == 200)
            try await driver.answerComparison(caseId, household: household, findings: [
                .init(department: "公安", kind: "vehicle", summary: "2026年登记小型轿车一辆", arguesAgainstMonitoring: true),
            ])
            _ = try await eventually("adverse findings recorded") { () -> Bool? in
                let detail = try await driver.detail(caseId)
                return (detail["case"] as? [String: Any])?["comparisonState"] as? String == "adverse" ? true : nil
            }
            #expect(try await driver.stage(caseId) == "informationComparison")
            #expect(try await driver.post("/v1/cases/\(caseId)/comparison-decision", ["approved": false], as: .town).status == 400)  // a reason is required
            let ended = try await driver.post("/v1/cases/\(caseId)/comparison-decision", ["approved": false, "opinion": "家庭购置车辆，不符合条件"], as: .town)
            let decided = try #require(ended.json["case"] as? [String: Any])
            #expect(decided["outcome"] as? String == "notMonitored")
            #expect((decided["decisionReason"] as? String)?.contains("购置车辆") == true)
        }
    }

    @Test func everyActionChecksRoleAndJurisdiction() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let household = try await registeredHousehold(driver)
            try await gridLead(driver, household: household)
            let caseId = try #require(try await driver.openCase(of: household)["caseId"] as? String)
            let actions = ["home-verification", "democratic-appraisal", "comparison-decision", "town-review", "objections", "entry", "closure"]
            let otherVillage = ReviewDriver(review: driver.review, village: TestData.villageCode())
            let otherTown = ReviewDriver(review: driver.review, village: TestData.villageCode(town: "370115103"))
            for action in actions {
                let path = "/v1/cases/\(caseId)/\(action)"
                for role in [Role.gridMember, .department, .hotlineOperator, .insurer, .admin] {
                    #expect(try await driver.post(path, [:], as: role).status == 403, "\(role) on \(action)")
                }
                #expect(try await otherVillage.post(path, [:], as: .village).status == 404, "another village on \(action)")
                #expect(try await otherTown.post(path, [:], as: .town).status == 404, "another town on \(action)")
            }
            #expect(try await otherTown.get("/v1/cases/\(caseId)", as: .town).status == 404)
            #expect(try await driver.get("/v1/cases/\(caseId)", as: .town).status == 200)
            let refusals = try await TestDatabase.count(schema: "review", "SELECT count(*) FROM audit_trail WHERE case_id = \(caseId) AND outcome = 'refused'")
            #expect(refusals >= actions.count * 2 + 1)
        }
    }

    @Test func casesNearAndPastTheirDeadlineAreFlaggedOnce() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let late = try await registeredHousehold(driver), soon = try await registeredHousehold(driver), fresh = try await registeredHousehold(driver)
            try await gridLead(driver, household: late, raisedAt: Date().addingTimeInterval(-16 * 86_400))
            try await gridLead(driver, household: soon, raisedAt: Date().addingTimeInterval(-13 * 86_400))
            try await gridLead(driver, household: fresh)
            let lateCase = try #require(try await driver.openCase(of: late)["caseId"] as? String)
            let soonCase = try #require(try await driver.openCase(of: soon)["caseId"] as? String)
            _ = try await driver.openCase(of: fresh)
            let due = try await eventually("due list") { () -> [[String: Any]]? in
                let list = try await driver.get("/v1/cases/due?region=\(driver.village)", as: .town).json["cases"] as? [[String: Any]] ?? []
                return list.count == 2 ? list : nil
            }
            #expect(due.map { $0["caseId"] as? String } == [lateCase, soonCase])
            #expect(due.map { $0["overdue"] as? Bool } == [true, false])
            let flags = try await KafkaProbe.collect(topic: EventTopic.reviewCases.name) { messages in
                let mine = messages.filter { [lateCase, soonCase].contains($0.headers.text(for: "ce_subject")) && $0.headers.text(for: "ce_type") == CaseOverdue.eventType }
                return mine.count >= 2
            }
            let overdue = try flags.filter { $0.headers.text(for: "ce_type") == CaseOverdue.eventType && [lateCase, soonCase].contains($0.headers.text(for: "ce_subject")) }
                .map { try EventJSON.decoder.decode(CaseOverdue.self, from: Data($0.value)) }
            #expect(Set(overdue.map { "\($0.caseId):\($0.overdue)" }) == ["\(lateCase):true", "\(soonCase):false"])
            try await Task.sleep(for: .seconds(2))  // the clock ticks every second: still told once each
            #expect(try await TestDatabase.count(schema: "review", """
                SELECT count(*) FROM outbox WHERE headers->>'ce_type' = \(CaseOverdue.eventType) AND headers->>'ce_subject' = ANY(\([lateCase, soonCase]))
                """) == 2)
        }
    }

    /// Jiyang's figures from the source article, reproduced from leads through all five steps:
    /// 15户41人, 7 户 边缘易致贫户 and 8 户 突发严重困难户.
    /// The village official then sees the same figures on the console's dashboard, in a real browser.
    @Test func theSeedDistrictsFifteenHouseholdsAreIdentifiedThroughAllFiveSteps() async throws {
        try await withServices([ReviewService.definition, AccountsService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let marginalSizes: [Int] = [3, 3, 2, 3, 2, 3, 2]
            let hardshipSizes: [Int] = [3, 3, 3, 3, 3, 3, 2, 3]
            let people: Int = (marginalSizes + hardshipSizes).reduce(0, +)
            #expect(people == 41)
            var plan: [(household: String, visit: [String: Any])] = []
            for size in marginalSizes {
                plan.append((try await registeredHousehold(driver, people: size), ReviewDriver.homeVisit(wagesYuan: 10_000 * Int64(size), people: size)))
            }
            for size in hardshipSizes {
                plan.append((try await registeredHousehold(driver, people: size),
                             ReviewDriver.homeVisit(wagesYuan: 20_000 * Int64(size), medicalYuan: 100_000, people: size, risks: ["illness", "accident"])))
            }
            for (household, _) in plan { try await gridLead(driver, household: household) }
            for (household, visit) in plan {
                let caseId = try #require(try await driver.openCase(of: household)["caseId"] as? String)
                _ = try await driver.takeThroughAllSteps(caseId, household: household, visit: visit)
            }
            let figures = try await driver.get("/v1/statistics?region=\(driver.village)").json
            #expect(figures["summary"] as? String == "15户41人：7户边缘易致贫户，8户突发严重困难户")
            #expect(figures["monitoredPeople"] as? Int == 41)
            let roads = try #require(figures["byRoad"] as? [[String: Any]])
            #expect(roads.map { $0["key"] as? String } == ["gridReport"])
            let risks = try #require(figures["byRisk"] as? [[String: Any]])
            #expect(risks.first { $0["key"] as? String == "accident" }?["households"] as? Int == 8)
            #expect(risks.first { $0["key"] as? String == "illness" }?["households"] as? Int == 15)
            // The trend by month: all fifteen entered this month.
            let months = try #require(figures["byMonth"] as? [[String: Any]])
            #expect(months.count == 12 && months.last?["month"] as? String == String(BeijingToday.text.prefix(7)))
            #expect(months.last?["entered"] as? Int == 15 && months.last?["monitoredAtEnd"] as? Int == 15 && months.last?["peopleAtEnd"] as? Int == 41)
            #expect(months.dropLast().allSatisfy { $0["monitoredAtEnd"] as? Int == 0 })

            // The console's dashboard shows the same figures, drawn on the server as SVG.
            let console = try await InProcessConsole.start(services: ["accounts": services["accounts"]!.baseURL, "review": driver.review])
            defer { Task { await console.stop() } }
            let accounts = AccountsClient(baseURL: services["accounts"]!.baseURL)
            let mobile = try await accounts.official(name: "郭村官", role: .village, region: driver.village)
            try await withBrowser("dashboard") { browser in
                try await consoleSignIn(browser, console, mobile: mobile, password: Self.consolePassword)
                try await browser.waitFor(css: "#user-name")
                try await browser.navigate("\(console.baseURL)/dashboard")
                try await browser.waitFor(css: "#summary")
                #expect(try await browser.text(of: "#summary") == "15户41人：7户边缘易致贫户，8户突发严重困难户")
                #expect(try await browser.text(of: "#monitored-people") == "41")
                #expect(try await browser.elements(css: "svg.chart rect.chart-bar").count >= 6)
                #expect(try await browser.text(of: ".chart-card").contains("边缘易致贫户"))
                #expect(try await browser.text(of: "main").contains("新增15"))
                await screenshot(browser, "dashboard")
            }
        }
    }

    /// Risk elimination: six months monitored, a measure in place, income stably above the line — and
    /// never for a household in which no one can work.
    @Test func riskIsEliminatedByRuleButNeverWithoutLabour() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let able = try await registeredHousehold(driver, people: 2, labour: .full)
            let unable = try await registeredHousehold(driver, people: 1, labour: LabourAbility.none)
            for household in [able, unable] {
                try await gridLead(driver, household: household)
                let caseId = try #require(try await driver.openCase(of: household)["caseId"] as? String)
                let people = household == able ? 2 : 1
                _ = try await driver.takeThroughAllSteps(caseId, household: household, visit: ReviewDriver.homeVisit(wagesYuan: 10_000 * Int64(people), people: people))
            }
            // A self-applicant's household (one member, labour not recorded) monitored in another village, which
            // the district's file later merges into a registered household: the rules read the family where it lives now.
            let elsewhere = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let merging = try await registeredHousehold(elsewhere, people: 1, labour: nil)
            try await gridLead(elsewhere, household: merging)
            let mergingCase = try #require(try await elsewhere.openCase(of: merging)["caseId"] as? String)
            _ = try await elsewhere.takeThroughAllSteps(mergingCase, household: merging, visit: ReviewDriver.homeVisit(wagesYuan: 10_000, people: 1))
            // Too early: the village may start, and the rule ends the case with what is missing.
            let early = try await driver.post("/v1/monitored/\(able)/elimination", [:], as: .village)
            #expect(early.status == 201)
            let earlyCase = try #require((early.json["case"] as? [String: Any])?["caseId"] as? String)
            let refusedEarly = try await driver.post("/v1/cases/\(earlyCase)/home-verification", ReviewDriver.homeVisit(wagesYuan: 24_000, people: 2), as: .village)
            let earlyOutcome = try #require(refusedEarly.json["case"] as? [String: Any])
            #expect(earlyOutcome["outcome"] as? String == "stillMonitored")
            #expect((earlyOutcome["decisionReason"] as? String)?.contains("监测未满6个月") == true)
            #expect((earlyOutcome["decisionReason"] as? String)?.contains("尚未落实帮扶措施") == true)

            // Seven months later (the start date moved back, as time would), with a measure in place.
            try await TestDatabase.with(try TestEnvironment.database(schema: "review")) { database in
                _ = try await database.query("UPDATE monitored_households SET started_on = started_on - 210 WHERE household_id = ANY(\([able, unable, merging]))").collect()
            }
            for household in [able, unable] {
                let measure = try await driver.post("/v1/monitored/\(household)/measures", ["kind": "employment", "description": "安排公益性岗位", "startedOn": BeijingToday.text], as: .village)
                #expect(measure.status == 201, "\(measure.text)")
            }
            let rechecks = try await driver.get("/v1/rechecks?villageCode=\(driver.village)", as: .village).json
            #expect(Set((rechecks["eliminationDue"] as? [[String: Any]] ?? []).compactMap { $0["householdId"] as? String }) == [able, unable])

            let noLabour = try await driver.post("/v1/monitored/\(unable)/elimination", [:], as: .village)
            let noLabourCase = try #require((noLabour.json["case"] as? [String: Any])?["caseId"] as? String)
            let refused = try await driver.post("/v1/cases/\(noLabourCase)/home-verification", ReviewDriver.homeVisit(wagesYuan: 12_000, people: 1), as: .village)
            #expect((refused.json["case"] as? [String: Any])?["decisionReason"] as? String == "不符合风险消除条件：家庭无劳动力，不标注风险消除")

            let measure = try await elsewhere.post("/v1/monitored/\(merging)/measures", ["kind": "employment", "description": "安排公益性岗位", "startedOn": BeijingToday.text], as: .village)
            #expect(measure.status == 201, "\(measure.text)")
            let absorbing = HouseholdRegistered.sample(id: TestData.unique("H").replacingOccurrences(of: "-", with: ""), village: elsewhere.village, people: 2, labour: .full)
            try await OutsideSystem.publish([absorbing, HouseholdRegistered(
                householdId: merging, villageCode: elsewhere.village, householdGroupId: nil, provisional: false, members: [],
                updatedAt: Date().addingTimeInterval(5), source: "merged", supersededBy: absorbing.householdId)], source: "/lifeline/intake")
            _ = try await eventually("the merge in review's registry copy") { () -> Bool? in
                let merged = try await TestDatabase.count(schema: "review", "SELECT count(*) FROM households WHERE id = \(merging) AND superseded_by = \(absorbing.householdId)")
                let arrived = try await TestDatabase.count(schema: "review", "SELECT count(*) FROM households WHERE id = \(absorbing.householdId)")
                return merged == 1 && arrived == 1 ? true : nil
            }
            let mergedStart = try await elsewhere.post("/v1/monitored/\(merging)/elimination", [:], as: .village)
            let mergedCase = try #require((mergedStart.json["case"] as? [String: Any])?["caseId"] as? String, "\(mergedStart.text)")
            let mergedVisit = try await elsewhere.post("/v1/cases/\(mergedCase)/home-verification", ReviewDriver.homeVisit(wagesYuan: 24_000, people: 2), as: .village)
            #expect(mergedVisit.status == 200 && (mergedVisit.json["case"] as? [String: Any])?["outcome"] as? String == nil, "\(mergedVisit.text)")
            #expect(try await elsewhere.stage(mergedCase) == "democraticAppraisal")

            let started = try await driver.post("/v1/monitored/\(able)/elimination", [:], as: .village)
            let caseId = try #require((started.json["case"] as? [String: Any])?["caseId"] as? String)
            #expect(try await driver.post("/v1/monitored/\(able)/elimination", [:], as: .village).status == 409)
            #expect(try await driver.post("/v1/cases/\(caseId)/home-verification", ReviewDriver.homeVisit(wagesYuan: 24_000, people: 2), as: .village).status == 200)
            #expect(try await driver.post("/v1/cases/\(caseId)/democratic-appraisal", ReviewDriver.appraisal, as: .village).status == 200)
            #expect(try await driver.stage(caseId) == "townReview")  // no comparison step for elimination
            #expect(try await driver.post("/v1/cases/\(caseId)/town-review", ["approved": true], as: .town).status == 200)
            let entered = try await driver.post("/v1/cases/\(caseId)/entry", ["approved": true], as: .district)
            #expect((entered.json["case"] as? [String: Any])?["outcome"] as? String == "eliminated", "\(entered.text)")

            let current = try await driver.get("/v1/monitored?region=\(driver.village)", as: .town).json["households"] as? [[String: Any]] ?? []
            #expect(current.compactMap { $0["householdId"] as? String } == [unable])
            let history = try await driver.get("/v1/monitored?region=\(driver.village)&includeEnded=true", as: .town).json["households"] as? [[String: Any]] ?? []
            #expect(history.first { $0["householdId"] as? String == able }?["endedOn"] as? String == BeijingToday.text)
            let figures = try await driver.get("/v1/statistics?region=\(driver.village)").json
            #expect(figures["eliminatedThisYear"] as? Int == 1 && figures["monitoredHouseholds"] as? Int == 1)
            let months = try #require(figures["byMonth"] as? [[String: Any]])
            #expect(months.last?["eliminated"] as? Int == 1 && months.last?["monitoredAtEnd"] as? Int == 1, "\(months)")
            #expect(months.reduce(0) { $0 + ($1["entered"] as? Int ?? 0) } == 2)
            let eliminated = try await KafkaProbe.collect(topic: EventTopic.reviewCases.name) { messages in
                messages.contains { $0.keyText == able && $0.headers.text(for: "ce_type") == RiskEliminated.eventType }
            }
            #expect(eliminated.contains { $0.keyText == able && $0.headers.text(for: "ce_type") == RiskEliminated.eventType })
        }
    }
}

extension EndToEndTests {
    /// The announcement runs its days (5 by default, the first included) before the district may act,
    /// and each village or town step may end the case with the reason the household reads.
    @Test func theAnnouncementRunsItsDaysAndEveryStepMayEndTheCase() async throws {
        try await withServices([ReviewService.definition]) { services in
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: TestData.villageCode())
            let announced = try await registeredHousehold(driver), rejectedByVillage = try await registeredHousehold(driver)
            let rejectedByTown = try await registeredHousehold(driver)
            for household in [announced, rejectedByVillage, rejectedByTown] { try await gridLead(driver, household: household) }
            var ids: [String: String] = [:]
            for household in [announced, rejectedByVillage, rejectedByTown] {
                let caseId = try #require(try await driver.openCase(of: household)["caseId"] as? String)
                ids[household] = caseId
                #expect(try await driver.post("/v1/cases/\(caseId)/home-verification", ReviewDriver.homeVisit(wagesYuan: 30_000, people: 3), as: .village).status == 200)
            }
            var appraisal = ReviewDriver.appraisal
            appraisal["approved"] = false
            appraisal["minutes"] = "评议认为该户收入来源稳定"
            let byVillage = try await driver.post("/v1/cases/\(ids[rejectedByVillage]!)/democratic-appraisal", appraisal, as: .village)
            #expect((byVillage.json["case"] as? [String: Any])?["decisionReason"] as? String == "民主评议未通过：评议认为该户收入来源稳定")

            for household in [announced, rejectedByTown] {
                let caseId = ids[household]!
                #expect(try await driver.post("/v1/cases/\(caseId)/democratic-appraisal", ReviewDriver.appraisal, as: .village).status == 200)
                try await driver.answerComparison(caseId, household: household)
                _ = try await eventually("town review due") { try await driver.stage(caseId) == "townReview" ? true : nil }
            }
            let byTown = try await driver.post("/v1/cases/\(ids[rejectedByTown]!)/town-review", ["approved": false, "opinion": "家庭成员有稳定工作"], as: .town)
            #expect((byTown.json["case"] as? [String: Any])?["outcome"] as? String == "notMonitored")

            let caseId = ids[announced]!
            let reviewed = try await driver.post("/v1/cases/\(caseId)/town-review", ["approved": true], as: .town)
            let ends = try #require((reviewed.json["case"] as? [String: Any])?["announcementEndsOn"] as? String)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
            let expected = calendar.date(byAdding: .day, value: 4, to: Date())!
            let parts = calendar.dateComponents([.year, .month, .day], from: expected)
            #expect(ends == String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!))
            #expect((reviewed.json["announcementText"] as? String)?.contains("公示期：\(BeijingToday.text)至\(ends)") == true)
            let early = try await driver.post("/v1/cases/\(caseId)/entry", ["approved": true, "cadre": ["name": "张帮扶", "phone": "13800001111"]], as: .district)
            #expect(early.status == 409 && early.text.contains("announcement_running"))
            #expect(try await driver.stage(caseId) == "publicAnnouncement")
            let refusals = try await TestDatabase.count(schema: "review", """
                SELECT count(*) FROM audit_trail WHERE case_id = \(caseId) AND outcome = 'refused' AND detail->>'reason' = 'announcement_running'
                """)
            #expect(refusals == 1)
        }
    }
}
