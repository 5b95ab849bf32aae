// Hand-written JSON for the hot paths of bulk writers, where `JSONEncoder` showed in profiles.

/// JSON string literals as `JSONEncoder` writes them with `.withoutEscapingSlashes`: quote, backslash
/// and control characters escaped, everything else (UTF-8) as is.
public enum JSONText {
    /// Appends `value` as a JSON string literal (with its quotes) to `json`.
    public static func appendString(_ value: String, to json: inout [UInt8]) {
        json.append(0x22)
        var value = value
        value.withUTF8 { bytes in
            guard bytes.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
                json.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case 0x22: json.append(contentsOf: [0x5C, 0x22])
                case 0x5C: json.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: json.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: json.append(contentsOf: [0x5C, 0x72])
                case 0x09: json.append(contentsOf: [0x5C, 0x74])
                case 0x08: json.append(contentsOf: [0x5C, 0x62])
                case 0x0C: json.append(contentsOf: [0x5C, 0x66])
                case _ where byte < 0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    json.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                default: json.append(byte)
                }
            }
        }
        json.append(0x22)
    }

    /// A JSON object of string values with its keys in byte order (the form `JSONEncoder` writes with
    /// `.sortedKeys` for ASCII keys), e.g. an outbox entry's CloudEvents headers.
    public static func object(_ fields: [String: String]) -> String {
        var json = ObjectWriter(capacity: fields.count * 48 + 2)
        for key in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            json.field(key, fields[key])
        }
        return String(decoding: json.finished(), as: UTF8.self)
    }

    /// Writes a JSON object field by field, for events whose payload a bulk writer encodes by hand
    /// (`DomainEvent.jsonData()`). The caller gives the fields in the order `JSONEncoder` with
    /// `.sortedKeys` writes them (byte order for the ASCII keys of our events) and leaves out a `nil`
    /// optional as `encodeIfPresent` does.
    public struct ObjectWriter: Sendable {
        /// The JSON written so far.
        public private(set) var bytes: [UInt8]

        /// An object with no fields yet; `capacity` bytes reserved.
        public init(capacity: Int = 256) {
            bytes = [0x7B]
            bytes.reserveCapacity(capacity)
        }

        /// A string field; nothing for `nil`.
        public mutating func field(_ key: String, _ value: String?) {
            guard let value else { return }
            appendKey(key)
            appendString(value, to: &bytes)
        }

        /// An array of strings.
        public mutating func field(_ key: String, _ values: [String]) {
            appendKey(key)
            bytes.append(0x5B)
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                appendString(value, to: &bytes)
            }
            bytes.append(0x5D)
        }

        /// The object, closed.
        public consuming func finished() -> [UInt8] {
            bytes.append(0x7D)
            return bytes
        }

        private mutating func appendKey(_ key: String) {
            if bytes.count > 1 { bytes.append(0x2C) }
            appendString(key, to: &bytes)
            bytes.append(0x3A)
        }
    }
}
