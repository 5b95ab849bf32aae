import DepartmentScreening
import Foundation
@testable import Intake
import LifelineAuth
import LifelineEvents
import LifelineRuntime
import Review
import Testing

/// Intake's flows through the real service (in the serialized end-to-end suite, whose consumer groups
/// must not overlap).
extension EndToEndTests {
    /// Imports a small household file straight into intake's schema (as the import job would).
    func importHouseholds(_ file: HouseholdFile, region: String = "370115") async throws {
        let url = try file.utf8File()
        _ = try await TestGrid.withIntakeDatabase { database in
            try await TestGrid.importer(database).run(file: url, region: region, reporter: ImportLog().reporter)
        }
    }

    @Test func anUploadedFileIsImportedWithProgressAndPublishedForEveryoneToReplay() async throws {
        try await withServices([IntakeService.definition, DepartmentScreeningService.definition]) { services in
            let intake = services["intake"]!.baseURL
            let village = TestData.villageCode()
            try await TestGrid.village(village)
            let household = TestData.unique("U").replacingOccurrences(of: "-", with: "")
            var file = HouseholdFile()
            file.member(household: household, village: village, group: village + "001", name: "马桂芳", relation: "户主", formerlyPoor: true)
            file.member(household: household, village: village, group: village + "001", name: "马小军", relation: "子女", formerlyPoor: true)
            let badLine = file.member(household: household, village: village, group: village + "001", name: "", relation: "子女", formerlyPoor: true)
            let token = try await TestEnvironment.token(role: .town, region: "370115101")

            let upload = try await HTTP.request(
                "POST", "\(intake)/v1/imports/households?fileName=test.csv", body: Data(file.csv.utf8),
                headers: ["Authorization": "Bearer \(token)", "Content-Type": "text/csv"])
            #expect(upload.status == 202)
            let jobId = try #require(upload.json["id"] as? String)
            let job = try await eventually("import completed") { () -> [String: Any]? in
                let result = try await HTTP.get("\(intake)/v1/imports/\(jobId)", token: token)
                return result.json["status"] as? String == "completed" ? result.json : nil
            }
            #expect(job["percent"] as? Int == 100)
            let counts = try #require(job["counts"] as? [String: Any])
            #expect(counts["rowsAccepted"] as? Int == 2 && counts["rowsRejected"] as? Int == 1 && counts["householdsCreated"] as? Int == 1)
            let errors = try await HTTP.get("\(intake)/v1/imports/\(jobId)/errors", token: token)
            let first = try #require((errors.json["errors"] as? [[String: Any]])?.first)
            #expect(first["line"] as? Int == badLine && first["field"] as? String == "姓名")

            // Another town's official cannot see the job; a household cannot upload.
            let other = try await TestEnvironment.token(role: .town, region: "370115103")
            #expect(try await HTTP.get("\(intake)/v1/imports/\(jobId)", token: other).status == 404)
            #expect(try await HTTP.request("POST", "\(intake)/v1/imports/households", body: Data(file.csv.utf8)).status == 401)

            // The registry event is keyed by household id on the compacted topic; a new consumer
            // replaying the topic from the start finds it.
            let events = try await KafkaProbe.collect(topic: EventTopic.intakeHouseholds.name) { messages in
                messages.contains { $0.keyText == household }
            }
            let event = try #require(events.last { $0.keyText == household })
            let registered = try EventJSON.decoder.decode(HouseholdRegistered.self, from: Data(event.value))
            #expect(registered.members.map(\.name) == ["马桂芳", "马小军"])
            #expect(registered.formerlyPoor == true && registered.provisional == false && registered.householdGroupId == village + "001")

            // Department screening keeps its own copy for matching ID numbers.
            _ = try await eventually("department screening has the household") { () -> Bool? in
                try await TestDatabase.count(
                    schema: "department_screening", "SELECT count(*) FROM registry_members WHERE household_id = \(household)") == 2 ? true : nil
            }
        }
    }

    @Test func gridReportsStayWithinTheGridAndProposalsBecomeCases() async throws {
        try await withServices([IntakeService.definition, ReviewService.definition]) { services in
            let intake = services["intake"]!.baseURL
            let village = TestData.villageCode()
            try await TestGrid.village(village)
            let tag = TestData.unique("G").replacingOccurrences(of: "-", with: "")
            let (mine, theirs) = ("\(tag)1", "\(tag)2")
            var file = HouseholdFile()
            file.member(household: mine, village: village, group: village + "001", name: "周德胜", relation: "户主")
            file.member(household: theirs, village: village, group: village + "002", name: "吴玉梅", relation: "户主")
            try await importHouseholds(file)

            let member = try await TestEnvironment.token(role: .gridMember, region: village, user: "GM\(village)001")
            let official = try await TestEnvironment.token(role: .village, region: village, user: "GM\(village)A")
            let listed = try await HTTP.get("\(intake)/v1/households", token: member)
            #expect((listed.json["households"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [mine])
            let visit: [String: Any] = ["visitedOn": "2026-11-20", "risks": ["illness", "lossOfWork"], "notes": "户主住院，务工收入中断"]
            let recorded = try await HTTP.request(
                "POST", "\(intake)/v1/households/\(mine)/visits", json: visit, headers: ["Authorization": "Bearer \(member)"])
            #expect(recorded.status == 201)
            // An Idempotency-Key is its recorder's own: a retry finds the visit, another member's same key does not.
            let key = TestData.unique("visit")
            let first = try await HTTP.request(
                "POST", "\(intake)/v1/households/\(mine)/visits", json: visit, headers: ["Authorization": "Bearer \(member)", "Idempotency-Key": key])
            let retried = try await HTTP.request(
                "POST", "\(intake)/v1/households/\(mine)/visits", json: visit, headers: ["Authorization": "Bearer \(member)", "Idempotency-Key": key])
            #expect(first.status == 201 && retried.status == 200 && retried.json["id"] as? String == first.json["id"] as? String)
            let neighbour = try await TestEnvironment.token(role: .gridMember, region: village, user: "GM\(village)002")
            let theirVisit = try await HTTP.request(
                "POST", "\(intake)/v1/households/\(theirs)/visits", json: visit, headers: ["Authorization": "Bearer \(neighbour)", "Idempotency-Key": key])
            #expect(theirVisit.status == 201 && theirVisit.json["householdId"] as? String == theirs)
            let elsewhere = try await HTTP.request(
                "POST", "\(intake)/v1/households/\(theirs)/visits", json: visit, headers: ["Authorization": "Bearer \(member)"])
            #expect(elsewhere.status == 404)
            let badVisit = try await HTTP.request(
                "POST", "\(intake)/v1/households/\(mine)/visits", json: ["visitedOn": "2999-01-01", "risks": ["flood"]],
                headers: ["Authorization": "Bearer \(member)"])
            #expect(Set(((badVisit.json["error"] as? [String: Any])?["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
                == ["visitedOn", "risks.0"])

            let meeting: [String: Any] = [
                "heldOn": "2026-11-25", "attendance": 23,
                "decisions": [
                    ["householdId": mine, "propose": true, "reason": "因病致贫风险，建议纳入监测"],
                    ["householdId": theirs, "propose": false, "reason": "收入稳定，暂不纳入"],
                ],
            ]
            let byMember = try await HTTP.request(
                "POST", "\(intake)/v1/villages/\(village)/meetings", json: meeting, headers: ["Authorization": "Bearer \(member)"])
            #expect(byMember.status == 403)
            let held = try await HTTP.request(
                "POST", "\(intake)/v1/villages/\(village)/meetings", json: meeting,
                headers: ["Authorization": "Bearer \(official)", "Idempotency-Key": tag])
            #expect(held.status == 201)
            let decisions = try #require(held.json["decisions"] as? [[String: Any]])
            let leadId = try #require(decisions.first { $0["householdId"] as? String == mine }?["leadId"] as? String)
            #expect(decisions.first { $0["householdId"] as? String == theirs }?["leadId"] == nil)
            let repeated = try await HTTP.request(
                "POST", "\(intake)/v1/villages/\(village)/meetings", json: meeting,
                headers: ["Authorization": "Bearer \(official)", "Idempotency-Key": tag])
            #expect(repeated.status == 200)

            // Review opens one case on the grid road for the proposal, with the visit's risks behind it.
            _ = try await eventually("review opened a case for the lead") { () -> Bool? in
                try await TestDatabase.count(
                    schema: "review", "SELECT count(*) FROM leads l JOIN cases c ON c.id = l.case_id WHERE l.origin_id = \(leadId) AND l.road = 'gridReport' AND c.household_id = \(mine)"
                ) == 1 ? true : nil
            }
            let leads = try await KafkaProbe.collect(topic: EventTopic.intakeLeads.name) { messages in
                messages.contains { $0.keyText == mine }
            }
            let lead = try EventJSON.decoder.decode(GridLeadRaised.self, from: Data(try #require(leads.last { $0.keyText == mine }).value))
            #expect(lead.observedRisks == [.illness, .lossOfWork])
            #expect(try await TestDatabase.count(schema: "review", "SELECT count(*) FROM cases WHERE household_id = \(theirs)") == 0)
        }
    }

    @Test func aProvisionalHouseholdIsConfirmedByItsVillage() async throws {
        try await withServices([IntakeService.definition]) { services in
            let intake = services["intake"]!.baseURL
            let village = TestData.villageCode()
            try await TestGrid.village(village)
            let created = try await submit(intake, TestData.application(village: village))
            #expect(created.status == 201)
            let official = try await TestEnvironment.token(role: .village, region: village, user: "GM\(village)A")
            let pending = try await HTTP.get("\(intake)/v1/households?provisional=true", token: official)
            let household = try #require((pending.json["households"] as? [[String: Any]])?.first)
            let id = try #require(household["id"] as? String)
            #expect(household["provisional"] as? Bool == true)
            #expect((household["members"] as? [[String: Any]])?.first?["idNumberMasked"] as? String != nil)
            let wrongGroup = try await HTTP.request(
                "POST", "\(intake)/v1/households/\(id)/confirm", json: ["householdGroupCode": "370115101201001"],
                headers: ["Authorization": "Bearer \(official)"])
            #expect(wrongGroup.status == 409)
            let confirmed = try await HTTP.request(
                "POST", "\(intake)/v1/households/\(id)/confirm", json: ["householdGroupCode": village + "002"],
                headers: ["Authorization": "Bearer \(official)"])
            #expect(confirmed.status == 200)
            #expect(confirmed.json["provisional"] as? Bool == false)
            let events = try await KafkaProbe.collect(topic: EventTopic.intakeHouseholds.name) { messages in
                messages.contains { $0.keyText == id && (try? EventJSON.decoder.decode(HouseholdRegistered.self, from: Data($0.value)))?.provisional == false }
            }
            #expect(events.contains { $0.keyText == id })
        }
    }

    @Test func postersPointAtThePublicPageAndAreScoped() async throws {
        let intake = try await InProcessService.start(IntakeService.definition, overrides: ["PUBLIC_BASE_URL": "https://lifeline.example.cn"])
        do {
            let village = TestData.villageCode()
            try await TestGrid.village(village, name: "杏花村")
            let token = try await TestEnvironment.token(role: .town, region: "370115101")
            let svg = try await HTTP.get("\(intake.baseURL)/v1/villages/\(village)/poster.svg", token: token)
            #expect(svg.status == 200)
            #expect(svg.text.contains("杏花村") && svg.text.contains("https://lifeline.example.cn/apply/\(village)"))
            let png = try await HTTP.get("\(intake.baseURL)/v1/villages/\(village)/poster.png", token: token)
            #expect(png.status == 200 && png.body.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            let zip = try await HTTP.get("\(intake.baseURL)/v1/posters?region=\(village)&format=svg", token: token)
            #expect(zip.status == 200 && zip.body.starts(with: [0x50, 0x4B]))
            let otherTown = try await TestEnvironment.token(role: .town, region: "370115103")
            #expect(try await HTTP.get("\(intake.baseURL)/v1/villages/\(village)/poster.svg", token: otherTown).status == 404)
            #expect(try await HTTP.get("\(intake.baseURL)/v1/villages/\(village)/poster.svg").status == 401)

            // A poster run in the background: progress, then the ZIP; scoped like the rest.
            let auth = ["Authorization": "Bearer \(token)"]
            #expect(try await HTTP.request("POST", "\(intake.baseURL)/v1/poster-runs", json: ["region": village, "format": "pdf"], headers: auth).status == 400)
            #expect(try await HTTP.request("POST", "\(intake.baseURL)/v1/poster-runs", json: ["region": "370115103"], headers: auth).status == 403)
            let started = try await HTTP.request("POST", "\(intake.baseURL)/v1/poster-runs", json: ["region": village, "format": "svg"], headers: auth)
            #expect(started.status == 202, "\(started.text)")
            let run = try #require(started.json["id"] as? String)
            let finished = try await eventually("the poster run done") { () -> [String: Any]? in
                let progress = try await HTTP.get("\(intake.baseURL)/v1/poster-runs/\(run)", token: token).json
                return progress["status"] as? String == "completed" ? progress : nil
            }
            #expect(finished["villagesTotal"] as? Int == 1 && finished["villagesDone"] as? Int == 1 && finished["percent"] as? Int == 100)
            let archive = try await HTTP.get("\(intake.baseURL)/v1/poster-runs/\(run)/archive", token: token)
            #expect(archive.status == 200 && archive.body.starts(with: [0x50, 0x4B]) && archive.body.count == finished["archiveBytes"] as? Int)
            #expect(try await HTTP.get("\(intake.baseURL)/v1/poster-runs/\(run)", token: otherTown).status == 404)
            // A later run of the same posters replaces the earlier archive: a region keeps one per format.
            let again = try await HTTP.request("POST", "\(intake.baseURL)/v1/poster-runs", json: ["region": village, "format": "svg"], headers: auth)
            let second = try #require(again.json["id"] as? String)
            _ = try await eventually("the second run done") { () -> Bool? in
                try await HTTP.get("\(intake.baseURL)/v1/poster-runs/\(second)", token: token).json["status"] as? String == "completed" ? true : nil
            }
            let replaced = try await HTTP.get("\(intake.baseURL)/v1/poster-runs/\(run)", token: token).status
            #expect(second != run && replaced == 404)

            // The page the code opens names the village; an unknown code gets a friendly 404 page.
            let page = try await HTTP.get("\(intake.baseURL)/apply/\(village)")
            #expect(page.status == 200 && page.text.contains("杏花村"))
            #expect(try await HTTP.get("\(intake.baseURL)/apply/370115101299").status == 404)
        } catch {
            await intake.stop()
            throw error
        }
        await intake.stop()
    }
}
