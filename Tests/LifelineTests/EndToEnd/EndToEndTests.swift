import DepartmentScreening
import Foundation
import Hotline
import Insurance
import Intake
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import LifelineRuntime
import Logging
import Notification
import Review
import Testing

/// Whole flows through real services, Kafka and PostgreSQL. Serialized: the services' consumer groups
/// are shared, so only one test at a time runs them.
@Suite(.serialized, .tags(.integration, .endToEnd), .timeLimit(.minutes(3))) struct EndToEndTests {
    static let allServices = [
        IntakeService.definition, DepartmentScreeningService.definition, HotlineService.definition,
        ReviewService.definition, InsuranceService.definition, NotificationService.definition,
    ]

    func withServices<T>(
        _ definitions: [ServiceDefinition], overrides: [String: [String: String]] = [:], _ body: ([String: InProcessService]) async throws -> T
    ) async throws -> T {
        var running: [String: InProcessService] = [:]
        do {
            for definition in definitions {
                running[definition.name] = try await InProcessService.start(definition, overrides: overrides[definition.name] ?? [:])
            }
            let result = try await body(running)
            for service in running.values { await service.stop() }
            return result
        } catch {
            for service in running.values { await service.stop() }
            throw error
        }
    }

    func submit(_ intake: String, _ application: [String: Any], key: String? = nil) async throws -> HTTPResult {
        if let village = application["villageCode"] as? String, village.count == 12 { try await TestGrid.village(village) }
        return try await HTTP.request("POST", "\(intake)/v1/applications", json: application, headers: key.map { ["Idempotency-Key": $0] } ?? [:])
    }

    @Test func aSelfApplicationCrossesEveryHop() async throws {
        try await withServices(Self.allServices) { services in
            let intake = services["intake"]!.baseURL
            let phone = TestData.phone()
            let village = TestData.villageCode()
            let application = TestData.application(village: village, phone: phone)
            let created = try await submit(intake, application, key: TestData.unique("tap"))
            #expect(created.status == 201)
            let number = try #require(created.json["applicationNumber"] as? String)
            #expect(number.hasPrefix("SQ") && number.count == 18)

            // A second tap and a retry without a key both find the same application.
            let again = try await submit(intake, application)
            #expect(again.status == 200)
            #expect(again.json["applicationNumber"] as? String == number)
            #expect(again.json["duplicate"] as? Bool == true)

            // Someone else with the same ID number but another phone learns nothing about it: their
            // application is answered like any other and held for the village (IntakeSecurityTests).
            var impostor = application
            impostor["phone"] = TestData.phone()
            let held = try await submit(intake, impostor)
            #expect(held.status == 201 && held.json["duplicate"] as? Bool == false)
            #expect(!held.text.contains(number))

            // intake learns from review's event that the case is open.
            let progress = try await eventually("application under review") { () -> [String: Any]? in
                let result = try await HTTP.get("\(intake)/v1/applications/\(number)?phoneLast4=\(phone.suffix(4))")
                return result.json["status"] as? String == "under_review" ? result.json : nil
            }
            let stages = (progress["timeline"] as? [[String: Any]])?.compactMap { $0["stage"] as? String }
            #expect(stages == ["submitted", "homeVerification"])
            let text = String(describing: progress)
            #expect(!text.contains(phone) && !text.contains(application["idNumber"] as! String))

            // Nothing is shown without the right phone digits, and it looks like "not found".
            let wrong = String(phone.suffix(4)) == "0000" ? "1111" : "0000"
            #expect(try await HTTP.get("\(intake)/v1/applications/\(number)?phoneLast4=\(wrong)").status == 404)
            #expect(try await HTTP.get("\(intake)/v1/applications/\(number)").status == 400)

            // review: one case, visible to the town of that village.
            let townToken = try await TestEnvironment.token(role: .town, region: "370115101")
            let cases = try await HTTP.get("\(services["review"]!.baseURL)/v1/cases?villageCode=\(village)", token: townToken)
            let caseList = try #require(cases.json["cases"] as? [[String: Any]])
            #expect(caseList.count == 1)
            let caseId = try #require(caseList.first?["caseId"] as? String)
            #expect(caseList.first?["applicationNumber"] as? String == number)
            #expect(caseList.first?["contactPhoneMasked"] as? String == MobileNumber.masked(phone))

            // notification: the case's messages for the applicant (SMS) and the village (inbox), the
            // applicant's phone masked.
            let messages = try await eventually("the household's and the village's messages") { () -> [[String: Any]]? in
                let result = try await HTTP.get("\(services["notification"]!.baseURL)/v1/messages?caseId=\(caseId)", token: townToken)
                let list = result.json["messages"] as? [[String: Any]] ?? []
                return Set(list.compactMap { $0["recipientKind"] as? String }).isSuperset(of: ["household", "village"]) ? list : nil
            }
            #expect(messages.contains { $0["recipientKind"] as? String == "household" && $0["channel"] as? String == "sms" })
            #expect(messages.contains { $0["recipientKind"] as? String == "village" && $0["status"] as? String == "delivered" })
            #expect(messages.allSatisfy { !String(describing: $0).contains(phone) })

            // department screening keeps its own copy of the registry from intake.households.
            let departmentToken = try await TestEnvironment.token(role: .department)
            _ = try await eventually("registry replica has households") { () -> Bool? in
                let summary = try await HTTP.get("\(services["department-screening"]!.baseURL)/v1/registry/summary", token: departmentToken)
                return (summary.json["households"] as? Int ?? 0) >= 1 ? true : nil
            }
            // insurance: 2026's fund of 2,000,000 yuan is there, in fen, and its balance is never negative.
            let fund = try await HTTP.get("\(services["insurance"]!.baseURL)/v1/fund?year=2026", token: try await TestEnvironment.token(role: .insurer))
            #expect(fund.json["fundFen"] as? Int == 200_000_000 && (fund.json["remainingFen"] as? Int ?? -1) >= 0)
            #expect((fund.json["lines"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                == ["医疗商业补充保险", "人身意外险", "家庭财产险", "产业扶贫险"])

            // The correlation id of the application travels to the case.
            let submittedEvents = try await KafkaProbe.collect(topic: EventTopic.intakeApplications.name) { messages in
                messages.contains { $0.headers.text(for: "ce_subject") == number }
            }
            let submitted = try #require(submittedEvents.first { $0.headers.text(for: "ce_subject") == number })
            let opened = try await KafkaProbe.collect(topic: EventTopic.reviewCases.name) { messages in
                messages.contains { $0.headers.text(for: "ce_subject") == caseId }
            }
            let caseEvent = try #require(opened.first { $0.headers.text(for: "ce_subject") == caseId })
            #expect(caseEvent.headers.text(for: "ce_correlationid") == submitted.headers.text(for: "ce_correlationid"))
            #expect(caseEvent.keyText == submitted.keyText)
        }
    }

    @Test func badApplicationsGetFieldErrorsAndLoseNothing() async throws {
        try await withServices([IntakeService.definition]) { services in
            let intake = services["intake"]!.baseURL
            var bad = TestData.application()
            bad["phone"] = "12"
            let rejected = try await submit(intake, bad)
            #expect(rejected.status == 400)
            let error = try #require(rejected.json["error"] as? [String: Any])
            #expect(error["code"] as? String == "validation_failed")
            #expect((error["details"] as? [[String: Any]])?.first?["field"] as? String == "phone")
            let malformed = try await HTTP.request("POST", "\(intake)/v1/applications", body: Data("{not json".utf8))
            #expect(malformed.status == 400)
            let huge = try await HTTP.request("POST", "\(intake)/v1/applications", body: Data(repeating: 0x20, count: 400_000))
            #expect(huge.status == 413)
            #expect(try await submit(intake, TestData.application()).status == 201)
        }
    }

    @Test func protectedEndpointsCheckTokenRoleAndJurisdiction() async throws {
        try await withServices([ReviewService.definition]) { services in
            let url = "\(services["review"]!.baseURL)/v1/cases?villageCode=370115101201"
            #expect(try await HTTP.get(url).status == 401)
            #expect(try await HTTP.get(url, token: "not.a.token").status == 401)
            let foreign = try await TokenKeys.signing(privateKeyPEM: TokenKeys.generateKeyPair().privateKeyPEM)
                .issue(LifelineClaims(user: "x", role: .district, region: "370115"))
            #expect(try await HTTP.get(url, token: foreign).status == 401)
            #expect(try await HTTP.get(url, token: try await TestEnvironment.token(role: .town, region: "370115103")).status == 403)
            #expect(try await HTTP.get(url, token: try await TestEnvironment.token(role: .insurer)).status == 403)
            #expect(try await HTTP.get(url, token: try await TestEnvironment.token(role: .district)).status == 200)
            let ready = try await HTTP.get("\(services["review"]!.baseURL)/health/ready")
            #expect(ready.json["status"] as? String == "ready")
            let metrics = try await HTTP.get("\(services["review"]!.baseURL)/metrics")
            #expect(metrics.text.contains("lifeline_outbox_backlog"))
        }
    }

    @Test func hotlineWorkOrdersBecomeLeadsAndOnlyWhatIsNoWorkOrderIsDeadLettered() async throws {
        try await withServices([HotlineService.definition, ReviewService.definition, NotificationService.definition]) { services in
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: Logger(label: "12345"))
            let village = TestData.villageCode()
            let orderNumber = TestData.unique("12345")
            func push(_ order: WorkOrderPushed) async throws {
                let event = try order.cloudEvent(source: "/gov/jinan/12345")
                let value = try CloudEventKafkaBinding.encodeStructured(event)
                try await producer.send(KafkaRecord(
                    topic: EventTopic.hotlineInbound.name, key: order.partitionKey, value: value,
                    headers: [KafkaHeader(key: "content-type", text: CloudEventKafkaBinding.structuredContentType)]))
            }
            try await push(WorkOrderPushed(
                orderNumber: orderNumber, channel: .hotline12345, villageCode: village, householdId: nil,
                summary: "群众反映邻居家中老人重病无人照料", receivedAt: Date()))
            // An order whose village code is not one is kept (its village found from the address, or
            // triaged); only a message that is not a work order is dead-lettered.
            let looseOrder = TestData.unique("12317-loose")
            try await push(WorkOrderPushed(
                orderNumber: looseOrder, channel: .hotline12317, villageCode: "济阳", householdId: nil, summary: "来电人反映家中困难", receivedAt: Date()))
            let badOrder = TestData.unique("12345-bad")
            let notAnOrder = CloudEvent(
                id: badOrder, source: "/gov/jinan/12345", type: WorkOrderPushed.eventType, time: Date(),
                data: Array(#"{"orderNumber":"\#(badOrder)","channel":"hotline12345"}"#.utf8))
            try await producer.send(KafkaRecord(
                topic: EventTopic.hotlineInbound.name, key: badOrder, value: try CloudEventKafkaBinding.encodeStructured(notAnOrder),
                headers: [KafkaHeader(key: "content-type", text: CloudEventKafkaBinding.structuredContentType)]))
            await producer.shutdown()

            // The order names no household: it waits on the town's triage list, and no case opens before
            // the town assigns it (ReviewLeadTests).
            let token = try await TestEnvironment.token(role: .district)
            let townToken = try await TestEnvironment.token(role: .town, region: "370115101")
            let triage = try await eventually("lead on the town's triage list") { () -> [String: Any]? in
                let result = try await HTTP.get("\(services["review"]!.baseURL)/v1/leads/triage", token: townToken)
                return (result.json["leads"] as? [[String: Any]] ?? []).first { ($0["summary"] as? String)?.contains(orderNumber) == true }
            }
            #expect(triage["road"] as? String == "petitionAndHotline" && triage["villageCode"] as? String == village)
            #expect((try await HTTP.get("\(services["review"]!.baseURL)/v1/cases?villageCode=\(village)", token: token).json["cases"] as? [[String: Any]])?.isEmpty == true)

            let order = try await HTTP.get("\(services["hotline"]!.baseURL)/v1/work-orders/\(orderNumber)", token: try await TestEnvironment.token(role: .hotlineOperator))
            #expect(order.status == 200)
            let dead = try await KafkaProbe.collect(topic: "hotline.work-order-intake.deadletter") { messages in
                messages.contains { String(decoding: $0.value, as: UTF8.self).contains(badOrder) }
            }
            let letter = try #require(dead.first { String(decoding: $0.value, as: UTF8.self).contains(badOrder) })
            #expect(letter.headers.text(for: "dlq_error_code")?.hasPrefix("contract.") == true, "\(letter.headers)")
            #expect(try await HTTP.get("\(services["hotline"]!.baseURL)/v1/work-orders/\(badOrder)", token: token).status == 404)
            let loose = try await HTTP.get("\(services["hotline"]!.baseURL)/v1/work-orders/\(looseOrder)", token: token)
            #expect(loose.status == 200 && loose.json["villageCode"] == nil && loose.json["resolvedBy"] as? String == "none", "\(loose.text)")
            #expect(try await HTTP.get("\(services["hotline"]!.baseURL)/v1/work-orders/\(looseOrder)", token: townToken).status == 403)
        }
    }

    /// The review consumer is a real process killed (exit 86) right after its transaction committed and
    /// before its offset was stored; the restarted process gets the message again and changes nothing.
    @Test func aConsumerKilledBeforeItsOffsetCommitChangesNothingOnRedelivery() async throws {
        try await withServices([IntakeService.definition, NotificationService.definition]) { services in
            let crashing = try ServiceProcess.start(
                "lifeline-review", environment: ["LIFELINE_FAULT_CRASH_AFTER_COMMIT": ApplicationSubmitted.eventType])
            try await crashing.waitUntilReady()
            let phone = TestData.phone()
            let created = try await submit(services["intake"]!.baseURL, TestData.application(phone: phone))
            let number = try #require(created.json["applicationNumber"] as? String)
            let status = try await crashing.waitForExit()
            #expect(status == 86, "review should have crashed after committing: \(crashing.log.suffix(2000))")
            #expect(try await TestDatabase.count(schema: "review", "SELECT count(*) FROM leads WHERE application_number = \(number) AND case_id IS NOT NULL") == 1)

            let restarted = try ServiceProcess.start("lifeline-review")
            do {
                try await checkRedeliveryChangedNothing(restarted: restarted, number: number, phone: phone, intake: services["intake"]!.baseURL)
            } catch {
                await restarted.terminate()
                throw error
            }
            await restarted.terminate()
        }
    }

    private func checkRedeliveryChangedNothing(restarted: ServiceProcess, number: String, phone: String, intake: String) async throws {
        do {
            try await restarted.waitUntilReady()
            _ = try await eventually("the redelivered event was recognised as a duplicate") { () -> Bool? in
                let metrics = try await HTTP.get("\(restarted.baseURL)/metrics").text
                return Self.counter("lifeline_events_duplicate_total", group: "review.case-opener", in: metrics) >= 1 ? true : nil
            }
            #expect(try await TestDatabase.count(schema: "review", "SELECT count(*) FROM leads WHERE application_number = \(number) AND case_id IS NOT NULL") == 1)
            let caseId = try await TestDatabase.with(try TestEnvironment.database(schema: "review")) { database -> String in
                for try await id in try await database.query("SELECT case_id FROM leads WHERE application_number = \(number)").decode(String.self) { return id }
                return ""
            }
            _ = try await eventually("intake shows the case") { () -> Bool? in
                let result = try await HTTP.get("\(intake)/v1/applications/\(number)?phoneLast4=\(phone.suffix(4))")
                return result.json["status"] as? String == "under_review" ? true : nil
            }
            let messageCount = { try await TestDatabase.count(schema: "notification", "SELECT count(*) FROM messages WHERE case_id = \(caseId)") }
            // The household's SMS and the village's inbox at least (and the grid members', when the grid has them).
            let recorded = try await eventually("messages recorded") { () -> Int? in
                let count = try await messageCount()
                return count >= 2 ? count : nil
            }
            try await Task.sleep(for: .seconds(2))
            #expect(try await messageCount() == recorded)
        }
    }

    /// The value of a Prometheus counter with a `group` label (0 when absent).
    static func counter(_ name: String, group: String, in text: String) -> Double {
        text.split(separator: "\n")
            .filter { $0.hasPrefix(name) && $0.contains("group=\"\(group)\"") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }
}
