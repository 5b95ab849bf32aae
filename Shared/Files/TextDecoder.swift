#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Decodes a byte stream that arrives in chunks into UTF-8, carrying an incomplete multi-byte
/// sequence at the end of one chunk over to the next.
///
/// UTF-8 input is validated (strictly, per Unicode table 3-7: no overlong forms, no surrogates);
/// GB18030 (a superset of GBK and GB2312) is converted with the C library's iconv. The decoder counts
/// the line feeds it has produced so that an invalid byte can be reported with its 1-based line.
/// After a failure the decoder is spent: every further call reports the same failure.
final class StreamingTextDecoder {
    enum Encoding: String, Sendable {
        case utf8 = "UTF-8"
        case gb18030 = "GB18030"
    }

    /// The result of decoding one chunk: the UTF-8 bytes decoded before any failure, and the failure.
    struct Chunk {
        var utf8: [UInt8]
        var failure: TabularFileError?
    }

    let encoding: Encoding
    /// Bytes of an incomplete character at the end of the previous chunk.
    private var pending: [UInt8] = []
    /// Line feeds decoded so far (lines completed before the current one).
    private var lineFeeds = 0
    private var failure: TabularFileError?
    /// The iconv descriptor (GB18030 only).
    private let converter: iconv_t?

    init(encoding: Encoding) throws {
        self.encoding = encoding
        switch encoding {
        case .utf8:
            converter = nil
        case .gb18030:
            guard let handle = iconv_open("UTF-8", "GB18030"), handle != iconv_t(bitPattern: -1) else {
                throw TabularFileError(code: .badEncoding, message: "GB18030 decoding is not available on this system.")
            }
            converter = handle
        }
    }

    deinit {
        if let converter { _ = iconv_close(converter) }
    }

    /// Decodes the next chunk. `final` marks the last chunk: an incomplete trailing sequence is then an
    /// error. Throws `TabularFileError.badEncoding` (with the line) on an invalid sequence.
    func decode(_ bytes: [UInt8], final: Bool) throws -> String {
        let chunk = decodeChunk(bytes, final: final)
        if let failure = chunk.failure { throw failure }
        return String(decoding: chunk.utf8, as: UTF8.self)
    }

    /// Decodes the next chunk into UTF-8 bytes without throwing, so that a caller can still use the
    /// text decoded before an invalid sequence (the CSV reader returns the rows before the bad line).
    func decodeChunk(_ bytes: [UInt8], final: Bool) -> Chunk {
        if let failure { return Chunk(utf8: [], failure: failure) }
        var input = pending
        input.append(contentsOf: bytes)
        pending = []
        var chunk: Chunk
        switch encoding {
        case .utf8: chunk = decodeUTF8(input, final: final)
        case .gb18030: chunk = decodeGB18030(&input, final: final)
        }
        let producedLineFeeds = chunk.utf8.reduce(into: 0) { count, byte in if byte == 0x0A { count += 1 } }
        if var failed = chunk.failure {
            failed.line = lineFeeds + producedLineFeeds + 1
            chunk.failure = failed
            failure = failed
        }
        lineFeeds += producedLineFeeds
        return chunk
    }

    // MARK: UTF-8

    private func decodeUTF8(_ input: [UInt8], final: Bool) -> Chunk {
        switch UTF8Validation.scan(input) {
        case .valid:
            return Chunk(utf8: input)
        case .incomplete(let offset):
            if final {
                return Chunk(utf8: Array(input[..<offset]), failure: Self.invalid("The file ends in the middle of a UTF-8 character."))
            }
            pending = Array(input[offset...])
            return Chunk(utf8: Array(input[..<offset]))
        case .invalid(let offset):
            return Chunk(utf8: Array(input[..<offset]), failure: Self.invalid("The file contains bytes that are not valid UTF-8."))
        }
    }

    // MARK: GB18030

    private func decodeGB18030(_ input: inout [UInt8], final: Bool) -> Chunk {
        guard let converter else { return Chunk(utf8: [], failure: Self.invalid("GB18030 decoding is not available.")) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count + input.count / 2 + 16)
        // GB18030 never needs more than 1.5 UTF-8 bytes per input byte; E2BIG is handled anyway.
        var buffer = [UInt8](repeating: 0, count: max(4096, input.count * 2))
        var offset = 0
        while offset < input.count {
            let step = Self.convert(converter, input: &input, from: offset, into: &buffer)
            output.append(contentsOf: buffer[0..<step.written])
            offset += step.read
            switch step.error {
            case 0:
                continue
            case E2BIG:
                continue
            case EINVAL:
                // An incomplete sequence at the end of the chunk: keep it for the next one.
                if final {
                    return Chunk(utf8: output, failure: Self.invalid("The file ends in the middle of a GB18030 character."))
                }
                pending = Array(input[offset...])
                return Chunk(utf8: output)
            default:
                // EILSEQ (or anything unexpected): an invalid sequence.
                return Chunk(utf8: output, failure: Self.invalid("The file contains bytes that are neither valid UTF-8 nor valid GB18030."))
            }
        }
        return Chunk(utf8: output)
    }

    private typealias ConversionStep = (read: Int, written: Int, error: Int32)

    /// One iconv call converting `input[from...]` into `buffer`. Returns the bytes read and written and
    /// the errno of a failed call (0 when iconv consumed everything).
    private static func convert(_ converter: iconv_t, input: inout [UInt8], from offset: Int, into buffer: inout [UInt8])
        -> ConversionStep
    {
        let inputCount = input.count - offset
        let bufferCount = buffer.count
        return input.withUnsafeMutableBufferPointer { (inBuffer: inout UnsafeMutableBufferPointer<UInt8>) -> ConversionStep in
            buffer.withUnsafeMutableBufferPointer { (outBuffer: inout UnsafeMutableBufferPointer<UInt8>) -> ConversionStep in
                guard let inBase = inBuffer.baseAddress, let outBase = outBuffer.baseAddress else { return (0, 0, EINVAL) }
                let start = UnsafeMutableRawPointer(inBase + offset).assumingMemoryBound(to: CChar.self)
                let outStart = UnsafeMutableRawPointer(outBase).assumingMemoryBound(to: CChar.self)
                var inPointer: UnsafeMutablePointer<CChar>? = start
                var inLeft = inputCount
                var outPointer: UnsafeMutablePointer<CChar>? = outStart
                var outLeft = bufferCount
                let result = iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
                let error: Int32 = result == -1 ? errno : 0
                return (inputCount - inLeft, bufferCount - outLeft, error)
            }
        }
    }

    private static func invalid(_ message: String) -> TabularFileError {
        TabularFileError(code: .badEncoding, message: message)
    }
}

/// Strict UTF-8 validation (Unicode 15, table 3-7).
enum UTF8Validation {
    enum Result: Equatable {
        /// Every byte belongs to a complete, well-formed character.
        case valid
        /// Well-formed up to `offset`, where a character starts that the input ends too early for.
        case incomplete(at: Int)
        /// The character starting at `offset` is ill-formed.
        case invalid(at: Int)
    }

    static func scan(_ bytes: [UInt8]) -> Result {
        bytes.withUnsafeBufferPointer { scan($0) }
    }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Result {
        let count = bytes.count
        var index = 0
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let trailing: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: trailing = 1
            case 0xE0: trailing = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: trailing = 2
            case 0xED: trailing = 2; high = 0x9F
            case 0xF0: trailing = 3; low = 0x90
            case 0xF1...0xF3: trailing = 3
            case 0xF4: trailing = 3; high = 0x8F
            default: return .invalid(at: index)
            }
            for position in 1...trailing {
                guard index + position < count else { return .incomplete(at: index) }
                let byte = bytes[index + position]
                let (minimum, maximum): (UInt8, UInt8) = position == 1 ? (low, high) : (0x80, 0xBF)
                if byte < minimum || byte > maximum { return .invalid(at: index) }
            }
            index += trailing + 1
        }
        return .valid
    }
}
