import Foundation

/// Random (version 4) UUIDs drawn from the standard library's system generator (`getrandom` on
/// Linux), for identifiers made per event or per request.
///
/// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` for every identifier: three
/// system calls and a file descriptor per event. Bulk publishing makes two identifiers per event (the
/// event id and, without a cause, its correlation id), and those calls were a tenth of department
/// screening's profile. Use `UUID()` where an identifier is made once in a while (a file name, a job).
public enum RandomUUID {
    /// A new random UUID (RFC 9562 version 4, variant 10).
    public static func make() -> UUID {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (index * 8))
            bytes[index + 8] = UInt8(truncatingIfNeeded: low >> (index * 8))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// A new random UUID as lower-case text, the form event ids and correlation ids take:
    /// `1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b`.
    public static func lowercasedString() -> String {
        lowercased(make())
    }

    /// `uuid` as lower-case text (`uuidString.lowercased()` without the two intermediate strings).
    public static func lowercased(_ uuid: UUID) -> String {
        let bytes = uuid.uuid
        return withUnsafeBytes(of: bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var position = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    buffer[position] = hexDigits[Int(byte >> 4)]
                    buffer[position + 1] = hexDigits[Int(byte & 0x0F)]
                    position += 2
                }
                return position
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
