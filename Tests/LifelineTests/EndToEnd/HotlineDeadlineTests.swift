import Foundation
import Hotline
import LifelineAuth
import LifelineEvents
import LifelineKafka
import Logging
import Testing

extension EndToEndTests {
    func pushToHotline<Event: DomainEvent>(_ events: [Event]) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: Logger(label: "12345"))
        for event in events {
            try await producer.send(KafkaRecord(
                topic: EventTopic.hotlineInbound.name, key: event.partitionKey,
                value: try CloudEventKafkaBinding.encodeStructured(try event.cloudEvent(source: "/gov/jinan/12345")),
                headers: [KafkaHeader(key: "content-type", text: CloudEventKafkaBinding.structuredContentType)]))
        }
        await producer.shutdown()
    }

    /// Each order has a due time (the source's or the channel's default); the clock flags orders due
    /// soon and overdue for the town's list; the town answers complaints itself; the source's urging,
    /// callback and reopening attach to the order.
    @Test func ordersAreDueTheTownAnswersComplaintsAndFollowUpsAttach() async throws {
        try await withServices([HotlineService.definition], overrides: ["hotline": ["HOTLINE_CLOCK_SECONDS": "1", "HOTLINE_DUE_SOON_HOURS": "48"]]) { services in
            let hotline = services["hotline"]!.baseURL
            let village = TestData.villageCode()
            let (late, complaint, noise) = (TestData.unique("12345L"), TestData.unique("12345C"), TestData.unique("12345N"))
            let now = Date()
            try await pushToHotline([
                WorkOrderPushed(orderNumber: late, channel: .hotline12345, villageCode: village, householdId: nil, summary: "来电人反映丈夫住院，家里没了收入",
                                receivedAt: now.addingTimeInterval(-6 * 86_400), dueAt: now.addingTimeInterval(-3600)),
                WorkOrderPushed(orderNumber: complaint, channel: .hotline12345, villageCode: village, householdId: nil,
                                summary: "帮扶干部一次也没来过，答应的补贴一直没发", receivedAt: now, dueAt: now.addingTimeInterval(86_400)),
                WorkOrderPushed(orderNumber: noise, channel: .hotline12345, villageCode: village, householdId: nil, summary: "咨询养老保险怎么交", receivedAt: now),
            ])
            let town = try await TestEnvironment.token(role: .town, region: String(village.prefix(9)))
            func list(_ status: String) async throws -> [String] {
                let answer = try await HTTP.get("\(hotline)/v1/work-orders?status=\(status)", token: town).json["orders"] as? [[String: Any]] ?? []
                return answer.compactMap { $0["orderNumber"] as? String }.filter { [late, complaint, noise].contains($0) }
            }
            _ = try await eventually("the clock flagged the orders") { () -> Bool? in
                let overdue = try await list("overdue"), dueSoon = try await list("dueSoon")
                return overdue == [late] && dueSoon == [complaint] ? true : nil
            }
            #expect(try await list("closed") == [noise])  // answered at once: not in scope
            #expect(try await HTTP.get("\(hotline)/v1/work-orders?status=late", token: town).status == 400)

            // The town answers the complaint; a risk is answered by review's decision, not by the town.
            let auth = ["Authorization": "Bearer \(town)"]
            let replied = try await HTTP.request("POST", "\(hotline)/v1/work-orders/\(complaint)/reply", json: ["message": "已督促帮扶干部入户，补贴已于本周发放到位。"], headers: auth)
            #expect(replied.status == 200 && replied.json["status"] as? String == "closed", "\(replied.text)")
            #expect(try await HTTP.request("POST", "\(hotline)/v1/work-orders/\(late)/reply", json: ["message": "已处理完毕请知悉"], headers: auth).status == 409)
            let other = try await TestEnvironment.token(role: .town, region: "370115999")
            #expect(try await HTTP.request("POST", "\(hotline)/v1/work-orders/\(complaint)/reply", json: ["message": "已处理完毕请知悉"],
                                           headers: ["Authorization": "Bearer \(other)"]).status == 403)

            // The source follows up: urging the late one, calling back the complainant (not satisfied), reopening.
            try await pushToHotline([
                WorkOrderFollowedUp(orderNumber: late, channel: .hotline12345, kind: .urging, note: "市民再次来电催办", at: Date()),
                WorkOrderFollowedUp(orderNumber: complaint, channel: .hotline12345, kind: .callback, satisfied: false, at: Date()),
                WorkOrderFollowedUp(orderNumber: complaint, channel: .hotline12345, kind: .reopened, dueAt: Date().addingTimeInterval(10 * 86_400), at: Date()),
            ])
            let district = try await TestEnvironment.token(role: .district)
            let reopened = try await eventually("follow-ups attached") { () -> [String: Any]? in
                let view = try await HTTP.get("\(hotline)/v1/work-orders/\(complaint)", token: district).json
                return view["reopenedCount"] as? Int == 1 ? view : nil
            }
            #expect(reopened["status"] as? String == "open" && reopened["satisfied"] as? Bool == false)  // the last callback said so
            #expect(try await HTTP.get("\(hotline)/v1/work-orders/\(late)", token: district).json["urgedCount"] as? Int == 1)

            let replies = try await OutsideClient.consume(topic: EventTopic.hotlineReplies.name, keys: [complaint], count: 3, seconds: 60)
            #expect(replies.compactMap { ($0["value"] as? [String: Any])?["outcome"] as? String } == ["forwardedToTown", "handled", "forwardedToTown"])
            #expect((replies.dropFirst().first?["value"] as? [String: Any])?["message"] as? String == "已督促帮扶干部入户，补贴已于本周发放到位。")
        }
    }
}
