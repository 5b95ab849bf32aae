import Foundation
import LifelineEvents
import LifelineRuntime
@testable import Notification
import Testing

/// Who hears of what, the templates, SMS wording, quiet hours and back-off, without the stack
/// (docs/notification.md).
@Suite struct NotificationRulesTests {
    static let village = "370115101301"
    static let household = "H00000000000000aa"
    static let idNumber = "370125198001011234"
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    /// One event of every type notification acts on, each with the notices it yields.
    static var cases: [(name: String, notices: [Notice])] {
        let contact = ContactDetails(name: "李秀英", phone: "13912345678")
        let origin = LeadOrigin(road: .petitionAndHotline, originId: "LD1")
        return [
            ("ApplicationSubmitted", AudienceRules.notices(ApplicationSubmitted(
                applicationNumber: "SQ20261201000001", householdId: household, householdIsProvisional: false, villageCode: village,
                applicant: contact, householdSize: 3, difficulties: [.illness], statement: "身份证\(idNumber)，丈夫住院", submittedAt: now))),
            ("ApplicationHeldForVerification", AudienceRules.notices(ApplicationHeldForVerification(
                applicationNumber: "SQ20261201000002", householdId: household, villageCode: village, reason: .nameMismatch, submittedAt: now))),
            ("GridLeadRaised", AudienceRules.notices(GridLeadRaised(
                leadId: "GL1", meetingId: "MT1", householdId: household, villageCode: village, observedRisks: [.illness, .lossOfWork],
                reason: "户主\(idNumber)住院", meetingDate: "2026-12-01", raisedAt: now))),
            ("RiskLeadRaised", AudienceRules.notices(RiskLeadRaised(
                leadId: "HL1", orderNumber: "12345-0001", channel: .hotline12345, villageCode: village, householdId: household,
                raisedAt: now, risks: [.illness]))),
            ("WarningRaised", AudienceRules.notices(WarningRaised(
                warningId: "WR1", householdId: household, villageCode: village, rules: ["medical"], evidence: ["r1"], severity: .high,
                risks: [.illness], summary: "成员\(idNumber)自付医疗费12万元", discoveredAt: now))),
            ("CaseOpened", AudienceRules.notices(CaseOpened(
                caseId: "AJ1", householdId: household, villageCode: village, road: .selfApplication, applicationNumber: "SQ20261201000001",
                leadId: nil, contact: contact, stage: .homeVerification, openedAt: now, dueBy: now.addingTimeInterval(7 * 86_400)))),
            ("LeadJoinedCase", AudienceRules.notices(LeadJoinedCase(
                caseId: "AJ1", householdId: household, villageCode: village, leadId: "LD1", origin: origin, applicationNumber: nil, contact: nil,
                risks: [.illness], discoveredAt: now, joinedAt: now, openedCase: false, stage: .homeVerification, dueBy: now))),
            ("CaseStageChanged", AudienceRules.notices(CaseStageChanged(
                caseId: "AJ1", householdId: household, villageCode: village, kind: .identification, from: .democraticAppraisal, to: .townReview,
                by: "u1", changedAt: now, dueBy: now))),
            ("ObjectionLodged", AudienceRules.notices(ObjectionLodged(caseId: "AJ1", householdId: household, villageCode: village, objectionNumber: 1, lodgedAt: now))),
            ("ObjectionResolved", AudienceRules.notices(ObjectionResolved(
                caseId: "AJ1", householdId: household, villageCode: village, objectionNumber: 1, upheld: false, resolvedAt: now))),
            ("CaseOverdue", AudienceRules.notices(CaseOverdue(caseId: "AJ1", householdId: household, villageCode: village, stage: .homeVerification, dueBy: now, overdue: true))),
            ("CaseDecided", AudienceRules.notices(CaseDecided(
                caseId: "AJ1", householdId: household, villageCode: village, kind: .identification, outcome: .monitored, category: .suddenHardship,
                reason: "经核实\(idNumber)家庭医疗支出大", endedAt: .systemEntry, decidedAt: now, applicationNumbers: [], leads: [origin]))),
            ("MonitoringStarted", AudienceRules.notices(MonitoringStarted(
                householdId: household, villageCode: village, caseId: "AJ1", category: .suddenHardship, risks: [.illness], people: 3, startedOn: "2026-12-01"))),
            ("RiskEliminated", AudienceRules.notices(RiskEliminated(
                householdId: household, villageCode: village, caseId: "AJ1", category: .suddenHardship, eliminatedOn: "2027-06-30"))),
            ("ClaimFiled", AudienceRules.notices(ClaimFiled(
                claimId: "LP20261201000001", householdId: household, villageCode: village, line: .medical, lossKind: "hospitalization",
                incidentDate: "2026-11-20", lossFen: 12_345_600, otherPaymentsFen: 0, coverage: "monitored", filedAt: now))),
            ("ClaimApproved", AudienceRules.notices(ClaimApproved(
                claimId: "LP20261201000001", householdId: household, villageCode: village, line: .medical, payoutFen: 500_050, breakdown: [], approvedAt: now))),
            ("ClaimPaid", AudienceRules.notices(ClaimPaid(
                claimId: "LP20261201000001", householdId: household, villageCode: village, line: .medical, paidFen: 500_050, paymentReference: "P1", paidAt: now))),
            ("ClaimRejected", AudienceRules.notices(ClaimRejected(
                claimId: "LP20261201000001", householdId: household, villageCode: village, line: .medical, reasonCode: "notCovered",
                reason: "出险时未在监测期内（\(idNumber)）", releasedFen: 0, rejectedAt: now))),
            ("FundThresholdReached", AudienceRules.notices(FundThresholdReached(
                year: 2026, thresholdBasisPoints: 8000, fundFen: 1_000_000_000, committedFen: 800_000_000, remainingFen: 200_000_000, reachedAt: now))),
        ]
    }

    @Test func everyEventTypeIsEitherNotifiedOrSilentForAReason() {
        let notifier = Notifier(enqueue: { _, _ in }, rememberApplicants: { _, _ in })
        let handled = Set(notifier.handlers().eventTypes)
        let silent = Set(AudienceRules.silent.keys)
        let all = Set(EventCatalog.all.map { $0.eventType })
        #expect(handled.isDisjoint(with: silent))
        #expect(handled.union(silent) == all, "missing: \(all.subtracting(handled.union(silent)).sorted())")
        // Every handled type has a case here.
        let covered = Self.cases.map(\.name)
        #expect(handled.allSatisfy { type in covered.contains { type.contains(".\($0).") } })
    }

    @Test func audiencesFollowRolesAndJurisdiction() {
        let audiences = Dictionary(uniqueKeysWithValues: Self.cases.map { ($0.name, $0.notices.map(\.audience.rawValue).sorted()) })
        #expect(audiences["ApplicationSubmitted"] == ["household"])
        #expect(audiences["ApplicationHeldForVerification"] == ["village"])  // never the applicant: it may be an impostor
        #expect(audiences["GridLeadRaised"] == ["town"])
        #expect(audiences["RiskLeadRaised"] == ["town"])
        #expect(audiences["WarningRaised"] == ["town"])
        #expect(audiences["CaseOpened"] == ["gridMember", "household", "village"])
        #expect(audiences["LeadJoinedCase"] == ["village"])
        #expect(audiences["CaseStageChanged"] == ["town"])  // town review is the town's step
        #expect(audiences["ObjectionLodged"] == ["town", "village"])
        #expect(audiences["ObjectionResolved"] == ["village"])
        #expect(audiences["CaseOverdue"] == ["town", "village"])
        #expect(audiences["CaseDecided"] == ["gridMember", "household", "village"])
        #expect(audiences["MonitoringStarted"] == ["gridMember", "village"])
        #expect(audiences["RiskEliminated"] == ["household", "village"])
        #expect(audiences["ClaimFiled"] == ["household", "insurer"])
        #expect(audiences["ClaimApproved"] == ["household", "town"])
        #expect(audiences["ClaimPaid"] == ["household", "town"])
        #expect(audiences["ClaimRejected"] == ["household", "town"])
        #expect(audiences["FundThresholdReached"] == ["district", "insurer"])

        // A hotline lead without a village goes to the district; a stage goes to the office that works it.
        let unplaced = AudienceRules.notices(RiskLeadRaised(
            leadId: "HL2", orderNumber: "12345-0002", channel: .hotline12345, villageCode: nil, householdId: nil, raisedAt: Self.now))
        #expect(unplaced.map(\.audience) == [.district])
        #expect(AudienceRules.owner(of: .homeVerification) == .village)
        #expect(AudienceRules.owner(of: .systemEntry) == .district)
        #expect(AudienceRules.owner(of: .decided) == nil)
        // A lead that opened its case is told by CaseOpened, not again.
        let opened = AudienceRules.notices(LeadJoinedCase(
            caseId: "AJ1", householdId: Self.household, villageCode: Self.village, leadId: "LD1", origin: LeadOrigin(road: .petitionAndHotline, originId: "LD1"),
            applicationNumber: nil, contact: nil, risks: [], discoveredAt: Self.now, joinedAt: Self.now, openedCase: true, stage: .homeVerification,
            dueBy: Self.now))
        #expect(opened.isEmpty)
        // A case opened without an applicant tells no household.
        let noContact = AudienceRules.notices(CaseOpened(
            caseId: "AJ2", householdId: Self.household, villageCode: Self.village, road: .gridReport, applicationNumber: nil, leadId: "GL1", contact: nil,
            stage: .homeVerification, openedAt: Self.now, dueBy: Self.now))
        #expect(!noContact.contains { $0.audience == .household })
    }

    @Test func everyNoticeRendersWithItsTemplateAndCarriesNoIdNumber() throws {
        for (name, notices) in Self.cases {
            for notice in notices {
                let entry = try #require(TemplateCatalog.entries[notice.template], "no template \(notice.template)")
                // The keys' declared fields are the ones the rules give.
                #expect(entry.always.isSubset(of: Set(notice.fields.keys)), "\(notice.template) lacks \(entry.always.subtracting(notice.fields.keys))")
                #expect(Set(notice.fields.keys).isSubset(of: entry.always.union(entry.sometimes)), "\(notice.template) gives undeclared fields")
                let template = try TemplateCatalog.check(entry.body, for: notice.template)
                let text = try template.render(notice.fields.merging(["villageName": "张家村", "townName": "垛石镇"]) { a, _ in a })
                let sms = SMSText.signed(text, signature: "济阳防返贫")
                #expect(!sms.contains(Self.idNumber), "\(name): \(sms)")
                #expect(!Self.hasLongDigitRun(sms), "\(name): \(sms)")
                #expect(!sms.contains("{") && !sms.contains("}"), "\(name): \(sms)")
            }
        }
    }

    static func hasLongDigitRun(_ text: String) -> Bool {
        var run = 0
        for character in text {
            run = character.isASCII && character.isNumber ? run + 1 : 0
            if run >= 15 { return true }
        }
        return false
    }

    @Test func optionalSectionsAppearOnlyWithTheirFields() throws {
        let template = try MessageTemplate(try #require(TemplateCatalog.entries["CaseDecided.household"]).body)
        let full = try template.render(["caseId": "AJ1", "kind": "识别", "outcome": "纳入监测", "category": "突发严重困难户", "reason": "医疗支出大"])
        #expect(full == "您家的识别结果：纳入监测（突发严重困难户）。说明：医疗支出大。如有疑问请联系村委会。")
        let bare = try template.render(["caseId": "AJ1", "kind": "识别", "outcome": "不纳入监测"])
        #expect(bare == "您家的识别结果：不纳入监测。如有疑问请联系村委会。")
        // A required field without a value is an error, not an empty gap.
        #expect(throws: TemplateError.self) { try template.render(["caseId": "AJ1", "kind": "识别"]) }
    }

    @Test func newTemplateVersionsAreCheckedBeforeUse() throws {
        #expect(try TemplateCatalog.check("案件{caseId}已进入{stage}环节。", for: "CaseStageChanged.town").fields == ["caseId": true, "stage": true])
        let problems: [(String, String)] = [
            ("案件{caseId", "没有闭合"),
            ("案件{caseId}}", "没有对应"),
            ("{?reason}说明{reason}", "没有以"),
            ("{idNumber}", "不是这个模板的字段"),
            ("说明：{reason}", "可选段"),
            ("{?reason}说明{/category}", "没有对应"),
        ]
        for (text, reason) in problems {
            let key = text.contains("reason") ? "CaseDecided.household" : "CaseStageChanged.town"
            #expect(throws: TemplateError.self, "\(text)") { _ = try TemplateCatalog.check(text, for: key) }
            do { _ = try TemplateCatalog.check(text, for: key) } catch { #expect(error.description.contains(reason), "\(text): \(error)") }
        }
    }

    @Test func smsCarriesTheSignatureAndSplitsAtSeventyCharacters() {
        let signed = SMSText.signed(String(repeating: "困", count: 150), signature: "济阳防返贫")
        #expect(signed.hasPrefix("【济阳防返贫】"))
        let segments = SMSText.segments(signed)
        #expect(segments.map(\.count) == [70, 70, 17])
        #expect(segments.joined() == signed)
        #expect(SMSText.segments("短").count == 1)
        #expect(SMSText.segments(String(repeating: "字", count: 70)).count == 1)
    }

    /// Beijing time `hh:mm` on 2026-12-01.
    static func beijing(_ hour: Int, _ minute: Int, day: Int = 1) -> Date {
        var components = DateComponents(year: 2026, month: 12, day: day, hour: hour, minute: minute)
        components.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        return Calendar(identifier: .gregorian).date(from: components)!
    }

    @Test func quietHoursHoldHouseholdsSMSUntilMorning() throws {
        let quiet = try #require(QuietHours(parsing: "22:00-07:00"))
        #expect(quiet.nextAllowed(after: Self.beijing(12, 0)) == Self.beijing(12, 0))
        #expect(quiet.nextAllowed(after: Self.beijing(21, 59)) == Self.beijing(21, 59))
        #expect(quiet.nextAllowed(after: Self.beijing(22, 0)) == Self.beijing(7, 0, day: 2))
        #expect(quiet.nextAllowed(after: Self.beijing(23, 30).addingTimeInterval(17)) == Self.beijing(7, 0, day: 2))
        #expect(quiet.nextAllowed(after: Self.beijing(6, 59)) == Self.beijing(7, 0))
        #expect(quiet.nextAllowed(after: Self.beijing(7, 0)) == Self.beijing(7, 0))
        let lunch = try #require(QuietHours(parsing: "12:00-13:30"))
        #expect(lunch.nextAllowed(after: Self.beijing(12, 10)) == Self.beijing(13, 30))
        #expect(lunch.nextAllowed(after: Self.beijing(13, 30)) == Self.beijing(13, 30))
        for bad in ["22:00", "25:00-07:00", "22:00-22:00", "7-8", "22:0-07:00"] { #expect(QuietHours(parsing: bad) == nil, "\(bad)") }
    }

    @Test func backOffGrowsWithJitterAndIsCapped() {
        for attempt in 1...40 {
            let exponential = 30 * pow(2, Double(min(30, attempt - 1)))
            for _ in 0..<20 {
                let wait = Dispatcher.backoff(attempt: attempt, base: 30)
                #expect(wait >= min(3600, exponential * 0.5) && wait < min(3600, exponential * 1.5) + 0.001, "\(attempt): \(wait)")
            }
        }
        #expect(Set((0..<20).map { _ in Dispatcher.backoff(attempt: 3, base: 30) }).count > 1)  // jitter
        #expect(Dispatcher.backoff(attempt: 12, base: 30) == 3600)  // the cap, jitter or not
    }

    @Test func wordingMasksWhatLooksLikeAnIdNumberOrAccount() {
        #expect(Wording.safe("户主\(Self.idNumber)住院") == "户主******************住院")
        #expect(Wording.safe("电话13912345678") == "电话***********")
        #expect(Wording.safe("自付12万元") == "自付12万元")
        #expect(Wording.safe("  ") == "未注明")
        #expect(Wording.yuan(500_050) == "5,000.50元")
        #expect(Wording.yuan(7) == "0.07元")
        #expect(Wording.date(Self.beijing(23, 30)) == "2026年12月1日")
        #expect(Wording.day("2026-03-05") == "2026年3月5日")
    }

    @Test func eMailIsBase64UTF8WithAnEncodedSubject() throws {
        let document = SMTPMailer.document(
            OutgoingMessage(id: "MSG1", address: "duoshi@jiyang.gov.cn", title: "公示异议", body: "案件AJ1收到异议。\n.开头的行", templateKey: "k", attempt: 1),
            from: "lifeline@jiyang.gov.cn", date: Self.now)
        #expect(document.contains("Subject: =?UTF-8?B?\(Data("公示异议".utf8).base64EncodedString())?="))
        #expect(document.contains("To: <duoshi@jiyang.gov.cn>"))
        #expect(document.contains("Message-ID: <MSG1@jiyang.gov.cn>"))
        let body = try #require(document.components(separatedBy: "\r\n\r\n").last)
        #expect(String(decoding: try #require(Data(base64Encoded: body, options: .ignoreUnknownCharacters)), as: UTF8.self) == "案件AJ1收到异议。\n.开头的行")
        #expect(!document.split(separator: "\r\n").contains { $0.hasPrefix(".") })
    }

    @Test func settingsAreCheckedWithTheVariableNamed() {
        func problem(_ environment: [String: String]) -> String? {
            do {
                _ = try NotificationSettings(settings: ConfigReader(environment: environment))
                return nil
            } catch let error as ConfigurationError {
                return error.variable
            } catch {
                return "\(error)"
            }
        }
        #expect(problem([:]) == nil)
        #expect(problem(["NOTIFY_QUIET_HOURS": "night"]) == "NOTIFY_QUIET_HOURS")
        #expect(problem(["NOTIFY_SMS_URL": "gateway"]) == "NOTIFY_SMS_URL")
        #expect(problem(["NOTIFY_SMS_SIGNATURE": "【济阳】"]) == "NOTIFY_SMS_SIGNATURE")
        #expect(problem(["NOTIFY_INSURER_EMAIL": "not an address"]) == "NOTIFY_INSURER_EMAIL")
        #expect(problem(["NOTIFY_MAX_ATTEMPTS": "0"]) == "NOTIFY_MAX_ATTEMPTS")
    }
}
