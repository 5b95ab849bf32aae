import Foundation
import LifelineAuth
import LifelineEvents
import LifelinePersistence
import Notification
import Testing

extension EndToEndTests {
    // Nested in EndToEndTests, whose serialization covers it: notification's consumer groups are shared
    // with the other end-to-end tests (docs/adr/0002).
    /// Notification against the real PostgreSQL, broker, gateway stand-in and SMTP server (aiosmtpd):
    /// who hears of an event, on which channel, once; retries and failures; quiet hours; e-mail; the
    /// inboxes' jurisdiction; templates edited by the district (docs/notification.md).
    @Suite struct NotificationDeliveryTests {
        static let town = "370115104"

        /// The stand-in's records for `address` (newest last).
        static func received(_ address: String, channel: String) async throws -> [[String: Any]] {
            let standin = try TestEnvironment.require("STANDIN_URL")
            let query = "channel=\(channel)&address=\(address.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
            return try await HTTP.get("\(standin)/received?\(query)").json["received"] as? [[String: Any]] ?? []
        }

        /// Tells the stand-in to fail the next `times` sends to `address` (-1: always).
        static func fail(_ address: String, status: Int = 503, times: Int) async throws {
            let standin = try TestEnvironment.require("STANDIN_URL")
            let result = try await HTTP.request("POST", "\(standin)/control", json: ["address": address, "status": status, "times": times])
            #expect(result.status == 200)
        }

        static func message(_ filter: String, in list: [[String: Any]]) -> [String: Any]? {
            list.first { "\($0["recipientKind"] ?? "")/\($0["channel"] ?? "")" == filter }
        }

        /// A quiet window around now in Beijing time: households' SMS are held, everything else goes.
        static func quietWindowAroundNow() -> String {
            let minute = (Int(Date().timeIntervalSince1970) + 8 * 3600) % 86_400 / 60
            func text(_ m: Int) -> String { String(format: "%02d:%02d", ((m % 1440) + 1440) % 1440 / 60, ((m % 1440) + 1440) % 1440 % 60) }
            return "\(text(minute - 60))-\(text(minute + 60))"
        }

        @Test func eachStepReachesItsPeopleOnceWithRetriesQuietHoursAndEMail() async throws {
            let village = TestData.villageCode(town: Self.town)
            let household = "H" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
            let (applicantPhone, memberPhone, stubbornPhone) = (TestData.phone(), TestData.phone(), TestData.phone())
            let (member, stubborn) = ("GM" + village + "01", "GM" + village + "02")
            let service = try await InProcessService.start(NotificationService.definition, overrides: [
                "NOTIFY_QUIET_HOURS": Self.quietWindowAroundNow(), "NOTIFY_RETRY_BASE_SECONDS": "0", "NOTIFY_MAX_ATTEMPTS": "3",
            ])
            do {
                let notification = service.baseURL
                let (villageToken, townToken, otherTown, district) = (
                    try await TestEnvironment.token(role: .village, region: village), try await TestEnvironment.token(role: .town, region: Self.town),
                    try await TestEnvironment.token(role: .town, region: "370115105"), try await TestEnvironment.token(role: .district))

                // The directory: the village with two grid members, the household in the register.
                try await Self.fail(stubbornPhone, times: -1)
                try await Self.fail(memberPhone, times: 2)
                try await OutsideSystem.publish([GridUnitRegistered(
                    code: village, level: .village, name: "通知村", parentCode: Self.town,
                    members: [.init(id: member, name: "王网格", duty: "专职网格员", phone: memberPhone),
                              .init(id: stubborn, name: "赵网格", duty: "网格长", phone: stubbornPhone)],
                    updatedAt: Date())], source: "/lifeline/intake")
                try await OutsideSystem.publish([HouseholdRegistered(
                    householdId: household, villageCode: village, householdGroupId: nil, provisional: false,
                    members: [.init(name: "李秀英", idNumber: TestData.idNumber(male: false), relation: "户主", phone: applicantPhone)], updatedAt: Date())],
                    source: "/lifeline/intake")
                _ = try await eventually("the directory has the village and the household", timeout: .seconds(90)) { () -> Bool? in
                    let units = try await TestDatabase.count(schema: "notification", "SELECT count(*) FROM grid_units WHERE code = \(village)")
                    let households = try await TestDatabase.count(schema: "notification", "SELECT count(*) FROM household_contacts WHERE household_id = \(household)")
                    return units == 1 && households == 1 ? true : nil
                }

                // A case opens: the household (SMS, held: quiet hours), the village's inbox, both grid members (SMS and inbox).
                let caseId = TestData.unique("AJ")
                let opened = CaseOpened(
                    caseId: caseId, householdId: household, villageCode: village, road: .selfApplication, applicationNumber: "SQ20261201009999",
                    leadId: nil, contact: ContactDetails(name: "李秀英", phone: applicantPhone), stage: .homeVerification, openedAt: Date(),
                    dueBy: Date().addingTimeInterval(7 * 86_400))
                let event = try opened.cloudEvent(source: "/lifeline/review")
                try await OutsideSystem.publish(cloudEvents: [(CaseOpened.topic.name, opened.partitionKey, event)])
                let messages = try await eventually("the case's messages settled", timeout: .seconds(90)) { () -> [[String: Any]]? in
                    let list = try await HTTP.get("\(notification)/v1/messages?caseId=\(caseId)", token: townToken).json["messages"] as? [[String: Any]] ?? []
                    let settled = list.filter { ["sent", "failed"].contains($0["status"] as? String ?? "") }.count
                    return list.count == 6 && settled == 2 ? list : nil
                }
                let householdSMS = try #require(Self.message("household/sms", in: messages))
                #expect(householdSMS["status"] as? String == "queued", "held by quiet hours: \(householdSMS)")
                #expect((householdSMS["recipient"] as? String) == MobileNumber.masked(applicantPhone))
                #expect((householdSMS["body"] as? String ?? "").hasPrefix("【济阳防返贫】李秀英您好"))
                #expect(Self.message("village/inbox", in: messages)?["status"] as? String == "delivered")
                let sms = messages.filter { $0["recipientKind"] as? String == "gridMember" && $0["channel"] as? String == "sms" }
                let retried = try #require(sms.first { $0["status"] as? String == "sent" })
                #expect(retried["attempts"] as? Int == 3, "failed twice, then sent: \(retried)")
                let failed = try #require(sms.first { $0["status"] as? String == "failed" })
                #expect(failed["attempts"] as? Int == 3 && failed["lastErrorCode"] as? String == "gateway_unavailable", "\(failed)")
                #expect((failed["lastError"] as? String ?? "").contains("503"))
                #expect(try await Self.received(memberPhone, channel: "sms").filter { $0["duplicate"] as? Bool == false }.count == 1)
                #expect(try await Self.received(applicantPhone, channel: "sms").isEmpty)

                // The same event again (a redelivery) sends nothing twice.
                try await OutsideSystem.publish(cloudEvents: [(CaseOpened.topic.name, opened.partitionKey, event)])
                try await Task.sleep(for: .seconds(3))
                #expect(try await TestDatabase.count(schema: "notification", "SELECT count(*) FROM messages WHERE event_id = \(event.id)") == 6)
                #expect(try await Self.received(memberPhone, channel: "sms").count == 1)

                // The audit trail on notification.messages, read by a client not ours: sent and failed.
                let audit = try await OutsideClient.consume(topic: "notification.messages", keys: [household], count: 11, seconds: 30)
                let types = audit.compactMap { ($0["headers"] as? [String: Any])?["ce_type"] as? String }
                #expect(types.contains("lifeline.notification.MessageSent.v1") && types.contains("lifeline.notification.MessageFailed.v1"), "\(types)")
                #expect(types.contains("lifeline.notification.MessageDelivered.v1"))

                // The gateway reports the retried SMS delivered.
                let report = try await HTTP.request(
                    "POST", "\(notification)/v1/delivery-reports", json: ["reports": [["messageId": retried["messageId"]!, "status": "delivered"]]],
                    headers: ["X-Report-Secret": try TestEnvironment.require("NOTIFY_REPORT_SECRET")])
                #expect(report.status == 200 && report.json["accepted"] as? Int == 1, "\(report.text)")
                // A report that overtakes its message's "sent" (here: the household's SMS, still held) is asked again.
                let early = try await HTTP.request(
                    "POST", "\(notification)/v1/delivery-reports", json: ["reports": [["messageId": householdSMS["messageId"]!, "status": "failed", "reason": "空号"]]],
                    headers: ["X-Report-Secret": try TestEnvironment.require("NOTIFY_REPORT_SECRET")])
                #expect(early.status == 503 && early.json["notYetSent"] as? Int == 1 && early.json["accepted"] as? Int == 0, "\(early.text)")
                let held = try await HTTP.get("\(notification)/v1/messages/\(householdSMS["messageId"]!)", token: villageToken)
                #expect(held.json["status"] as? String == "queued", "\(held.text)")
                // Quiet hours hold when sending, not only when a message falls due: the held SMS made due now
                // (as if due before the window, its lease run out on a stopped instance) waits again.
                let heldId = try #require(householdSMS["messageId"] as? String)
                try await TestDatabase.with(try TestEnvironment.database(schema: "notification")) { database in
                    _ = try await database.query("UPDATE messages SET next_attempt_at = now() WHERE id = \(heldId)").collect()
                }
                _ = try await eventually("the due SMS leased and held again", timeout: .seconds(30)) { () -> Bool? in
                    try await TestDatabase.count(schema: "notification", """
                        SELECT count(*) FROM messages WHERE id = \(heldId) AND status = 'queued' AND next_attempt_at > now() + interval '1 minute'
                        """) == 1 ? true : nil
                }
                #expect(try await Self.received(applicantPhone, channel: "sms").isEmpty)
                let forged = try await HTTP.request("POST", "\(notification)/v1/delivery-reports", json: ["reports": []], headers: ["X-Report-Secret": "guess"])
                #expect(forged.status == 401)
                let status = try await HTTP.get("\(notification)/v1/messages/\(retried["messageId"]!)", token: villageToken)
                #expect(status.json["status"] as? String == "delivered", "\(status.text)")

                // Inboxes: the village and its grid member see theirs; the town opens the village's; another town cannot.
                let inbox = try await HTTP.get("\(notification)/v1/inbox", token: villageToken)
                let entries = inbox.json["messages"] as? [[String: Any]] ?? []
                let entry = try #require(entries.first { $0["caseId"] as? String == caseId }, "\(inbox.text)")
                #expect((entry["body"] as? String ?? "").contains(caseId) && entry["read"] as? Bool == false)
                let unread = inbox.json["unread"] as? Int ?? 0
                #expect(try await HTTP.request("POST", "\(notification)/v1/inbox/\(entry["messageId"]!)/read", headers: ["Authorization": "Bearer \(villageToken)"]).status == 204)
                #expect(try await HTTP.get("\(notification)/v1/inbox/unread-count", token: villageToken).json["unread"] as? Int == unread - 1)
                let memberToken = try await TestEnvironment.token(role: .gridMember, region: village, user: member)
                let memberInbox = try await HTTP.get("\(notification)/v1/inbox", token: memberToken).json["messages"] as? [[String: Any]] ?? []
                #expect(memberInbox.contains { $0["caseId"] as? String == caseId })
                let townView = try await HTTP.get("\(notification)/v1/inbox?office=\(village)", token: townToken)
                #expect((townView.json["messages"] as? [[String: Any]] ?? []).contains { $0["caseId"] as? String == caseId })
                #expect(try await HTTP.get("\(notification)/v1/inbox?office=\(village)", token: otherTown).status == 403)
                #expect(try await HTTP.get("\(notification)/v1/messages/\(retried["messageId"]!)", token: otherTown).status == 404)
                let otherVillage = try await TestEnvironment.token(role: .village, region: TestData.villageCode(town: Self.town))
                #expect(!((try await HTTP.get("\(notification)/v1/inbox", token: otherVillage).json["messages"] as? [[String: Any]] ?? [])
                    .contains { $0["caseId"] as? String == caseId }))
                #expect(try await HTTP.request("POST", "\(notification)/v1/inbox/\(entry["messageId"]!)/read", headers: ["Authorization": "Bearer \(otherVillage)"]).status == 404)

                // The town gives an e-mail address; an objection reaches its inbox and its mailbox (aiosmtpd).
                let townMail = "duoshi-\(UUID().uuidString.prefix(6).lowercased())@jiyang.gov.cn"
                let put = try await HTTP.request("PUT", "\(notification)/v1/offices/\(Self.town)/email", json: ["email": townMail], headers: ["Authorization": "Bearer \(townToken)"])
                #expect(put.status == 200, "\(put.text)")
                #expect(try await HTTP.request("PUT", "\(notification)/v1/offices/\(Self.town)/email", json: ["email": townMail], headers: ["Authorization": "Bearer \(otherTown)"]).status == 403)
                #expect(try await HTTP.request("PUT", "\(notification)/v1/offices/\(Self.town)/email", json: ["email": "a b"], headers: ["Authorization": "Bearer \(townToken)"]).status == 400)
                try await OutsideSystem.publish([ObjectionLodged(caseId: caseId, householdId: household, villageCode: village, objectionNumber: 1, lodgedAt: Date())],
                                                source: "/lifeline/review")
                let mail = try await eventually("the town's e-mail", timeout: .seconds(60)) { () -> [String: Any]? in
                    try await Self.received(townMail, channel: "email").first
                }
                #expect(mail["subject"] as? String == "公示异议")
                #expect((mail["text"] as? String ?? "").contains("通知村案件\(caseId)公示期间收到第1条异议"), "\(mail)")

                // A household that applied from WeChat hears there; the decision's reason carries no ID number.
                let openId = "oWx" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(25)
                let idNumber = TestData.idNumber()
                try await OutsideSystem.publish([ApplicationSubmitted(
                    applicationNumber: "SQ20261201008888", householdId: household, householdIsProvisional: false, villageCode: village,
                    applicant: ContactDetails(name: "李秀英", phone: applicantPhone), householdSize: 3, difficulties: [.illness], statement: "住院",
                    submittedAt: Date(), wechatOpenId: openId)], source: "/lifeline/intake")
                let wechat = try await eventually("the WeChat message", timeout: .seconds(60)) { () -> [String: Any]? in
                    try await Self.received(openId, channel: "wechat").first
                }
                #expect((wechat["text"] as? String ?? "").contains("SQ20261201008888") && wechat["title"] as? String == "申请已收到")
                #expect(wechat["accessToken"] as? String == "standin-token")
                try await OutsideSystem.publish([CaseDecided(
                    caseId: caseId, householdId: household, villageCode: village, kind: .identification, outcome: .monitored, category: .suddenHardship,
                    reason: "核实\(idNumber)家庭医疗支出大", endedAt: .systemEntry, decidedAt: Date(), applicationNumbers: [], leads: [])],
                    source: "/lifeline/review")
                let decided = try await eventually("the decision's messages", timeout: .seconds(60)) { () -> [[String: Any]]? in
                    let list = try await HTTP.get("\(notification)/v1/messages?householdId=\(household)", token: townToken).json["messages"] as? [[String: Any]] ?? []
                    let found = list.filter { ($0["sourceEventType"] as? String ?? "").contains("CaseDecided") }
                    return found.count >= 4 ? found : nil
                }
                #expect(decided.allSatisfy { !($0["body"] as? String ?? "").contains(idNumber) })
                // The household now follows the account: its decision goes by WeChat, not SMS.
                #expect(Self.message("household/wechat", in: decided) != nil)
            } catch {
                await service.stop()
                throw error
            }
            await service.stop()
        }

        @Test func theDistrictEditsATemplateAndTheNextMessageUsesIt() async throws {
            // No template cache: the next message must use the new version at once.
            let service = try await InProcessService.start(NotificationService.definition, overrides: ["NOTIFY_TEMPLATE_CACHE_SECONDS": "0"])
            do {
                let notification = service.baseURL
                let district = try await TestEnvironment.token(role: .district)
                let town = try await TestEnvironment.token(role: .town, region: Self.town)
                let key = "ObjectionResolved.village"
                #expect(try await HTTP.get("\(notification)/v1/templates", token: town).status == 403)
                let listed = try await HTTP.get("\(notification)/v1/templates", token: district).json["templates"] as? [[String: Any]] ?? []
                #expect(listed.contains { $0["key"] as? String == key && ($0["fields"] as? [String] ?? []).contains("caseId") })
                let bad = try await HTTP.request(
                    "POST", "\(notification)/v1/templates/\(key)/versions", json: ["title": "异议", "body": "案件{caseId}，身份证{idNumber}"],
                    headers: ["Authorization": "Bearer \(district)"])
                #expect(bad.status == 400 && (bad.json["error"] as? [String: Any])?["field"] as? String == "body", "\(bad.text)")
                let marker = UUID().uuidString.prefix(6)
                let added = try await HTTP.request(
                    "POST", "\(notification)/v1/templates/\(key)/versions",
                    json: ["title": "异议处理结果", "body": "【\(marker)】案件{caseId}第{objectionNumber}条异议：{result}{?villageName}（{villageName}）{/villageName}。"],
                    headers: ["Authorization": "Bearer \(district)"])
                #expect(added.status == 201, "\(added.text)")
                let version = try #require(added.json["version"] as? Int)
                #expect(version >= 2)

                let village = TestData.villageCode(town: Self.town)
                let caseId = TestData.unique("AJ")
                try await OutsideSystem.publish([ObjectionResolved(
                    caseId: caseId, householdId: "H" + UUID().uuidString.prefix(8), villageCode: village, objectionNumber: 2, upheld: true, resolvedAt: Date())],
                    source: "/lifeline/review")
                let message = try await eventually("the resolved objection's message", timeout: .seconds(90)) { () -> [String: Any]? in
                    let list = try await HTTP.get("\(notification)/v1/messages?caseId=\(caseId)", token: town).json["messages"] as? [[String: Any]] ?? []
                    return list.first
                }
                let body = message["body"] as? String ?? ""
                #expect(body.hasPrefix("【\(marker)】案件\(caseId)第2条异议：异议成立") && body.hasSuffix("。"), "\(body)")
                #expect(message["templateVersion"] as? Int == version)
                let versions = try await HTTP.get("\(notification)/v1/templates/\(key)", token: district).json["versions"] as? [[String: Any]] ?? []
                #expect(versions.last?["version"] as? Int == 1 && versions.first?["version"] as? Int == version)
            } catch {
                await service.stop()
                throw error
            }
            await service.stop()
        }
    }
}
