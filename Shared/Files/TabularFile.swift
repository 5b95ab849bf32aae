import Foundation

/// One row of a tabular file with its 1-based line number (CSV: the physical line where the record
/// starts; XLSX: the sheet's row number `r`).
///
/// Stored sparsely: only non-empty cells with their column, so a workbook with one cell at column XFD
/// costs one entry, not 16,384. Rows with the same non-empty cells are equal however they were read.
public struct TabularRow: Sendable, Hashable {
    /// A non-empty cell.
    public struct Entry: Sendable, Hashable {
        /// The 0-based column.
        public var column: Int
        /// The cell's text (never empty).
        public var text: String

        /// Creates a cell.
        public init(column: Int, text: String) {
            self.column = column
            self.text = text
        }
    }

    /// The 1-based line (CSV) or row number (XLSX).
    public var line: Int
    /// The non-empty cells in ascending column order.
    public private(set) var entries: [Entry]

    /// A row from all its cells in column order (empty ones included).
    public init(line: Int, cells: [String]) {
        self.line = line
        entries = []
        entries.reserveCapacity(cells.count)
        for (column, text) in cells.enumerated() where !text.isEmpty { entries.append(Entry(column: column, text: text)) }
    }

    /// A row from its non-empty cells in ascending column order.
    public init(line: Int, entries: [Entry]) {
        self.line = line
        self.entries = entries
    }

    /// The cell at a 0-based column ("" when empty or beyond the row).
    public subscript(column: Int) -> String {
        // Rows are short or sparse: a linear scan of the non-empty cells beats a dictionary.
        for entry in entries {
            if entry.column == column { return entry.text }
            if entry.column > column { break }
        }
        return ""
    }

    /// One more than the last non-empty column.
    public var width: Int { (entries.last?.column ?? -1) + 1 }

    /// The cells from column 0 to the last non-empty one (for a header row; data rows use the subscript).
    public var cells: [String] {
        var dense = [String](repeating: "", count: width)
        for entry in entries { dense[entry.column] = entry.text }
        return dense
    }

    /// Whether every cell is empty or whitespace.
    public var isBlank: Bool { entries.allSatisfy { $0.text.trimmingWhitespace().isEmpty } }
}

/// A source of rows, read lazily so that a file of a million rows is never held in memory at once
/// (the XLSX reader is the exception: it holds the parsed rows of its sheet, see `XLSXReader`).
///
/// Blank records (CSV lines of only whitespace, XLSX rows without any non-empty cell) are skipped;
/// the line numbers of the remaining rows still count them.
public protocol TabularRowSource: AnyObject {
    /// The next row, or nil at the end of the file. After an error every further call throws again.
    func next() throws -> TabularRow?
    /// How the file was read: "UTF-8", "GB18030" or "XLSX".
    var encodingName: String { get }
}

/// Why a file could not be read as a table. The message is English and never quotes file content
/// (household files hold ID numbers), so it can be logged and shown as is.
public struct TabularFileError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The file could not be opened or read.
        case unreadable
        /// The file is not a table (binary, legacy .xls, unterminated quote, …).
        case notTabular
        /// The bytes are neither valid UTF-8 nor valid GB18030, or the file is UTF-16.
        case badEncoding
        /// The file claims to be XLSX but is not a readable workbook.
        case badXLSX
        /// Reading it would pass one of `XLSXLimits` (size, compression ratio, cells); the message names it.
        case limitExceeded
    }

    /// What failed.
    public var code: Code
    /// English, no file content.
    public var message: String
    /// The 1-based line (CSV) or row (XLSX) the problem was found on, when known.
    public var line: Int? = nil
    /// For `limitExceeded`: which limit.
    public var limit: XLSXLimits.Limit? = nil

    /// Creates an error.
    public init(code: Code, message: String, line: Int? = nil, limit: XLSXLimits.Limit? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.limit = limit
    }

    /// The code, the line if known and the message.
    public var description: String {
        if let line { return "\(code.rawValue) (line \(line)): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}

/// Opens household files whatever their format.
public enum TabularFile {
    /// Opens `url` as XLSX when the file starts with the ZIP signature "PK\u{3}\u{4}", otherwise as
    /// CSV (or TSV) with encoding detection (see `CSVReader`). A file named .xlsx/.xlsm that is not
    /// a ZIP archive is reported as `badXLSX`; a legacy binary .xls as `notTabular`.
    public static func open(_ url: URL) throws -> any TabularRowSource {
        let head = try readHead(of: url, count: 8)
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            return try XLSXReader(url: url)
        }
        let pathExtension = url.pathExtension.lowercased()
        if pathExtension == "xlsx" || pathExtension == "xlsm" {
            throw TabularFileError(code: .badXLSX, message: "The file is not a valid XLSX workbook (it is not a ZIP archive).")
        }
        return try CSVReader(url: url)
    }

    /// The first `count` bytes of the file (fewer when the file is shorter).
    private static func readHead(of url: URL, count: Int) throws -> [UInt8] {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw TabularFileError(code: .unreadable, message: "The file could not be opened for reading.")
        }
    }
}
