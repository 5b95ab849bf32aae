import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import Logging

/// Publishes events as an outside system or a service not under test would (department screening's
/// warnings and comparison answers, intake's registry and grid leads), in binary mode.
enum OutsideSystem {
    static func publish<Event: DomainEvent>(_ events: [Event], source: String) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: Logger(label: "outside"))
        for event in events {
            try await producer.send(KafkaRecord(topic: Event.topic.name, key: event.partitionKey, event: try event.cloudEvent(source: source)))
        }
        await producer.shutdown()
    }

    /// Publishes events as they are, ids included (a redelivery publishes the same id again).
    static func publish(cloudEvents: [(topic: String, key: String, event: CloudEvent)]) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: Logger(label: "outside"))
        for (topic, key, event) in cloudEvents {
            try await producer.send(KafkaRecord(topic: topic, key: key, event: event))
        }
        await producer.shutdown()
    }
}

/// Takes review cases through their steps over HTTP, as the village, town and district would.
struct ReviewDriver {
    let review: String
    let village: String

    var town: String { String(village.prefix(9)) }

    func token(_ role: Role) async throws -> String {
        switch role {
        case .village, .gridMember: try await TestEnvironment.token(role: role, region: village)
        case .town: try await TestEnvironment.token(role: .town, region: town)
        default: try await TestEnvironment.token(role: role, region: "370115")
        }
    }

    func post(_ path: String, _ body: [String: Any], as role: Role) async throws -> HTTPResult {
        try await HTTP.request("POST", "\(review)\(path)", json: body, headers: ["Authorization": "Bearer \(try await token(role))"])
    }

    func get(_ path: String, as role: Role = .district) async throws -> HTTPResult {
        try await HTTP.get("\(review)\(path)", token: try await token(role))
    }

    /// The open case of `household`, once review has one.
    func openCase(of household: String) async throws -> [String: Any] {
        try await eventually("a case for \(household)") { () -> [String: Any]? in
            let list = try await get("/v1/cases?villageCode=\(village)&open=true").json["cases"] as? [[String: Any]] ?? []
            return list.first { $0["householdId"] as? String == household }
        }
    }

    func detail(_ caseId: String) async throws -> [String: Any] {
        try await get("/v1/cases/\(caseId)").json
    }

    func stage(_ caseId: String) async throws -> String? {
        (try await detail(caseId)["case"] as? [String: Any])?["stage"] as? String
    }

    static func homeVisit(wagesYuan: Int64, medicalYuan: Int64 = 0, people: Int, transferYuan: Int64 = 0, risks: [String] = ["illness"]) -> [String: Any] {
        [
            "visitDate": BeijingToday.text, "visitors": ["王建国", "李春花"], "membersPresent": people, "people": people,
            "incomeItems": [["kind": "wages", "amountFen": wagesYuan * 100], ["kind": "transfer", "amountFen": transferYuan * 100]],
            "rigidExpenses": medicalYuan > 0 ? [["kind": "medical", "amountFen": medicalYuan * 100]] : [],
            "risks": risks,
            "checklist": [
                "food": true, "clothing": true, "compulsorySchooling": true, "basicMedical": true, "safeHousing": true,
                "water": [
                    "litresPerPersonPerDay": 40, "dryArea": false, "qualityMeetsStandard": true, "piped": true, "interruptionDaysPerYear": 2,
                ] as [String: Any],
            ] as [String: Any],
            "rigidCostsResolved": true,
        ]
    }

    static var appraisal: [String: Any] { ["meetingDate": BeijingToday.text, "attendance": 23, "votesFor": 21, "approved": true, "minutes": "同意纳入"] }

    /// Answers the case's open comparison request as department screening would.
    func answerComparison(_ caseId: String, household: String, findings: [ComparisonAnswered.Finding] = []) async throws {
        let requestId = try await eventually("comparison requested") { () -> String? in
            let comparisons = try await detail(caseId)["comparisons"] as? [[String: Any]] ?? []
            return comparisons.last?["requestId"] as? String
        }
        try await OutsideSystem.publish([ComparisonAnswered(
            requestId: requestId, caseId: caseId, householdId: household, sourcesChecked: ["公安", "不动产", "市场监管", "财政"], findings: findings,
            answeredAt: Date())], source: "/lifeline/department-screening")
    }

    /// From home verification to the district's entry, checking the stage after each step.
    func takeThroughAllSteps(_ caseId: String, household: String, visit: [String: Any]) async throws -> [String: Any] {
        var result = try await post("/v1/cases/\(caseId)/home-verification", visit, as: .village)
        guard result.status == 200 else { throw Unexpected(what: "home verification", result: result) }
        result = try await post("/v1/cases/\(caseId)/democratic-appraisal", Self.appraisal, as: .village)
        guard result.status == 200 else { throw Unexpected(what: "appraisal", result: result) }
        try await answerComparison(caseId, household: household)
        _ = try await eventually("town review due") { try await stage(caseId) == "townReview" ? true : nil }
        result = try await post("/v1/cases/\(caseId)/town-review", ["approved": true, "opinion": "同意"], as: .town)
        guard result.status == 200 else { throw Unexpected(what: "town review", result: result) }
        result = try await post("/v1/cases/\(caseId)/entry", ["approved": true, "cadre": ["name": "张帮扶", "phone": "13800001111"]], as: .district)
        guard result.status == 200 else { throw Unexpected(what: "entry", result: result) }
        return result.json
    }

    struct Unexpected: Error, CustomStringConvertible {
        let what: String
        let result: HTTPResult
        var description: String { "\(what) answered \(result.status): \(result.text.prefix(600))" }
    }
}

enum BeijingToday {
    static var text: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}

extension HouseholdRegistered {
    /// A registry entry as intake publishes it, with `people` members (the first is the head).
    static func sample(
        id: String, village: String, people: Int, formerlyPoor: Bool = false, labour: LabourAbility? = .full, headName: String = "王建国"
    ) -> HouseholdRegistered {
        let members = (0..<people).map { index in
            HouseholdRegistered.Member(
                name: index == 0 ? headName : "成员\(index)", idNumber: TestData.idNumber(), relation: index == 0 ? "户主" : "子女", birthDate: nil,
                sex: nil, phone: nil, labourAbility: index == 0 ? labour : nil, healthStatus: nil, minimumLivingAllowance: nil, extremePovertySupport: nil)
        }
        return HouseholdRegistered(
            householdId: id, villageCode: village, householdGroupId: village + "001", provisional: false, members: members, updatedAt: Date(),
            formerlyPoor: formerlyPoor, source: "test")
    }
}
