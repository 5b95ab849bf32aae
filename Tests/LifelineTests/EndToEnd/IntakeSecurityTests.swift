import Foundation
@testable import Intake
@testable import LifelineFiles
import LifelineAuth
import LifelineEvents
import LifelineRuntime
import Testing

/// The security findings of intake's review, each shown closed against the real service (in the
/// serialized end-to-end suite).
extension EndToEndTests {
    /// A client address no other test uses (intake believes `X-Forwarded-For` from 127.0.0.1 when
    /// `TRUSTED_PROXIES` says so).
    static func clientAddress() -> String {
        "2001:db8:\(String(Int.random(in: 1...0xffff), radix: 16)):\(String(Int.random(in: 1...0xffff), radix: 16))::1"
    }

    static let behindProxy = ["TRUSTED_PROXIES": "127.0.0.1/32,::1/128"]

    /// Outbox rows of one event type about one application (its `subject`).
    func outboxEvents(_ type: String, subject: String) async throws -> Int {
        try await TestDatabase.count(
            schema: "intake", "SELECT count(*) FROM outbox WHERE headers->>'ce_type' = \(type) AND headers->>'ce_subject' = \(subject)")
    }

    @Test func aStrangerCannotOccupySomeonesIdNumberAndLearnsNothing() async throws {
        try await withServices([IntakeService.definition]) { services in
            let intake = services["intake"]!.baseURL
            let village = TestData.villageCode()
            try await TestGrid.village(village)
            let victimId = TestData.idNumber(male: false)
            let household = TestData.unique("V").replacingOccurrences(of: "-", with: "")
            var file = HouseholdFile()
            file.member(household: household, village: village, group: village + "001", name: "马桂芳", idNumber: victimId, relation: "户主")
            try await importHouseholds(file)

            // The attacker: the victim's ID number, a made-up name, their own phone.
            var attack = TestData.application(village: village, idNumber: victimId, phone: TestData.phone())
            attack["applicantName"] = "张冒名"
            let attacked = try await submit(intake, attack)
            #expect(attacked.status == 201)
            let heldNumber = try #require(attacked.json["applicationNumber"] as? String)
            #expect(attacked.json["status"] as? String == "submitted")
            #expect(try await outboxEvents(ApplicationSubmitted.eventType, subject: heldNumber) == 0, "no lead for the victim's household")
            #expect(try await outboxEvents(ApplicationHeldForVerification.eventType, subject: heldNumber) == 1)

            // The victim applies afterwards and is not locked out.
            var own = TestData.application(village: village, idNumber: victimId, phone: TestData.phone())
            own["applicantName"] = "马桂芳"
            let genuine = try await submit(intake, own)
            #expect(genuine.status == 201)
            let genuineNumber = try #require(genuine.json["applicationNumber"] as? String)
            #expect(try await outboxEvents(ApplicationSubmitted.eventType, subject: genuineNumber) == 1)

            // Someone else with the right name but another phone while it is open: held too, and the
            // answer looks exactly like the victim's (same fields, same status code and status).
            var second = own
            second["phone"] = TestData.phone()
            let probe = try await submit(intake, second)
            #expect(probe.status == 201 && probe.json["status"] as? String == "submitted" && probe.json["duplicate"] as? Bool == false)
            #expect(Set(probe.json.keys) == Set(genuine.json.keys))
            let probeNumber = try #require(probe.json["applicationNumber"] as? String)
            #expect(try await outboxEvents(ApplicationHeldForVerification.eventType, subject: probeNumber) == 1)

            // The held application's own progress page says "submitted" like any other.
            let phoneDigits = String((attack["phone"] as! String).suffix(4))
            let progress = try await HTTP.request("GET", "\(intake)/v1/applications/\(heldNumber)", headers: ["X-Phone-Last4": phoneDigits])
            #expect(progress.status == 200 && progress.json["status"] as? String == "submitted")
            #expect(progress.json["statusText"] as? String == ApplicationProgress.statusText("submitted"))

            // The village sees both held applications, masked, beside the registered name.
            let official = try await TestEnvironment.token(role: .village, region: village, user: "GM\(village)A")
            let held = try await HTTP.get("\(intake)/v1/applications/held?villageCode=\(village)", token: official)
            #expect(held.status == 200)
            let list = try #require(held.json["applications"] as? [[String: Any]])
            let mismatch = try #require(list.first { $0["applicationNumber"] as? String == heldNumber })
            #expect(mismatch["reason"] as? String == "name-mismatch")
            #expect(mismatch["applicantName"] as? String == "张冒名" && mismatch["registeredName"] as? String == "马桂芳")
            #expect(mismatch["idNumberMasked"] as? String == CitizenIdNumber.masked(victimId))
            #expect(!held.text.contains(victimId) && !held.text.contains(attack["phone"] as! String))
            #expect(list.first { $0["applicationNumber"] as? String == probeNumber }?["reason"] as? String == "open-application")

            // Another village sees none of it and cannot decide it.
            let otherVillage = try await TestEnvironment.token(role: .village, region: "370115103201", user: "x")
            let foreign = try await HTTP.get("\(intake)/v1/applications/held?villageCode=\(village)", token: otherVillage)
            #expect(foreign.status == 403)
            let foreignDecision = try await HTTP.request(
                "POST", "\(intake)/v1/applications/\(heldNumber)/verification", json: ["outcome": "rejected", "reason": "冒用"],
                headers: ["Authorization": "Bearer \(otherVillage)"])
            #expect(foreignDecision.status == 404)

            // Confirming the second one would open a second application for the person: refused.
            let conflict = try await HTTP.request(
                "POST", "\(intake)/v1/applications/\(probeNumber)/verification", json: ["outcome": "confirmed"],
                headers: ["Authorization": "Bearer \(official)"])
            #expect(conflict.status == 409)
            #expect((conflict.json["error"] as? [String: Any])?["code"] as? String == "other_application_open")

            // The village rejects the impostor; the applicant reads the reason.
            let rejected = try await HTTP.request(
                "POST", "\(intake)/v1/applications/\(heldNumber)/verification", json: ["outcome": "rejected", "reason": "经核实，申请人并非本人"],
                headers: ["Authorization": "Bearer \(official)"])
            #expect(rejected.status == 200)
            let after = try await HTTP.request("GET", "\(intake)/v1/applications/\(heldNumber)", headers: ["X-Phone-Last4": phoneDigits])
            #expect(after.json["status"] as? String == "decided" && after.json["decisionReason"] as? String == "经核实，申请人并非本人")
            let again = try await HTTP.request(
                "POST", "\(intake)/v1/applications/\(heldNumber)/verification", json: ["outcome": "rejected", "reason": "再次"],
                headers: ["Authorization": "Bearer \(official)"])
            #expect(again.status == 404, "a decided application is no longer held")
        }
    }

    @Test func onlyJSONFromOurOwnPageIsAcceptedAndKeysAreTheApplicantsOwn() async throws {
        let intake = try await InProcessService.start(IntakeService.definition, overrides: ["PUBLIC_BASE_URL": "https://lifeline.example.cn"])
        do {
            let url = "\(intake.baseURL)/v1/applications"
            let village = TestData.villageCode()
            try await TestGrid.village(village)
            let body = try JSONSerialization.data(withJSONObject: TestData.application(village: village))
            let plain = try await HTTP.request("POST", url, body: body, headers: ["Content-Type": "text/plain"])
            #expect(plain.status == 415)
            #expect((plain.json["error"] as? [String: Any])?["field"] as? String == "Content-Type")
            let form = try await HTTP.request("POST", url, body: body, headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(form.status == 415)
            let crossSite = try await HTTP.request("POST", url, body: body, headers: ["Origin": "https://evil.example.com"])
            #expect(crossSite.status == 403)
            #expect((crossSite.json["error"] as? [String: Any])?["code"] as? String == "cross_origin")
            #expect(try await TestDatabase.count(schema: "intake", "SELECT count(*) FROM applications WHERE village_code = \(village)") == 0)
            let ownPage = try await HTTP.request("POST", url, body: body, headers: ["Origin": "https://lifeline.example.cn"])
            #expect(ownPage.status == 201)

            // The same key from two applicants is two keys; the same key with another body is refused.
            let key = TestData.unique("key")
            let first = try await submit(intake.baseURL, TestData.application(village: village), key: key)
            let other = try await submit(intake.baseURL, TestData.application(village: village), key: key)
            #expect(first.status == 201 && other.status == 201)
            #expect(first.json["applicationNumber"] as? String != other.json["applicationNumber"] as? String)
            var changed = TestData.application(village: village)
            let reused = try await submit(intake.baseURL, changed, key: key)
            #expect(reused.status == 201)
            changed["statement"] = "改了说明"
            let replay = try await submit(intake.baseURL, changed, key: key)
            #expect(replay.status == 422)
            #expect((replay.json["error"] as? [String: Any])?["field"] as? String == "Idempotency-Key")
        } catch {
            await intake.stop()
            throw error
        }
        await intake.stop()
    }

    @Test func aDoubleTapCreatesOneApplicationGuessesAreCountedPerClientAndLimitsAreSharedByInstances() async throws {
        let settings = Self.behindProxy.merging([
            "INTAKE_SUBMISSIONS_PER_10_MINUTES": "8", "INTAKE_WRONG_GUESSES_PER_NUMBER": "3",
            "INTAKE_WRONG_GUESSES_PER_NUMBER_ALL_CLIENTS": "4", "INTAKE_GUESSES_PER_CLIENT_PER_DAY_OVER_CEILING": "1",
        ]) { _, new in new }
        let first = try await InProcessService.start(IntakeService.definition, overrides: settings)
        let alone = first.service.consumerAssignments
        let second: InProcessService
        do {
            second = try await InProcessService.start(IntakeService.definition, overrides: settings)
        } catch {
            await first.stop()
            throw error
        }
        do {
            let village = TestData.villageCode()
            try await TestGrid.village(village)
            let client = Self.clientAddress()
            let phone = TestData.phone()
            let application = TestData.application(village: village, phone: phone)
            let key = TestData.unique("tap")
            let body = try JSONSerialization.data(withJSONObject: application)
            let results = try await withThrowingTaskGroup(of: HTTPResult.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await HTTP.request(
                            "POST", "\(first.baseURL)/v1/applications", body: body, headers: ["Idempotency-Key": key, "X-Forwarded-For": client])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0.status == 201 }.count == 1 && results.filter { $0.status == 200 }.count == 3)
            let number = try #require(Set(results.compactMap { $0.json["applicationNumber"] as? String }).first)
            #expect(try await TestDatabase.count(
                schema: "intake", "SELECT count(*) FROM applications WHERE applicant_id_number = \(application["idNumber"] as! String)") == 1)

            // Three wrong guesses from one client lock that client out of this number, right digits included…
            let right = String(phone.suffix(4))
            let wrong = right == "0000" ? "1111" : "0000"
            for _ in 0..<3 {
                let guess = try await HTTP.request("GET", "\(first.baseURL)/v1/applications/\(number)?phoneLast4=\(wrong)", headers: ["X-Forwarded-For": client])
                #expect(guess.status == 404)
            }
            let locked = try await HTTP.request(
                "GET", "\(second.baseURL)/v1/applications/\(number)", headers: ["X-Forwarded-For": client, "X-Phone-Last4": right])
            #expect(locked.status == 429, "the other instance counts the same guesses")
            // …but not the household on its own phone, asking in the body of a POST.
            let household = Self.clientAddress()
            let mine = try await HTTP.request(
                "POST", "\(second.baseURL)/v1/applications/\(number)/progress", json: ["phoneLast4": right], headers: ["X-Forwarded-For": household])
            #expect(mine.status == 200 && mine.json["applicationNumber"] as? String == number)

            // A fourth wrong guess from yet another client spends the number's ceiling (4); from then on
            // each client has one try a day: a new guesser gets one answer, then 429, and the household
            // still gets in from a client it never used.
            let third = Self.clientAddress()
            #expect(try await HTTP.request("GET", "\(first.baseURL)/v1/applications/\(number)", headers: ["X-Forwarded-For": third, "X-Phone-Last4": wrong]).status == 404)
            let botnet = Self.clientAddress()
            #expect(try await HTTP.request("GET", "\(first.baseURL)/v1/applications/\(number)", headers: ["X-Forwarded-For": botnet, "X-Phone-Last4": wrong]).status == 404)
            #expect(try await HTTP.request("GET", "\(first.baseURL)/v1/applications/\(number)", headers: ["X-Forwarded-For": botnet, "X-Phone-Last4": wrong]).status == 429)
            let fresh = try await HTTP.request(
                "GET", "\(second.baseURL)/v1/applications/\(number)", headers: ["X-Forwarded-For": Self.clientAddress(), "X-Phone-Last4": right])
            #expect(fresh.status == 200)

            // An unknown village is refused beside its field (and counts as a submission).
            var lost = TestData.application()
            lost["villageCode"] = "370115101299"  // no such village in the grid
            let unknown = try await HTTP.request("POST", "\(first.baseURL)/v1/applications", json: lost, headers: ["X-Forwarded-For": client])
            #expect(unknown.status == 400 && (unknown.json["error"] as? [String: Any])?["field"] as? String == "villageCode")

            // Submissions: 5 on the first instance, 3 more allowed on the second, then 429.
            var statuses: [Int] = []
            for _ in 0..<5 {
                let result = try await HTTP.request(
                    "POST", "\(second.baseURL)/v1/applications", json: TestData.application(village: village), headers: ["X-Forwarded-For": client])
                statuses.append(result.status)
            }
            #expect(statuses == [201, 201, 201, 429, 429])
            // A client from a neighbouring address of the same /64 shares the limit.
            let neighbour = client.replacingOccurrences(of: "::1", with: "::beef")
            let sameNetwork = try await HTTP.request(
                "POST", "\(first.baseURL)/v1/applications", json: TestData.application(village: village), headers: ["X-Forwarded-For": neighbour])
            #expect(sameNetwork.status == 429)
        } catch {
            await first.stop(after: second, partitionsAlone: alone)
            throw error
        }
        await first.stop(after: second, partitionsAlone: alone)
    }

    @Test func membersAreShownMaskedWithTheirAgeNeverTheirBirthDate() async throws {
        try await withServices([IntakeService.definition]) { services in
            let intake = services["intake"]!.baseURL
            let village = TestData.villageCode()
            try await TestGrid.village(village)
            let idNumber = TestData.idNumber()
            let household = TestData.unique("M").replacingOccurrences(of: "-", with: "")
            var file = HouseholdFile()
            file.member(household: household, village: village, group: village + "001", name: "马德胜", idNumber: idNumber, relation: "户主")
            try await importHouseholds(file)
            let official = try await TestEnvironment.token(role: .village, region: village, user: "GM\(village)A")
            let read = try await HTTP.get("\(intake)/v1/households/\(household)", token: official)
            #expect(read.status == 200)
            let member = try #require((read.json["members"] as? [[String: Any]])?.first)
            #expect(member["idNumberMasked"] as? String == String(idNumber.prefix(6)) + "********" + String(idNumber.suffix(4)))
            #expect(member["birthDate"] == nil)
            let birthDigits = String(Array(idNumber)[6..<14])
            #expect(!read.text.contains(birthDigits) && !read.text.contains(HouseholdFile.birthDate(of: idNumber)))
            let age = try #require(member["age"] as? Int)
            let birthYear = Int(String(Array(idNumber)[6..<10]))!
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            #expect(age == year - birthYear || age == year - birthYear - 1)
        }
    }

    @Test func bombsAreRefusedAtUploadNamingTheLimit() async throws {
        try await withServices([IntakeService.definition]) { services in
            let intake = services["intake"]!.baseURL
            let filler = String(repeating: "<row/>", count: 8 << 20 / 6)
            let sheet = #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
                + filler + "</sheetData></worksheet>"
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("bomb-\(UUID().uuidString).xlsx")
            defer { try? FileManager.default.removeItem(at: url) }
            try XLSXWriter.writePackage(parts: XLSXWriter.packageParts(sheetXML: sheet), to: url)
            let bytes = try Data(contentsOf: url)
            let town = try await TestEnvironment.token(role: .town, region: "370115101")
            let household = try await HTTP.request(
                "POST", "\(intake)/v1/imports/households?fileName=bomb.xlsx", body: bytes,
                headers: ["Authorization": "Bearer \(town)", "Content-Type": "application/octet-stream"])
            #expect(household.status == 413)
            #expect(((household.json["error"] as? [String: Any])?["message"] as? String)?.contains("\(XLSXLimits.maximumCompressionRatio):1") == true)
            let district = try await TestEnvironment.token(role: .district, region: "370115")
            let grid = try await HTTP.request(
                "POST", "\(intake)/v1/grid/imports", body: bytes, headers: ["Authorization": "Bearer \(district)", "Content-Type": "application/octet-stream"])
            #expect(grid.status == 413)
        }
    }
}
