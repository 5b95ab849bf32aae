import Foundation
import LifelineEvents
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// Reads the first worksheet of an .xlsx workbook.
///
/// The worksheet is found through `xl/workbook.xml` and `xl/_rels/workbook.xml.rels` (falling back to
/// `xl/worksheets/sheet1.xml`). Cells become text the way Excel shows them for the purposes of an
/// import: shared and inline strings as is, booleans as "TRUE"/"FALSE", errors as their code
/// ("#N/A"), date-formatted numbers as `YYYY-MM-DD`, integers without ".0" (also when stored in
/// scientific notation, e.g. `3.70115199001011E+17` → `370115199001011000`), other numbers as stored.
/// Missing cells are "", trailing empty cells are dropped and rows without any non-empty cell are
/// skipped; `TabularRow.line` is the row number `r`.
///
/// Memory: the XML parts are parsed with XMLParser (SAX, no DOM), but each part is first extracted
/// into memory (at most `maximumPartSize` bytes each), the shared strings table is held, and all rows
/// are collected before the first `next()`. Peak memory is therefore roughly the uncompressed sheet
/// XML plus the shared strings plus the rows' text (a sheet of a million rows of ten short cells
/// needs several hundred MB); callers should cap the upload size accordingly.
final class XLSXReader: TabularRowSource {
    /// The largest uncompressed part (sheet, shared strings, …) that is read; larger ones are rejected.
    static let maximumPartSize = 512 * 1024 * 1024

    let encodingName = "XLSX"
    private let rows: [TabularRow]
    private var index = 0

    init(url: URL) throws {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw TabularFileError(code: .unreadable, message: "The file could not be opened for reading.")
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read, pathEncoding: nil)
        } catch {
            throw XLSXPackage.failure("The file is not a valid XLSX workbook (it is not a readable ZIP archive).")
        }
        rows = try XLSXPackage(archive: archive).readFirstSheet()
    }

    func next() -> TabularRow? {
        guard index < rows.count else { return nil }
        index += 1
        return rows[index - 1]
    }
}

// MARK: - Package structure

/// The parts of an .xlsx package and how they refer to each other.
struct XLSXPackage {
    let archive: Archive

    static func failure(_ message: String, line: Int? = nil) -> TabularFileError {
        TabularFileError(code: .badXLSX, message: message, line: line)
    }

    /// Parses the first worksheet into rows.
    func readFirstSheet() throws -> [TabularRow] {
        let layout = try locateParts()
        let styles = XLSXStylesParser()
        if let data = try part(layout.stylesPath) {
            try styles.run(data, part: "styles")
        }
        var sharedStrings: [String] = []
        if let data = try part(layout.sharedStringsPath) {
            let parser = XLSXSharedStringsParser()
            try parser.run(data, part: "shared strings")
            sharedStrings = parser.strings
        }
        let formatter = XLSXCellFormatter(sharedStrings: sharedStrings, dateStyles: styles.dateStyles, date1904: layout.date1904)
        guard let sheetData = try part(layout.sheetPath) else {
            throw Self.failure("The workbook has no worksheet.")
        }
        let sheet = XLSXSheetParser(formatter: formatter)
        try sheet.run(sheetData, part: "worksheet")
        return sheet.rows
    }

    /// Where the first worksheet, the shared strings and the styles are, and the date system.
    struct Layout {
        var sheetPath: String
        var sharedStringsPath = "xl/sharedStrings.xml"
        var stylesPath = "xl/styles.xml"
        var date1904 = false
    }

    func locateParts() throws -> Layout {
        let fallbackSheet = "xl/worksheets/sheet1.xml"
        guard let workbookData = try part("xl/workbook.xml") else {
            guard findEntry(fallbackSheet) != nil else {
                throw Self.failure("The file is a ZIP archive but not an Excel workbook.")
            }
            return Layout(sheetPath: fallbackSheet)
        }
        let workbook = XLSXWorkbookParser()
        try workbook.run(workbookData, part: "workbook")
        var relationships: [String: XLSXRelationshipsParser.Relationship] = [:]
        if let relsData = try part("xl/_rels/workbook.xml.rels") {
            let parser = XLSXRelationshipsParser()
            try parser.run(relsData, part: "workbook relationships")
            relationships = parser.relationships
        }
        var layout = Layout(sheetPath: fallbackSheet, date1904: workbook.date1904)
        var found = false
        for id in workbook.sheetRelationshipIds {
            guard let relationship = relationships[id], relationship.type.hasSuffix("/worksheet") else { continue }
            let path = Self.resolve(relationship.target)
            if findEntry(path) != nil {
                layout.sheetPath = path
                found = true
                break
            }
        }
        if !found && findEntry(fallbackSheet) == nil {
            throw Self.failure("The workbook has no worksheet.")
        }
        for relationship in relationships.values {
            if relationship.type.hasSuffix("/sharedStrings") { layout.sharedStringsPath = Self.resolve(relationship.target) }
            if relationship.type.hasSuffix("/styles") { layout.stylesPath = Self.resolve(relationship.target) }
        }
        return layout
    }

    /// Resolves a relationship target of `xl/workbook.xml` to a path in the archive.
    static func resolve(_ target: String) -> String {
        let cleaned = target.replacingOccurrences(of: "\\", with: "/")
        var components: [Substring] = cleaned.hasPrefix("/") ? [] : ["xl"]
        for component in cleaned.split(separator: "/") {
            if component == "." { continue }
            if component == ".." {
                if !components.isEmpty { components.removeLast() }
                continue
            }
            components.append(component)
        }
        return components.joined(separator: "/")
    }

    /// The entry at `path`, matched exactly or else case-insensitively (some writers differ in case
    /// or use backslashes).
    func findEntry(_ path: String) -> Entry? {
        if let entry = archive[path] { return entry }
        let wanted = path.lowercased()
        return archive.first { $0.path.replacingOccurrences(of: "\\", with: "/").lowercased() == wanted }
    }

    /// The uncompressed bytes of the part at `path`, or nil when there is no such file.
    func part(_ path: String) throws -> Data? {
        guard let entry = findEntry(path), entry.type == .file else { return nil }
        let limit = XLSXReader.maximumPartSize
        guard entry.uncompressedSize <= UInt64(limit) else {
            throw Self.failure("The workbook is too large to import.")
        }
        var data = Data()
        data.reserveCapacity(min(Int(entry.uncompressedSize), 16 << 20))  // the header's size is the file's claim, not a fact
        var tooLarge = false
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard data.count + chunk.count <= limit else {
                    tooLarge = true
                    throw Archive.ArchiveError.invalidEntrySize
                }
                data.append(chunk)
            }
        } catch {
            throw Self.failure(tooLarge ? "The workbook is too large to import." : "The workbook is damaged (a part cannot be decompressed).")
        }
        return data
    }
}

// MARK: - XML parts

/// A SAX handler for one XML part. Subclasses override `didStart`, `didEnd` and `found`, which see
/// element names without namespace prefix and may throw to stop the parse.
class XLSXPartParser: NSObject, XMLParserDelegate {
    private var failure: TabularFileError?

    func didStart(_ name: String, attributes: [String: String]) throws {}
    func didEnd(_ name: String) throws {}
    func found(_ text: String) {}

    /// Parses `data`; `part` names the part in error messages ("worksheet", "styles", …).
    func run(_ data: Data, part: String) throws {
        if Self.hasDocumentTypeDeclaration(data) {
            throw XLSXPackage.failure("The workbook's \(part) part contains a document type declaration, which is not allowed.")
        }
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = self
        let succeeded = parser.parse()
        parser.delegate = nil
        if let failure { throw failure }
        if !succeeded {
            throw XLSXPackage.failure("The workbook's \(part) part is not well-formed XML.")
        }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        guard failure == nil else { return }
        do {
            try didStart(Self.localName(elementName), attributes: attributeDict)
        } catch {
            stop(parser, error)
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard failure == nil else { return }
        do {
            try didEnd(Self.localName(elementName))
        } catch {
            stop(parser, error)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard failure == nil else { return }
        found(string)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard failure == nil else { return }
        found(String(decoding: CDATABlock, as: UTF8.self))
    }

    private func stop(_ parser: XMLParser, _ error: any Error) {
        failure = (error as? TabularFileError) ?? XLSXPackage.failure("The workbook could not be read.")
        parser.abortParsing()
    }

    /// `x:row` → `row`.
    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    /// The attribute `name`, with or without a namespace prefix (`r:id` for `id`).
    static func attribute(_ name: String, in attributes: [String: String]) -> String? {
        if let value = attributes[name] { return value }
        let suffix = ":" + name
        return attributes.first { $0.key.hasSuffix(suffix) && !$0.key.hasPrefix("xmlns") }?.value
    }

    /// Whether the prolog (before the root element) has `<!DOCTYPE`. OOXML parts never do; refusing
    /// them keeps entity expansion out of reach.
    static func hasDocumentTypeDeclaration(_ data: Data) -> Bool {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            let doctype = Array("<!DOCTYPE".utf8)
            var index = 0
            func matches(_ pattern: [UInt8], at position: Int) -> Bool {
                guard position + pattern.count <= bytes.count else { return false }
                for offset in 0..<pattern.count where bytes[position + offset] != pattern[offset] { return false }
                return true
            }
            func skip(past terminator: [UInt8], from position: Int) -> Int {
                var current = position
                while current < bytes.count && !matches(terminator, at: current) { current += 1 }
                return current + terminator.count
            }
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "<") else {
                    index += 1
                    continue
                }
                if matches(doctype, at: index) { return true }
                if matches(Array("<!--".utf8), at: index) {
                    index = skip(past: Array("-->".utf8), from: index + 4)
                } else if matches(Array("<?".utf8), at: index) {
                    index = skip(past: Array("?>".utf8), from: index + 2)
                } else {
                    return false  // the root element: the prolog is over
                }
            }
            return false
        }
    }
}

/// `xl/workbook.xml`: the sheets in order and the date system.
final class XLSXWorkbookParser: XLSXPartParser {
    private(set) var sheetRelationshipIds: [String] = []
    private(set) var date1904 = false

    override func didStart(_ name: String, attributes: [String: String]) throws {
        switch name {
        case "sheet":
            if let id = Self.attribute("id", in: attributes) { sheetRelationshipIds.append(id) }
        case "workbookPr":
            let value = attributes["date1904"]?.lowercased()
            date1904 = value == "1" || value == "true"
        default:
            break
        }
    }
}

/// A `.rels` part: relationship id → type and target.
final class XLSXRelationshipsParser: XLSXPartParser {
    struct Relationship {
        var type: String
        var target: String
    }

    private(set) var relationships: [String: Relationship] = [:]

    override func didStart(_ name: String, attributes: [String: String]) throws {
        guard name == "Relationship", attributes["TargetMode"] != "External",
            let id = attributes["Id"], let type = attributes["Type"], let target = attributes["Target"]
        else { return }
        relationships[id] = Relationship(type: type, target: target)
    }
}

/// `xl/sharedStrings.xml`: the text of every `<si>`, concatenating its `<t>` and rich-text runs
/// `<r><t>`, but not the phonetic guides `<rPh>` (which Excel does not display).
final class XLSXSharedStringsParser: XLSXPartParser {
    private(set) var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var phoneticDepth = 0
    private var collecting = false

    override func didStart(_ name: String, attributes: [String: String]) throws {
        switch name {
        case "si":
            inItem = true
            current = ""
        case "rPh":
            phoneticDepth += 1
        case "t":
            collecting = inItem && phoneticDepth == 0
        default:
            break
        }
    }

    override func didEnd(_ name: String) throws {
        switch name {
        case "t":
            collecting = false
        case "rPh":
            phoneticDepth = max(0, phoneticDepth - 1)
        case "si":
            strings.append(OOXMLText.unescape(current))
            inItem = false
            current = ""
        default:
            break
        }
    }

    override func found(_ text: String) {
        if collecting { current += text }
    }
}

/// `xl/styles.xml`: the number format of every cell format (`cellXfs`) and the custom formats.
final class XLSXStylesParser: XLSXPartParser {
    private(set) var cellFormatIds: [Int] = []
    private(set) var customFormats: [Int: String] = [:]
    private var inCellFormats = false

    /// Per cell format index (`s` of a cell): whether its number format shows a date.
    var dateStyles: [Bool] {
        cellFormatIds.map { XLSXDateFormat.isDate(numberFormatId: $0, customFormats: customFormats) }
    }

    override func didStart(_ name: String, attributes: [String: String]) throws {
        switch name {
        case "numFmt":
            if let id = attributes["numFmtId"].flatMap({ Int($0) }), let code = attributes["formatCode"] {
                customFormats[id] = code
            }
        case "cellXfs":
            inCellFormats = true
        case "xf" where inCellFormats:
            cellFormatIds.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0)
        default:
            break
        }
    }

    override func didEnd(_ name: String) throws {
        if name == "cellXfs" { inCellFormats = false }
    }
}

/// A worksheet: rows of cells placed by their column letters.
final class XLSXSheetParser: XLSXPartParser {
    /// Excel's last column is XFD.
    static let maximumColumns = 16_384

    private let formatter: XLSXCellFormatter
    private(set) var rows: [TabularRow] = []

    private var rowNumber = 0
    private var cells: [String] = []
    private var nextColumn = 0
    private var inCell = false
    private var column = 0
    private var cellType: String?
    private var cellStyle: Int?
    private var value = ""
    private var inlineText = ""
    private var collectingValue = false
    private var inInlineString = false
    private var collectingInline = false
    private var phoneticDepth = 0

    init(formatter: XLSXCellFormatter) {
        self.formatter = formatter
        super.init()
    }

    override func didStart(_ name: String, attributes: [String: String]) throws {
        switch name {
        case "row":
            let number = attributes["r"].flatMap { Int($0) } ?? rowNumber + 1
            rowNumber = max(1, number)
            cells = []
            nextColumn = 0
        case "c":
            inCell = true
            column = attributes["r"].flatMap { Self.columnIndex($0) } ?? nextColumn
            guard column < Self.maximumColumns else {
                throw XLSXPackage.failure("A row has a cell beyond the last Excel column.", line: rowNumber)
            }
            cellType = attributes["t"]
            cellStyle = attributes["s"].flatMap { Int($0) }
            value = ""
            inlineText = ""
        case "v":
            collectingValue = inCell
        case "is":
            inInlineString = inCell
        case "rPh":
            phoneticDepth += 1
        case "t":
            collectingInline = inInlineString && phoneticDepth == 0
        default:
            break
        }
    }

    override func didEnd(_ name: String) throws {
        switch name {
        case "v":
            collectingValue = false
        case "t":
            collectingInline = false
        case "rPh":
            phoneticDepth = max(0, phoneticDepth - 1)
        case "is":
            inInlineString = false
        case "c":
            guard inCell else { return }
            inCell = false
            let text = try formatter.text(type: cellType, style: cellStyle, value: value, inline: inlineText, row: rowNumber)
            nextColumn = column + 1
            guard !text.isEmpty else { return }
            if column >= cells.count {
                cells.append(contentsOf: repeatElement("", count: column - cells.count + 1))
            }
            cells[column] = text
        case "row":
            // Empty cells are never placed, so the last cell is non-empty unless there is none.
            if !cells.isEmpty {
                rows.append(TabularRow(line: rowNumber, cells: cells))
            }
            cells = []
        default:
            break
        }
    }

    override func found(_ text: String) {
        if collectingValue {
            value += text
        } else if collectingInline {
            inlineText += text
        }
    }

    /// The 0-based column of a cell reference: "A1" → 0, "C5" → 2, "AA10" → 26; nil without letters.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for byte in reference.utf8 {
            if byte == UInt8(ascii: "$") { continue }
            let letter: UInt8
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                letter = byte - UInt8(ascii: "A")
            } else if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") {
                letter = byte - UInt8(ascii: "a")
            } else {
                break  // the row digits
            }
            letters += 1
            if letters > 3 { return maximumColumns }  // beyond XFD: rejected by the caller
            index = index * 26 + Int(letter) + 1
        }
        return letters == 0 ? nil : index - 1
    }
}

// MARK: - Cell values

/// Turns a cell's type, style and stored value into the text an import works with.
struct XLSXCellFormatter {
    var sharedStrings: [String]
    /// Per cell format index: whether the format shows a date.
    var dateStyles: [Bool]
    /// The 1904 date system (`<workbookPr date1904="1"/>`).
    var date1904: Bool

    func text(type: String?, style: Int?, value: String, inline: String, row: Int) throws -> String {
        switch type ?? "n" {
        case "s":
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let index = Int(trimmed), sharedStrings.indices.contains(index) else {
                throw XLSXPackage.failure("A cell refers to a shared string that does not exist.", line: row)
            }
            return sharedStrings[index]
        case "inlineStr":
            return OOXMLText.unescape(inline)
        case "str", "e":
            return value
        case "b":
            switch value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
            case "": return ""
            case "1", "true": return "TRUE"
            default: return "FALSE"
            }
        case "d":
            // ISO 8601 date (strict OOXML); keep the date part.
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.count >= 10 ? String(trimmed.prefix(10)) : trimmed
        default:
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { return OOXMLText.unescape(inline) }
            if let style, dateStyles.indices.contains(style), dateStyles[style],
                let serial = Double(trimmed), let date = XLSXDates.text(serial: serial, date1904: date1904)
            {
                return date
            }
            return XLSXNumberText.render(trimmed)
        }
    }
}

/// Renders stored numbers: integers as plain digits, everything else as stored.
enum XLSXNumberText {
    /// "45000" → "45000", "12.0" → "12", "3.70115199001011E+17" → "370115199001011000",
    /// "1.5" → "1.5", "1E-3" → "1E-3". The digits are expanded from the text, never through Double,
    /// so no digits are invented or lost beyond what the file stores.
    static func render(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let zero = UInt8(ascii: "0")
        let nine = UInt8(ascii: "9")
        var index = 0
        var negative = false
        if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var integerDigits: [UInt8] = []
        while index < bytes.count && bytes[index] >= zero && bytes[index] <= nine {
            integerDigits.append(bytes[index])
            index += 1
        }
        var fractionDigits: [UInt8] = []
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count && bytes[index] >= zero && bytes[index] <= nine {
                fractionDigits.append(bytes[index])
                index += 1
            }
        }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return text }
        var exponent = 0
        if index < bytes.count && (bytes[index] == UInt8(ascii: "E") || bytes[index] == UInt8(ascii: "e")) {
            index += 1
            var exponentNegative = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponentDigits = 0
            while index < bytes.count && bytes[index] >= zero && bytes[index] <= nine {
                guard exponentDigits < 4 else { return text }
                exponent = exponent * 10 + Int(bytes[index] - zero)
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0 else { return text }
            if exponentNegative { exponent = -exponent }
        }
        guard index == bytes.count else { return text }

        let digits = integerDigits + fractionDigits
        let point = integerDigits.count + exponent  // the decimal point sits before digits[point]
        guard point <= 40 else { return text }
        if point < digits.count {
            let fraction = digits[max(0, point)...]
            guard fraction.allSatisfy({ $0 == zero }) else { return text }
        }
        var integer: [UInt8]
        if point <= 0 {
            integer = []
        } else if point <= digits.count {
            integer = Array(digits[..<point])
        } else {
            integer = digits + Array(repeating: zero, count: point - digits.count)
        }
        let firstSignificant = integer.firstIndex { $0 != zero } ?? integer.count
        integer.removeFirst(firstSignificant)
        if integer.isEmpty { return "0" }
        return (negative ? "-" : "") + String(decoding: integer, as: UTF8.self)
    }
}

/// Excel date serials.
enum XLSXDates {
    /// The date of a serial as `YYYY-MM-DD`, ignoring the time of day; nil when out of range.
    ///
    /// 1900 system: serial 1 is 1900-01-01 and, as in Lotus 1-2-3, serial 60 is the nonexistent
    /// 1900-02-29 (rendered as such, so a date check rejects it); from 61 on serials are days since
    /// 1899-12-30. 1904 system: serial 0 is 1904-01-01.
    static func text(serial: Double, date1904: Bool) -> String? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }  // up to 9999-12-31
        let day = Int(serial.rounded(.down))
        let daysSince1970: Int
        if date1904 {
            daysSince1970 = day - 24_107
        } else {
            guard day >= 1 else { return nil }
            if day == 60 { return "1900-02-29" }
            daysSince1970 = day < 60 ? day - 25_568 : day - 25_569
        }
        return isoDate(daysSince1970: daysSince1970)
    }

    /// The proleptic Gregorian date `days` after 1970-01-01.
    static func isoDate(daysSince1970 days: Int) -> String {
        let (year, month, day) = CivilDay.civil(fromDaysSinceEpoch: days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Which number formats show dates.
enum XLSXDateFormat {
    /// Built-in date (and date-time) formats, including the East Asian ones.
    static let builtInDateIds: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    static func isDate(numberFormatId: Int, customFormats: [Int: String]) -> Bool {
        if let code = customFormats[numberFormatId] { return isDate(formatCode: code) }
        return builtInDateIds.contains(numberFormatId)
    }

    /// Whether a format code shows a date: after dropping quoted text, escaped characters and
    /// bracketed sections (colours, locales, conditions; elapsed-time `[h]` counts as time), it has
    /// `y` or `d`, or `m` without `h` or `s` (so `mm:ss` and `[h]:mm` are times).
    static func isDate(formatCode: String) -> Bool {
        var letters = Set<Character>()
        var iterator = formatCode.lowercased().makeIterator()
        while let character = iterator.next() {
            switch character {
            case "\"":
                while let quoted = iterator.next(), quoted != "\"" {}
            case "\\", "_", "*":
                _ = iterator.next()
            case "[":
                var content = ""
                while let inner = iterator.next(), inner != "]" { content.append(inner) }
                if !content.isEmpty && content.allSatisfy({ "hms".contains($0) }) {
                    letters.formUnion(content)
                }
            default:
                letters.insert(character)
            }
        }
        if letters.contains("y") || letters.contains("d") { return true }
        return letters.contains("m") && !letters.contains("h") && !letters.contains("s")
    }
}

/// The `_xHHHH_` escapes OOXML uses in strings for characters XML cannot carry (e.g. `_x000D_`).
enum OOXMLText {
    static func unescape(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "_", index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_",
                scalars[(index + 2)..<(index + 6)].allSatisfy({ $0.properties.isASCIIHexDigit })
            {
                var hex = ""
                hex.unicodeScalars.append(contentsOf: scalars[(index + 2)..<(index + 6)])
                if let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                    result.append(scalar)
                    index += 7
                    continue
                }
            }
            result.append(scalars[index])
            index += 1
        }
        return String(result)
    }
}
