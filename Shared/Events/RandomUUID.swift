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
        var words = (generator.next() as UInt64, generator.next() as UInt64)
        withUnsafeMutableBytes(of: &words) { bytes in
            bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
            bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10
        }
        return UUID(uuid: unsafeBitCast(words, to: uuid_t.self))
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
