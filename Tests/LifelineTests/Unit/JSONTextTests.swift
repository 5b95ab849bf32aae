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
}
