import Foundation

/// Reads an RFC 4180 CSV file (or a TSV file) in chunks, never holding the whole file in memory.
///
/// - Separator: `,`; a file whose header line has tabs and no commas is read as TSV.
/// - Quoted fields with `""` escapes and embedded line breaks (normalized to "\n"); CRLF, LF and CR
///   line ends. Unquoted cells are trimmed of surrounding whitespace (including U+3000 and U+00A0),
///   quoted cells are kept verbatim. Blank lines are skipped (anywhere, including trailing ones).
/// - Line numbers are the 1-based physical line where each record starts.
/// - Encoding: a UTF-8 BOM means UTF-8 (the BOM is dropped); otherwise the first 64 KiB decide:
///   valid UTF-8 (a character cut by the sample end is allowed) means UTF-8, anything else GB18030.
///   UTF-16 (by BOM) is rejected. Invalid bytes later in the file surface as `badEncoding` with the
///   line, after the rows before that line have been returned.
final class CSVReader: TabularRowSource {
    static let defaultChunkSize = 256 * 1024
    static let sampleSize = 64 * 1024

    let encodingName: String
    /// The separator found in the header line (`,` or tab); nil until the first row is read.
    private(set) var separator: UInt8?

    private let handle: FileHandle
    private let chunkSize: Int
    private let decoder: StreamingTextDecoder
    /// The bytes read for encoding detection, handed to the decoder in `chunkSize` pieces.
    private var sample: [UInt8]
    private var sampleOffset = 0
    /// Decoded bytes held back until the header line is complete, to pick the separator.
    private var head: [UInt8] = []
    private var parser: CSVRecordParser?
    private var ready: [TabularRow] = []
    private var readyIndex = 0
    private var failure: TabularFileError?
    private var finished = false

    /// Opens `url`. `chunkSize` is the read size (tests use tiny chunks to exercise chunk boundaries).
    init(url: URL, chunkSize: Int = CSVReader.defaultChunkSize) throws {
        let pieceSize = max(1, chunkSize)
        let fileHandle: FileHandle
        do {
            fileHandle = try FileHandle(forReadingFrom: url)
        } catch {
            throw TabularFileError(code: .unreadable, message: "The file could not be opened for reading.")
        }
        var sample = try CSVReader.read(fileHandle, upTo: max(CSVReader.sampleSize, pieceSize))
        let encoding = try CSVReader.detectEncoding(&sample)
        self.chunkSize = pieceSize
        self.handle = fileHandle
        self.sample = sample
        self.decoder = try StreamingTextDecoder(encoding: encoding)
        self.encodingName = encoding.rawValue
    }

    deinit {
        try? handle.close()
    }

    func next() throws -> TabularRow? {
        while true {
            if readyIndex < ready.count {
                readyIndex += 1
                return ready[readyIndex - 1]
            }
            ready.removeAll(keepingCapacity: true)
            readyIndex = 0
            if let failure { throw failure }
            if finished { return nil }
            try fill()
        }
    }

    // MARK: Reading

    /// Reads and decodes one chunk and parses it into `ready`.
    private func fill() throws {
        let bytes = try readChunk()
        let isFinal = bytes == nil
        let decoded = decoder.decodeChunk(bytes ?? [], final: isFinal)
        feed(decoded.utf8, final: isFinal || decoded.failure != nil)
        if let failed = decoded.failure {
            failure = failed
            return
        }
        if isFinal {
            finished = true
            if parser == nil { startParser() }
            do {
                try parser?.finish(into: &ready)
            } catch let error as TabularFileError {
                failure = error
            }
        }
    }

    /// Passes decoded bytes to the parser, first collecting the header line to pick the separator.
    private func feed(_ utf8: [UInt8], final: Bool) {
        if parser == nil {
            head.append(contentsOf: utf8)
            let hasLineEnd = head.contains(0x0A) || head.contains(0x0D)
            guard hasLineEnd || final || head.count >= Self.sampleSize else { return }
            startParser()
            let buffered = head
            head = []
            parser?.consume(buffered, into: &ready)
        } else {
            parser?.consume(utf8, into: &ready)
        }
    }

    /// Creates the parser with the separator found in `head`: tab when the first line has tabs and
    /// no commas, comma otherwise.
    private func startParser() {
        let firstLine = head.prefix { $0 != 0x0A && $0 != 0x0D }
        let chosen: UInt8 = firstLine.contains(0x09) && !firstLine.contains(0x2C) ? 0x09 : 0x2C
        separator = chosen
        parser = CSVRecordParser(separator: chosen)
    }

    /// The next piece of raw bytes: from the detection sample first, then from the file; nil at EOF.
    private func readChunk() throws -> [UInt8]? {
        if sampleOffset < sample.count {
            let end = min(sample.count, sampleOffset + chunkSize)
            let piece = Array(sample[sampleOffset..<end])
            sampleOffset = end
            if sampleOffset == sample.count {
                // The sample is used up: release it.
                sample = []
                sampleOffset = 0
            }
            return piece
        }
        let bytes = try Self.read(handle, upTo: chunkSize)
        return bytes.isEmpty ? nil : bytes
    }

    /// Reads up to `count` bytes (fewer only at the end of the file).
    private static func read(_ handle: FileHandle, upTo count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            while bytes.count < count {
                guard let data = try handle.read(upToCount: count - bytes.count), !data.isEmpty else { break }
                bytes.append(contentsOf: data)
            }
        } catch {
            throw TabularFileError(code: .unreadable, message: "The file could not be read.")
        }
        return bytes
    }

    // MARK: Encoding detection

    /// Picks the encoding from the first bytes, dropping a UTF-8 BOM. Rejects UTF-16/32, legacy
    /// .xls and other binary files.
    static func detectEncoding(_ sample: inout [UInt8]) throws -> StreamingTextDecoder.Encoding {
        if sample.starts(with: [0xEF, 0xBB, 0xBF]) {
            sample.removeFirst(3)
            return .utf8
        }
        if sample.starts(with: [0xFF, 0xFE]) || sample.starts(with: [0xFE, 0xFF]) || sample.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            throw TabularFileError(
                code: .badEncoding,
                message: "The file is encoded as UTF-16 (Unicode text), which is not supported. Save it as CSV in UTF-8 or GB18030 (GBK).")
        }
        if sample.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw TabularFileError(
                code: .notTabular,
                message: "The file is a legacy Excel 97-2003 workbook (.xls), which is not supported. Save it as .xlsx or as CSV.")
        }
        if sample.contains(0) {
            throw TabularFileError(
                code: .notTabular,
                message: "The file is not text (it contains NUL bytes). Upload a CSV file in UTF-8 or GB18030, or an .xlsx workbook.")
        }
        switch UTF8Validation.scan(Array(sample.prefix(sampleSize))) {
        case .valid, .incomplete: return .utf8
        case .invalid: return .gb18030
        }
    }
}

/// The CSV state machine. It is fed decoded UTF-8 bytes in arbitrary pieces; the structural
/// characters (`"`, separator, CR, LF) are ASCII and never occur inside a multi-byte character.
struct CSVRecordParser {
    private enum State {
        /// At the start of a field (nothing consumed yet).
        case fieldStart
        /// Inside an unquoted field.
        case unquoted
        /// Inside a quoted field.
        case quoted
        /// Just after a quote inside a quoted field: an escaped quote or the closing quote.
        case quoteInQuoted
        /// After the closing quote; whitespace is ignored, other characters are kept (lenient).
        case afterQuoted
    }

    private static let quote: UInt8 = 0x22
    private static let lineFeed: UInt8 = 0x0A
    private static let carriageReturn: UInt8 = 0x0D

    let separator: UInt8
    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fieldQuoted = false
    private var cells: [String] = []
    /// The physical line of the next byte.
    private var line = 1
    /// The physical line where the current record started.
    private var recordLine = 1
    /// The previous byte was a CR, so an LF right now completes the same line break.
    private var afterCarriageReturn = false
    /// Whether the last field ended was quoted (`""` alone on a line is an empty cell, not blank).
    private var lastCellQuoted = false

    init(separator: UInt8) {
        self.separator = separator
    }

    /// Parses `bytes`, appending every completed non-blank record to `rows`.
    mutating func consume(_ bytes: [UInt8], into rows: inout [TabularRow]) {
        for byte in bytes {
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == Self.lineFeed { continue }
            }
            let isLineBreak = byte == Self.lineFeed || byte == Self.carriageReturn
            switch state {
            case .fieldStart:
                if byte == Self.quote {
                    state = .quoted
                    fieldQuoted = true
                } else if byte == separator {
                    endField()
                } else if isLineBreak {
                    endRecord(lineBreak: byte, into: &rows)
                } else {
                    field.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                if byte == separator {
                    endField()
                } else if isLineBreak {
                    endRecord(lineBreak: byte, into: &rows)
                } else if byte == Self.quote && CSVText.trimmedRange(field).isEmpty {
                    // Whitespace before an opening quote (` "a,b"`): treat the field as quoted.
                    field.removeAll(keepingCapacity: true)
                    fieldQuoted = true
                    state = .quoted
                } else {
                    field.append(byte)
                }
            case .quoted:
                if byte == Self.quote {
                    state = .quoteInQuoted
                } else if isLineBreak {
                    field.append(Self.lineFeed)
                    countLineBreak(byte)
                } else {
                    field.append(byte)
                }
            case .quoteInQuoted:
                if byte == Self.quote {
                    field.append(Self.quote)
                    state = .quoted
                } else {
                    state = .afterQuoted
                    afterQuoted(byte, isLineBreak: isLineBreak, into: &rows)
                }
            case .afterQuoted:
                afterQuoted(byte, isLineBreak: isLineBreak, into: &rows)
            }
        }
    }

    /// Ends the input: completes a record without a final line break. Throws `notTabular` for a
    /// quoted field that is never closed.
    mutating func finish(into rows: inout [TabularRow]) throws {
        switch state {
        case .quoted:
            throw TabularFileError(code: .notTabular, message: "A quoted field is never closed (a double quote is missing).", line: recordLine)
        case .fieldStart where cells.isEmpty:
            return
        default:
            endField()
            emitRecord(into: &rows)
        }
    }

    private mutating func afterQuoted(_ byte: UInt8, isLineBreak: Bool, into rows: inout [TabularRow]) {
        if byte == separator {
            endField()
        } else if isLineBreak {
            endRecord(lineBreak: byte, into: &rows)
        } else if byte != 0x20 && byte != 0x09 {
            field.append(byte)
        }
    }

    private mutating func countLineBreak(_ byte: UInt8) {
        line += 1
        afterCarriageReturn = byte == Self.carriageReturn
    }

    private mutating func endField() {
        let value = fieldQuoted ? String(decoding: field, as: UTF8.self) : CSVText.trimmed(field)
        cells.append(value)
        field.removeAll(keepingCapacity: true)
        lastCellQuoted = fieldQuoted
        fieldQuoted = false
        state = .fieldStart
    }

    private mutating func endRecord(lineBreak byte: UInt8, into rows: inout [TabularRow]) {
        endField()
        emitRecord(into: &rows)
        countLineBreak(byte)
        recordLine = line
    }

    /// Appends the record unless it is blank (one unquoted cell that is empty after trimming).
    private mutating func emitRecord(into rows: inout [TabularRow]) {
        let isBlank = cells.count == 1 && cells[0].isEmpty && !lastCellQuoted
        if !isBlank {
            rows.append(TabularRow(line: recordLine, cells: cells))
        }
        cells.removeAll(keepingCapacity: true)
        lastCellQuoted = false
    }
}

/// Trimming of unquoted cells on UTF-8 bytes.
enum CSVText {
    /// Space, tab, U+00A0 (C2 A0), U+3000 ideographic space (E3 80 80) and U+FEFF (EF BB BF).
    private static let multiByteSpaces: [[UInt8]] = [[0xC2, 0xA0], [0xE3, 0x80, 0x80], [0xEF, 0xBB, 0xBF]]

    static func trimmed(_ bytes: [UInt8]) -> String {
        String(decoding: bytes[trimmedRange(bytes)], as: UTF8.self)
    }

    /// The range of `bytes` without leading and trailing whitespace.
    static func trimmedRange(_ bytes: [UInt8]) -> Range<Int> {
        var start = 0
        var end = bytes.count
        scanLeading: while start < end {
            if bytes[start] == 0x20 || bytes[start] == 0x09 {
                start += 1
                continue
            }
            for space in multiByteSpaces where end - start >= space.count && bytes[start..<(start + space.count)].elementsEqual(space) {
                start += space.count
                continue scanLeading
            }
            break
        }
        scanTrailing: while end > start {
            if bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 {
                end -= 1
                continue
            }
            for space in multiByteSpaces where end - start >= space.count && bytes[(end - space.count)..<end].elementsEqual(space) {
                end -= space.count
                continue scanTrailing
            }
            break
        }
        return start..<end
    }
}
