import Foundation
import Hotline
import LifelineAuth
import LifelineEvents
import LifelineKafka
import Logging
import Testing

extension EndToEndTests {
    /// Each work order is read as it arrives: a new risk raises a lead with its risks, matched phrases
    /// and confidence; a complaint or an order out of scope is kept with its reading and raises none.
    /// The district edits the rules over HTTP, and a text can be tried against them.
    @Test func workOrdersAreReadAndOnlyNewRisksBecomeLeads() async throws {
        try await withServices([HotlineService.definition]) { services in
            let hotline = services["hotline"]!.baseURL
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: try TestEnvironment.kafka()), logger: Logger(label: "12345"))
            let village = TestData.villageCode()
            let (risk, complaint, noise) = (TestData.unique("12345R"), TestData.unique("12345C"), TestData.unique("12345N"))
            let orders = [
                (risk, "来电人反映丈夫上月出车祸住院，家里没了收入"),
                (complaint, "帮扶干部一次也没来过，答应的补贴一直没发"),
                (noise, "家里没有人生病，只是咨询养老保险怎么交"),
            ]
            for (number, text) in orders {
                let order = WorkOrderPushed(orderNumber: number, channel: .hotline12345, villageCode: village, householdId: nil, summary: text, receivedAt: Date())
                try await producer.send(KafkaRecord(
                    topic: EventTopic.hotlineInbound.name, key: order.partitionKey,
                    value: try CloudEventKafkaBinding.encodeStructured(try order.cloudEvent(source: "/gov/jinan/12345")),
                    headers: [KafkaHeader(key: "content-type", text: CloudEventKafkaBinding.structuredContentType)]))
            }
            await producer.shutdown()
            let operatorToken = try await TestEnvironment.token(role: .hotlineOperator)
            let views = try await eventually("all three orders recorded") { () -> [String: [String: Any]]? in
                var found: [String: [String: Any]] = [:]
                for (number, _) in orders {
                    let view = try await HTTP.get("\(hotline)/v1/work-orders/\(number)", token: operatorToken)
                    if view.status == 200 { found[number] = view.json }
                }
                return found.count == 3 ? found : nil
            }
            #expect(views[risk]?["category"] as? String == "risk" && views[risk]?["risks"] as? [String] == ["accident", "illness", "lossOfWork"])
            #expect(views[risk]?["leadId"] as? String != nil)
            #expect(views[complaint]?["category"] as? String == "complaint" && views[complaint]?["leadId"] == nil)
            #expect(views[noise]?["category"] as? String == "irrelevant" && (views[noise]?["explanation"] as? String)?.contains("negated by 没有") == true)

            let leads = try await KafkaProbe.collect(topic: EventTopic.hotlineLeads.name) { messages in
                messages.contains { String(decoding: $0.value, as: UTF8.self).contains(risk) }
            }
            let lead = try #require(leads.first { String(decoding: $0.value, as: UTF8.self).contains(risk) })
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(lead.value)) as? [String: Any])
            #expect(payload["risks"] as? [String] == ["accident", "illness", "lossOfWork"] && (payload["confidence"] as? Double ?? 0) > 0.8)
            #expect((payload["matchedRules"] as? [String])?.contains("意外事故「车祸」") == true)
            #expect(!leads.contains { let text = String(decoding: $0.value, as: UTF8.self); return text.contains(complaint) || text.contains(noise) })

            // The district teaches the reading a new phrase; a town may read and try, not edit.
            let district = try await TestEnvironment.token(role: .district)
            let rule: [String: Any] = ["name": "饮水安全", "category": "risk", "risk": "drinkingWater", "phrases": ["水窖干了"], "weight": 0.5, "enabled": true]
            let before = try await HTTP.request("POST", "\(hotline)/v1/text-rules/trial", json: ["text": "俺家水窖干了半个月"], headers: ["Authorization": "Bearer \(district)"])
            #expect(before.json["category"] as? String == "irrelevant", "\(before.text)")
            #expect(try await HTTP.request("PUT", "\(hotline)/v1/text-rules/water-cellar", json: rule, headers: ["Authorization": "Bearer \(district)"]).status == 200)
            let after = try await HTTP.request("POST", "\(hotline)/v1/text-rules/trial", json: ["text": "俺家水窖干了半个月"], headers: ["Authorization": "Bearer \(district)"])
            #expect(after.json["risks"] as? [String] == ["drinkingWater"], "\(after.text)")
            var wrong = rule
            wrong["risk"] = "weather"
            let refused = try await HTTP.request("PUT", "\(hotline)/v1/text-rules/water-cellar", json: wrong, headers: ["Authorization": "Bearer \(district)"])
            #expect(refused.status == 400 && refused.text.contains("\"risk\""))
            let town = try await TestEnvironment.token(role: .town, region: String(village.prefix(9)))
            #expect(try await HTTP.request("PUT", "\(hotline)/v1/text-rules/water-cellar", json: rule, headers: ["Authorization": "Bearer \(town)"]).status == 403)
            #expect(try await HTTP.get("\(hotline)/v1/text-rules", token: town).status == 200)
            // Back as it was, for the other tests sharing the schema.
            var off = rule
            off["enabled"] = false
            #expect(try await HTTP.request("PUT", "\(hotline)/v1/text-rules/water-cellar", json: off, headers: ["Authorization": "Bearer \(district)"]).status == 200)
        }
    }
}
