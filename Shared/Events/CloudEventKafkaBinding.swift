import Foundation

/// The CloudEvents Kafka protocol binding (binary and structured content modes).
///
/// Binary mode: `ce_id`, `ce_source`, `ce_type`, `ce_specversion`, `ce_time`, optional `ce_subject`,
/// the extensions `ce_correlationid` and `ce_traceparent`, and `content-type` for the data's media type.
/// The record key is the partition key (a household id where a household is concerned).
public enum CloudEventKafkaBinding {
    /// Media type of a structured-mode record.
    public static let structuredContentType = "application/cloudevents+json"

    /// Header names and values for binary mode.
    public static func binaryHeaders(for event: CloudEvent) -> [(name: String, value: String)] {
        var headers: [(String, String)] = [
            ("ce_specversion", event.specVersion),
            ("ce_id", event.id),
            ("ce_source", event.source),
            ("ce_type", event.type),
            ("ce_time", EventJSON.formatTimestamp(event.time)),
            ("content-type", event.dataContentType),
        ]
        if let subject = event.subject { headers.append(("ce_subject", subject)) }
        if let correlationId = event.correlationId { headers.append(("ce_correlationid", correlationId)) }
        if let traceparent = event.traceparent { headers.append(("ce_traceparent", traceparent)) }
        return headers
    }

    /// Decodes a record in either content mode. `headers` are the record's headers as text.
    public static func decode(headers: [String: String], value: [UInt8]) throws -> CloudEvent {
        if let contentType = headers["content-type"], contentType.lowercased().hasPrefix(structuredContentType) {
            return try decodeStructured(value)
        }
        return try decodeBinary(headers: headers, value: value)
    }

    static func decodeBinary(headers: [String: String], value: [UInt8]) throws -> CloudEvent {
        func required(_ name: String) throws -> String {
            guard let text = headers[name], !text.isEmpty else {
                throw EventContractError(code: .missingAttribute, field: name, reason: "is required in binary mode")
            }
            return text
        }
        let specVersion = try required("ce_specversion")
        guard specVersion == "1.0" else {
            throw EventContractError(code: .invalidAttribute, field: "ce_specversion", reason: "must be 1.0")
        }
        let time: Date
        if let text = headers["ce_time"] {
            guard let parsed = EventJSON.parseTimestamp(text) else {
                throw EventContractError(code: .invalidAttribute, field: "ce_time", reason: "must be an RFC 3339 timestamp")
            }
            time = parsed
        } else {
            time = Date()
        }
        return CloudEvent(
            id: try required("ce_id"), source: try required("ce_source"), type: try required("ce_type"), time: time,
            subject: headers["ce_subject"], dataContentType: headers["content-type"] ?? "application/json", data: value,
            correlationId: headers["ce_correlationid"], traceparent: headers["ce_traceparent"]
        )
    }

    /// Encodes an event in structured mode (for tests and for outside systems' examples).
    public static func encodeStructured(_ event: CloudEvent) throws -> [UInt8] {
        var object: [String: Any] = [
            "specversion": event.specVersion, "id": event.id, "source": event.source, "type": event.type,
            "time": EventJSON.formatTimestamp(event.time), "datacontenttype": event.dataContentType,
        ]
        if let subject = event.subject { object["subject"] = subject }
        if let correlationId = event.correlationId { object["correlationid"] = correlationId }
        if let traceparent = event.traceparent { object["traceparent"] = traceparent }
        if event.dataContentType.hasPrefix("application/json"), let json = try? JSONSerialization.jsonObject(with: Data(event.data), options: [.fragmentsAllowed]) {
            object["data"] = json
        } else {
            object["data_base64"] = Data(event.data).base64EncodedString()
        }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    static func decodeStructured(_ value: [UInt8]) throws -> CloudEvent {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else {
            throw EventContractError(code: .invalidPayload, field: "value", reason: "must be a JSON object in structured mode")
        }
        func required(_ name: String) throws -> String {
            guard let text = object[name] as? String, !text.isEmpty else {
                throw EventContractError(code: .missingAttribute, field: name, reason: "is required")
            }
            return text
        }
        guard try required("specversion") == "1.0" else {
            throw EventContractError(code: .invalidAttribute, field: "specversion", reason: "must be 1.0")
        }
        var time = Date()
        if let text = object["time"] as? String {
            guard let parsed = EventJSON.parseTimestamp(text) else {
                throw EventContractError(code: .invalidAttribute, field: "time", reason: "must be an RFC 3339 timestamp")
            }
            time = parsed
        }
        let contentType = object["datacontenttype"] as? String ?? "application/json"
        let data: [UInt8]
        if let base64 = object["data_base64"] as? String {
            guard let decoded = Data(base64Encoded: base64) else {
                throw EventContractError(code: .invalidAttribute, field: "data_base64", reason: "must be base64")
            }
            data = Array(decoded)
        } else if let payload = object["data"] {
            data = Array(try JSONSerialization.data(withJSONObject: payload, options: [.fragmentsAllowed, .sortedKeys]))
        } else {
            data = []
        }
        return CloudEvent(
            id: try required("id"), source: try required("source"), type: try required("type"), time: time,
            subject: object["subject"] as? String, dataContentType: contentType, data: data,
            correlationId: object["correlationid"] as? String, traceparent: object["traceparent"] as? String
        )
    }
}
