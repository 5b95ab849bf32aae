import Foundation
@testable import Intake
import LifelineAuth
import LifelineEvents
import Testing

/// What intake publishes for the services after it (hotline, notification, review, screening).
extension EndToEndTests {
    @Test func theGridReachesKafkaKeyedByUnitWithItsTeam() async throws {
        try await withServices([IntakeService.definition]) { services in
            let intake = services["intake"]!.baseURL
            let village = TestData.villageCode()
            let area = "370115101A96"
            let file = [
                "层级,代码,名称,上级代码,网格员编号,网格员姓名,联系电话,职务",
                "镇街,370115101,垛石镇,370115,,,,",
                "管区,\(area),垛石第九十六管区,370115101,,,,",
                "村,\(village),梨园村,\(area),GM\(village)A,韩立新,13912340011,村网格长",
                "联户网格,\(village)001,第一联户网格,\(village),GM\(village)001,许春梅,13912340012,联户长",
            ].joined(separator: "\n") + "\n"
            let district = try await TestEnvironment.token(role: .district, region: "370115")
            let loaded = try await HTTP.request(
                "POST", "\(intake)/v1/grid/imports", body: Data(file.utf8), headers: ["Authorization": "Bearer \(district)", "Content-Type": "text/csv"])
            #expect(loaded.status == 200)
            let messages = try await KafkaProbe.collect(topic: EventTopic.intakeGrid.name) { messages in
                messages.contains { $0.keyText == village } && messages.contains { $0.keyText == village + "001" }
            }
            let event = try EventJSON.decoder.decode(GridUnitRegistered.self, from: Data(try #require(messages.last { $0.keyText == village }).value))
            #expect(event.name == "梨园村" && event.level == .village && event.parentCode == area)
            #expect(event.members.map(\.phone) == ["13912340011"] && event.members.map(\.duty) == ["村网格长"])
        }
    }
}
