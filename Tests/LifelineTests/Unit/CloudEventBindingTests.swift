import Foundation
import LifelineEvents
import Testing

@Suite struct CloudEventBindingTests {
    let submitted = ApplicationSubmitted(
        applicationNumber: "SQ20261129000001", householdId: "H1", householdIsProvisional: true, villageCode: "370115101201",
        applicant: ContactDetails(name: "张三", phone: "13800001234"), householdSize: 4, difficulties: [.illness, .disaster],
        statement: "说明", submittedAt: Date(timeIntervalSince1970: 1_800_000_000))

    @Test func binaryModeRoundTripsAttributesAndPayload() throws {
        let event = try submitted.cloudEvent(source: "/lifeline/intake", correlationId: "corr-1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        var headers: [String: String] = [:]
        for header in CloudEventKafkaBinding.binaryHeaders(for: event) { headers[header.name] = header.value }
        #expect(headers["ce_specversion"] == "1.0")
        #expect(headers["ce_type"] == "lifeline.intake.ApplicationSubmitted.v1")
        #expect(headers["ce_subject"] == "SQ20261129000001")
        #expect(headers["content-type"] == "application/json")
        let decoded = try CloudEventKafkaBinding.decode(headers: headers, value: event.data)
        #expect(decoded.id == event.id)
        #expect(decoded.correlationId == "corr-1")
        #expect(decoded.traceparent == event.traceparent)
        #expect(abs(decoded.time.timeIntervalSince(event.time)) < 0.001)
        #expect(try decoded.decode(ApplicationSubmitted.self) == submitted)
    }

    @Test func structuredModeIsAcceptedFromOutsideSystems() throws {
        let json = """
            {"specversion":"1.0","id":"wo-1","source":"/gov/12345","type":"lifeline.hotline.WorkOrderPushed.v1",
             "time":"2026-11-29T08:00:00.123Z","datacontenttype":"application/json",
             "data":{"orderNumber":"12345-001","channel":"hotline12345","villageCode":"370115101201",
                     "summary":"反映家中老人重病","receivedAt":"2026-11-29T07:59:00Z"}}
            """
        let event = try CloudEventKafkaBinding.decode(headers: ["content-type": "application/cloudevents+json; charset=utf-8"], value: Array(json.utf8))
        #expect(event.source == "/gov/12345")
        let order = try event.decode(WorkOrderPushed.self)
        #expect(order.channel == .hotline12345)
        #expect(order.householdId == nil)
        #expect(order.partitionKey == "12345-001" && order.villageCode == "370115101201")  // keyed by order number
    }

    @Test func structuredModeRoundTrips() throws {
        let event = try submitted.cloudEvent(source: "/lifeline/intake")
        let bytes = try CloudEventKafkaBinding.encodeStructured(event)
        let decoded = try CloudEventKafkaBinding.decode(headers: ["content-type": CloudEventKafkaBinding.structuredContentType], value: bytes)
        #expect(try decoded.decode(ApplicationSubmitted.self) == submitted)
    }

    @Test func aMissingAttributeIsNamed() {
        #expect(throws: EventContractError(code: .missingAttribute, field: "ce_id", reason: "is required in binary mode")) {
            try CloudEventKafkaBinding.decode(headers: ["ce_specversion": "1.0", "ce_source": "/x", "ce_type": "t"], value: [])
        }
    }

    @Test func aBadPayloadNamesTheFieldButNotTheValue() throws {
        let event = CloudEvent(source: "/x", type: ApplicationSubmitted.eventType, data: Array(#"{"applicationNumber":"SQ1","householdSize":"13800001234"}"#.utf8))
        do {
            _ = try event.decode(ApplicationSubmitted.self)
            Issue.record("decoding should fail")
        } catch let error as EventContractError {
            #expect(error.code == .invalidPayload)
            #expect(!error.description.contains("13800001234"))
            #expect(!error.field.isEmpty)
        }
    }

    @Test func contactDetailsNeverPrintThePhone() {
        #expect(!"\(submitted.applicant)".contains("13800001234"))
    }
}
