import Foundation
@testable import Intake
import LifelineAuth
import LifelineFiles
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Review
import Testing

/// Review's workflow through the real services, Kafka and PostgreSQL (docs/review.md). Department
/// screening's answers and warnings, and for some tests intake's registry and grid leads, are published
/// on their topics by the test, as those services would.
extension EndToEndTests {
    static let reviewOverrides = ["review": ["REVIEW_ANNOUNCEMENT_DAYS": "0", "REVIEW_CLOCK_SECONDS": "1"]]
    /// An announcement that has run its days (0) but a clock that does not end it during the test: the
    /// village's objection must reach the case while it is still announced, however slow the machine.
    static let announcementHeldOverrides = ["review": ["REVIEW_ANNOUNCEMENT_DAYS": "0", "REVIEW_CLOCK_SECONDS": "3600"]]

    /// The source article's story: a son needs dialysis for uremia; 医保 raises a large-medical-expense
    /// warning and the family applies in the same week. One case opens, goes through all five steps and
    /// is entered as 突发严重困难户; the applicant's progress page shows every step and the decision.
    @Test func aDialysisFamilyIsFoundTwiceAndEnteredOnceAsSuddenHardship() async throws {
        try await withServices([IntakeService.definition, ReviewService.definition], overrides: Self.announcementHeldOverrides) { services in
            let intake = services["intake"]!.baseURL
            let village = TestData.villageCode()
            try await TestGrid.village(village)
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: village)
            let household = TestData.unique("H").replacingOccurrences(of: "-", with: "")
            let headId = TestData.idNumber()
            let phone = TestData.phone()
            var file = HouseholdFile()
            file.member(household: household, village: village, group: village + "001", name: "王建国", idNumber: headId, relation: "户主")
            file.member(household: household, village: village, group: village + "001", name: "刘桂兰", idNumber: TestData.idNumber(male: false), relation: "配偶")
            file.member(household: household, village: village, group: village + "001", name: "王小明", relation: "子女")
            file.member(household: household, village: village, group: village + "001", name: "王小红", idNumber: TestData.idNumber(male: false), relation: "子女")
            try await importHouseholds(file)
            _ = try await eventually("review's registry copy") {
                try await TestDatabase.count(schema: "review", "SELECT count(*) FROM households WHERE id = \(household) AND people = 4") == 1 ? true : nil
            }

            // 医保 found the expense five days ago; the town verifies the warning (精准核实) and a case opens.
            let found = Date().addingTimeInterval(-5 * 86_400)
            let warningId = TestData.unique("YB")
            try await OutsideSystem.publish([WarningRaised(
                warningId: warningId, householdId: household, villageCode: village, rules: ["large-medical-expense"], evidence: ["医保:YB2026110012"],
                severity: .high, risks: [.illness], summary: "医保：近12个月个人自付医疗费用超过5万元", discoveredAt: found)], source: "/lifeline/department-screening")
            let waiting = try await eventually("warning awaiting verification") { () -> [String: Any]? in
                let leads = try await driver.get("/v1/leads/verification?region=\(driver.town)", as: .town).json["leads"] as? [[String: Any]] ?? []
                return leads.first { $0["originId"] as? String == warningId }
            }
            let leadId = try #require(waiting["leadId"] as? String)
            let otherTown = try await TestEnvironment.token(role: .town, region: "370115103")
            #expect(try await HTTP.request("POST", "\(driver.review)/v1/leads/\(leadId)/verification", json: ["outcome": "confirmed", "note": "属实"],
                                           headers: ["Authorization": "Bearer \(otherTown)"]).status == 404)
            let verified = try await driver.post("/v1/leads/\(leadId)/verification", ["outcome": "confirmed", "note": "入户核实，子女尿毒症需长期透析"], as: .town)
            #expect(verified.status == 200, "\(verified.text)")
            let opened = try await driver.openCase(of: household)
            let caseId = try #require(opened["caseId"] as? String)
            #expect(opened["road"] as? String == "departmentScreening")
            // The 15-day clock runs from the department's record, not from when review saw it.
            let discovered = try #require((opened["discoveredAt"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(discovered.timeIntervalSince(found)) < 1)
            let dueBy = try #require((opened["dueBy"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(dueBy.timeIntervalSince(found) - 15 * 86_400) < 1)

            // The family's own application the same week joins the same case.
            let application: [String: Any] = [
                "villageCode": village, "applicantName": "王建国", "idNumber": headId, "phone": phone, "householdSize": 4,
                "difficulties": ["illness"], "statement": "儿子尿毒症每周透析三次，费用负担很重", "consent": true,
            ]
            let submitted = try await HTTP.request("POST", "\(intake)/v1/applications", json: application)
            #expect(submitted.status == 201)
            let number = try #require(submitted.json["applicationNumber"] as? String)
            let progressURL = "\(intake)/v1/applications/\(number)?phoneLast4=\(phone.suffix(4))"
            _ = try await eventually("application joined the case") { () -> Bool? in
                try await HTTP.get(progressURL).json["status"] as? String == "under_review" ? true : nil
            }
            let joined = try await driver.detail(caseId)
            let leads = try #require(joined["leads"] as? [[String: Any]])
            #expect(Set(leads.compactMap { $0["road"] as? String }) == ["departmentScreening", "selfApplication"])
            #expect(try await TestDatabase.count(schema: "review", "SELECT count(*) FROM cases WHERE household_id = \(household)") == 1)

            // Only the village records the visit, only in its own village.
            let visit = ReviewDriver.homeVisit(wagesYuan: 60_000, medicalYuan: 90_000, people: 4, transferYuan: 2_000)
            let neighbour = ReviewDriver(review: driver.review, village: TestData.villageCode())
            #expect(try await neighbour.post("/v1/cases/\(caseId)/home-verification", visit, as: .village).status == 404)
            let byTown = try await driver.post("/v1/cases/\(caseId)/home-verification", visit, as: .town)
            #expect(byTown.status == 403 && byTown.text.contains("not_your_step"))
            #expect(try await driver.post("/v1/cases/\(caseId)/home-verification", visit, as: .gridMember).status == 403)
            #expect(try await driver.get("/v1/cases/\(caseId)", as: .insurer).status == 403)
            var badVisit = visit
            badVisit["people"] = 0
            let refused = try await driver.post("/v1/cases/\(caseId)/home-verification", badVisit, as: .village)
            #expect(refused.status == 400 && refused.text.contains("\"people\""))
            // Steps cannot be skipped.
            #expect(try await driver.post("/v1/cases/\(caseId)/town-review", ["approved": true], as: .town).status == 409)

            #expect(try await driver.post("/v1/cases/\(caseId)/home-verification", visit, as: .village).status == 200)
            let appraised = try await driver.post("/v1/cases/\(caseId)/democratic-appraisal", ReviewDriver.appraisal, as: .village)
            #expect((appraised.json["case"] as? [String: Any])?["comparisonState"] as? String == "requested")
            // The step waits visibly for screening; the town cannot decide on findings not yet there.
            let early = try await driver.post("/v1/cases/\(caseId)/comparison-decision", ["approved": true], as: .town)
            #expect(early.status == 409 && early.text.contains("comparison_pending"))
            let request = try await KafkaProbe.collect(topic: EventTopic.reviewComparisons.name) { messages in
                messages.contains { $0.headers.text(for: "ce_subject") == caseId }
            }
            #expect(request.first { $0.headers.text(for: "ce_subject") == caseId }?.keyText == household)
            try await driver.answerComparison(caseId, household: household)
            _ = try await eventually("town review due") { try await driver.stage(caseId) == "townReview" ? true : nil }

            let reviewed = try await driver.post("/v1/cases/\(caseId)/town-review", ["approved": true, "opinion": "情况属实"], as: .town)
            #expect((reviewed.json["case"] as? [String: Any])?["stage"] as? String == "publicAnnouncement")
            let announcement = try await driver.get("/v1/cases/\(caseId)/announcement", as: .village)
            #expect(announcement.status == 200 && announcement.text.contains("王建国户") && announcement.text.contains("4人"))
            for secret in [headId, phone, "透析", "尿毒症", "疾病"] { #expect(!announcement.text.contains(secret)) }

            // An objection holds the case until the town resolves it.
            let objection = try await driver.post("/v1/cases/\(caseId)/objections", ["receivedOn": BeijingToday.text, "content": "村民反映该户有营业执照"], as: .village)
            #expect(objection.status == 200, "\(objection.text)")
            let held = try await driver.post("/v1/cases/\(caseId)/entry", ["approved": true, "cadre": ["name": "张帮扶", "phone": "13800001111"]], as: .district)
            #expect(held.status == 409 && held.text.contains("objections_open"))
            let resolved = try await driver.post("/v1/cases/\(caseId)/objections/1/resolution", ["upheld": false, "resolution": "经核实，营业执照已于2020年注销"], as: .town)
            #expect((resolved.json["case"] as? [String: Any])?["stage"] as? String == "systemEntry")

            let entered = try await driver.post("/v1/cases/\(caseId)/entry", ["approved": true, "cadre": ["name": "张帮扶", "phone": "13800001111"]], as: .district)
            #expect(entered.status == 200, "\(entered.text)")
            let decided = try #require(entered.json["case"] as? [String: Any])
            #expect(decided["outcome"] as? String == "monitored")
            #expect(decided["category"] as? String == "suddenHardship")
            #expect(decided["decisionReason"] as? String == "纳入监测：突发严重困难户")
            // The rule's explanation, with the figures, is in the district's step for officials.
            let entryStep = (entered.json["steps"] as? [[String: Any]])?.first { $0["stage"] as? String == "systemEntry" }
            let explanation = (entryStep?["details"] as? [String: Any])?["explanation"] as? String
            #expect(explanation?.contains("刚性支出人均22500元") == true, "\(explanation ?? "no explanation")")

            // The applicant sees every step and the decision, and may apply again.
            let progress = try await eventually("application decided") { () -> [String: Any]? in
                let result = try await HTTP.get(progressURL).json
                return result["status"] as? String == "decided" ? result : nil
            }
            let stages = (progress["timeline"] as? [[String: Any]])?.compactMap { $0["stage"] as? String }
            #expect(stages == ["submitted", "homeVerification", "democraticAppraisal", "informationComparison", "townReview", "publicAnnouncement", "systemEntry", "decided"])
            #expect((progress["decisionReason"] as? String)?.contains("突发严重困难户") == true)
            let again = try await HTTP.request("POST", "\(intake)/v1/applications", json: application)
            #expect(again.status == 201 && again.json["applicationNumber"] as? String != number)

            // The warning's origin hears the town's verification and the decision.
            let settled = try await KafkaProbe.collect(topic: EventTopic.reviewLeads.name) { messages in
                messages.filter { $0.headers.text(for: "ce_subject") == leadId }.count >= 2
            }
            let outcomes = try settled.filter { $0.headers.text(for: "ce_subject") == leadId }
                .map { try EventJSON.decoder.decode(LeadSettled.self, from: Data($0.value)).outcome }
            #expect(outcomes == [.confirmed, .monitored])

            let statistics = try await driver.get("/v1/statistics?region=\(village)")
            #expect(statistics.json["summary"] as? String == "1户4人：1户突发严重困难户")
            let monitored = try await driver.get("/v1/monitored/\(household)", as: .town).json
            #expect(monitored["cadrePhoneMasked"] as? String == "138****1111")

            // The approved list in the national system's layout: whole ID numbers for the district only.
            // (The village's name comes from intake.grid, which review reads beside the registry.)
            let districtCSV = try await eventually("the export names the village") { () -> String? in
                let text = try await driver.get("/v1/entries?region=\(village)&format=csv").text
                return text.contains("测试村") ? text : nil
            }
            let lines = districtCSV.split(separator: "\r\n").map(String.init)
            #expect(lines.count == 2 && lines[0].hasPrefix("\u{FEFF}序号,省,市"))
            #expect(lines[1].contains(household) && lines[1].contains(headId) && lines[1].contains("突发严重困难户") && lines[1].contains("测试村"))
            let townCSV = try await driver.get("/v1/entries?region=\(village)&format=csv", as: .town).text
            #expect(townCSV.contains(CitizenIdNumber.masked(headId)) && !townCSV.contains(headId))
            let workbook = try await driver.get("/v1/entries?region=\(village)&format=xlsx")
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("entries-\(UUID().uuidString).xlsx")
            try workbook.body.write(to: url)
            let sheet = try TabularFile.open(url)
            #expect(try sheet.next()?.cells.first == "序号")
            #expect(try sheet.next()?.cells.contains(headId) == true)
            #expect(try await driver.get("/v1/entries?region=\(village)", as: .village).status == 403)
        }
    }

    /// Every action is in the audit trail, refused ones too, and the service's own role cannot rewrite it.
    @Test func theAuditTrailRecordsRefusalsAndRefusesToBeRewritten() async throws {
        try await withServices([ReviewService.definition], overrides: Self.reviewOverrides) { services in
            let village = TestData.villageCode()
            let driver = ReviewDriver(review: services["review"]!.baseURL, village: village)
            let household = TestData.unique("H").replacingOccurrences(of: "-", with: "")
            try await OutsideSystem.publish([HouseholdRegistered.sample(id: household, village: village, people: 2)], source: "/lifeline/intake")
            try await OutsideSystem.publish([GridLeadRaised(
                leadId: TestData.unique("GL"), meetingId: "M1", householdId: household, villageCode: village, observedRisks: [.accident],
                reason: "户主务工时受伤", meetingDate: BeijingToday.text, raisedAt: Date())], source: "/lifeline/intake")
            let caseId = try #require(try await driver.openCase(of: household)["caseId"] as? String)
            let outsider = ReviewDriver(review: driver.review, village: TestData.villageCode(town: "370115103"))
            #expect(try await outsider.post("/v1/cases/\(caseId)/closure", ["reason": "x"], as: .village).status == 404)
            let closed = try await driver.post("/v1/cases/\(caseId)/closure", ["reason": "经入户核实，伤情轻微已康复，收入未受影响"], as: .village)
            #expect((closed.json["case"] as? [String: Any])?["outcome"] as? String == "notMonitored")
            #expect(try await driver.post("/v1/cases/\(caseId)/closure", ["reason": "again"], as: .village).status == 409)

            let config = try TestEnvironment.database(schema: "review")
            let actions = try await TestDatabase.with(config) { database -> [String] in
                var list: [String] = []
                for try await (action, outcome) in try await database.query(
                    "SELECT action, outcome FROM audit_trail WHERE case_id = \(caseId) ORDER BY seq").decode((String, String).self) {
                    list.append("\(action):\(outcome)")
                }
                return list
            }
            #expect(actions == ["case.opened:done", "case.closed:refused", "case.closed:done", "case.closed:refused"])
            for statement in ["UPDATE audit_trail SET actor = 'someone' WHERE case_id = $1", "DELETE FROM audit_trail WHERE case_id = $1"] {
                await #expect(throws: (any Error).self) {
                    try await TestDatabase.with(config) { database in
                        var binds = PostgresBindings()
                        binds.append(caseId)
                        _ = try await database.query(PostgresQuery(unsafeSQL: statement, binds: binds)).collect()
                    }
                }
            }
            await #expect(throws: (any Error).self) {
                try await TestDatabase.with(config) { database in _ = try await database.query("TRUNCATE audit_trail").collect() }
            }
            let check = try await driver.get("/v1/audit/check")
            #expect(check.json["intact"] as? Bool == true && (check.json["rows"] as? Int ?? 0) >= 4)
            #expect(try await driver.get("/v1/audit/check", as: .town).status == 403)
        }
    }
}
