import Foundation
import LifelineEvents
import Testing

/// The hand-written JSON of the bulk paths reads back as the values it was given, and writes what
/// `JSONEncoder` writes for the same values.
@Suite struct JSONTextTests {
    @Test func objectOfHeadersIsWhatJSONEncoderWrites() throws {
        let headers = [
            "ce_id": "0b1c-ff", "ce_source": "/lifeline/department-screening", "content-type": "application/json",
            "ce_subject": "引号\"、反斜杠\\、换行\n、制表\t、控制\u{01}与 emoji 👍", "": "empty key", "ce_time": "2026-12-02T20:00:00.123Z",
        ]
        let written = JSONText.object(headers)
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(written.utf8))
        #expect(decoded == headers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(written == String(decoding: try encoder.encode(headers), as: UTF8.self))
        #expect(JSONText.object([:]) == "{}")
    }

    /// The events screening publishes in bulk write by hand the bytes `EventJSON.encoder` writes for
    /// them (optional fields left out when nil, escapes, Chinese, empty arrays, sub-second times), so
    /// consumers read them as before.
    @Test func bulkEventsWriteWhatTheEncoderWrites() throws {
        let times = [Date(timeIntervalSince1970: 1_796_000_000.456), Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_796_000_000.999_9)]
        let feedbacks = [
            RecordFeedback(department: "医保", recordId: "YB/2026\"110012", period: "2026-11", outcome: .warningRaised, reason: "大额医疗支出；\n第二行",
                           warningId: "YJ20261130000001", at: times[0]),
            RecordFeedback(department: "民政", recordId: "MZ-1", period: "2026-11", outcome: .unmatched, reason: nil, warningId: nil, at: times[1]),
            RecordFeedback(department: "", recordId: "", period: "", outcome: .init(uncheckedRawValue: "新的\u{01}"), reason: "", warningId: nil, at: times[2]),
        ]
        for feedback in feedbacks {
            #expect(try feedback.jsonData() == Array(try EventJSON.encoder.encode(feedback)), "\(feedback)")
        }
        let warnings = [
            WarningRaised(
                warningId: "YJ20261130000001", householdId: "H370125", villageCode: "370125101001", rules: ["large-medical-expense", "dangerous-house"],
                evidence: ["医保:YB2026110012", "住建:\"引号\""], severity: .high, risks: [.illness, .housing], summary: "近12个月医疗自付较高\t/",
                discoveredAt: times[0]),
            WarningRaised(
                warningId: "", householdId: "", villageCode: "", rules: [], evidence: [], severity: .low, risks: [], summary: "", discoveredAt: times[2]),
        ]
        for warning in warnings {
            #expect(try warning.jsonData() == Array(try EventJSON.encoder.encode(warning)), "\(warning)")
        }
    }
}

