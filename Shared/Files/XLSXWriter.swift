import Foundation
import ZIPFoundation

/// Writes a minimal but valid .xlsx workbook with one sheet ("Sheet1"), for exports and tests.
///
/// Text is written as inline strings (`t="inlineStr"`); an empty text cell is not written at all, so
/// `[.text("a"), .text(""), .text("c")]` gives a sparse row with cells A and C. Dates are numeric
/// serials with style 1 (built-in format 14, shown as a short date). The whole sheet XML is built in
/// memory. Errors are those of the file system and ZIPFoundation.
public enum XLSXWriter {
    public enum Cell: Sendable, Hashable {
        case text(String)
        /// A number; NaN and infinities are written as text.
        case number(Double)
        /// An Excel 1900-system date serial (45000 is 2023-03-15).
        case date(serial: Int)
    }

    /// Writes `rows` (row 1 first) to `url`, replacing an existing file.
    public static func write(rows: [[Cell]], to url: URL) throws {
        try writePackage(parts: packageParts(sheetXML: sheetXML(rows: rows)), to: url)
    }

    /// The parts of a one-sheet workbook around `sheetXML`: content types, relationships, workbook
    /// and styles.
    public static func packageParts(sheetXML: String) -> [(path: String, content: String)] {
        let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"
        let contentTypes = header + """
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            </Types>
            """
        let rootRelationships = header + """
            <Relationships xmlns="\(packageRelationships)">\
            <Relationship Id="rId1" Type="\(relationships)/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """
        let workbook = header + """
            <workbook xmlns="\(main)" xmlns:r="\(relationships)">\
            <sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>\
            </workbook>
            """
        let workbookRelationships = header + """
            <Relationships xmlns="\(packageRelationships)">\
            <Relationship Id="rId1" Type="\(relationships)/worksheet" Target="worksheets/sheet1.xml"/>\
            <Relationship Id="rId2" Type="\(relationships)/styles" Target="styles.xml"/>\
            </Relationships>
            """
        let styles = header + """
            <styleSheet xmlns="\(main)">\
            <fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="2">\
            <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            </cellXfs>\
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
            </styleSheet>
            """
        return [
            ("[Content_Types].xml", contentTypes),
            ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbookRelationships),
            ("xl/styles.xml", styles),
            ("xl/worksheets/sheet1.xml", sheetXML),
        ]
    }

    /// Writes arbitrary parts as a deflated ZIP archive at `url`, replacing an existing file (tests use
    /// it to build workbooks with shared strings or other features this writer does not produce).
    public static func writePackage(parts: [(path: String, content: String)], to url: URL) throws {
        if FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.removeItem(at: url)
        }
        let archive = try Archive(url: url, accessMode: .create, pathEncoding: nil)
        let modified = Date()
        for part in parts {
            let bytes = Data(part.content.utf8)
            try archive.addEntry(
                with: part.path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: modified,
                compressionMethod: .deflate
            ) { position, size in
                let start = bytes.startIndex + Int(position)
                return bytes.subdata(in: start..<min(start + size, bytes.endIndex))
            }
        }
    }

    /// The worksheet XML for `rows`.
    public static func sheetXML(rows: [[Cell]]) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        xml += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
        for (rowIndex, row) in rows.enumerated() {
            let rowNumber = rowIndex + 1
            xml += #"<row r="\#(rowNumber)">"#
            for (columnIndex, cell) in row.enumerated() {
                let reference = columnName(columnIndex) + String(rowNumber)
                switch cell {
                case .text(let text):
                    guard !text.isEmpty else { continue }
                    xml += #"<c r="\#(reference)" t="inlineStr"><is><t xml:space="preserve">"#
                    xml += escape(text)
                    xml += "</t></is></c>"
                case .number(let value):
                    if let number = numberText(value) {
                        xml += #"<c r="\#(reference)"><v>\#(number)</v></c>"#
                    } else {
                        xml += #"<c r="\#(reference)" t="inlineStr"><is><t>\#(escape(String(value)))</t></is></c>"#
                    }
                case .date(let serial):
                    xml += #"<c r="\#(reference)" s="1"><v>\#(serial)</v></c>"#
                }
            }
            xml += "</row>"
        }
        xml += "</sheetData></worksheet>"
        return xml
    }

    /// "A" for 0, "Z" for 25, "AA" for 26.
    public static func columnName(_ index: Int) -> String {
        var remaining = index + 1
        var letters: [Character] = []
        while remaining > 0 {
            let letter = (remaining - 1) % 26
            letters.append(Character(Unicode.Scalar(UInt8(ascii: "A") + UInt8(letter))))
            remaining = (remaining - 1) / 26
        }
        return String(letters.reversed())
    }

    /// Integers up to 10^15 as plain digits, other finite numbers in Swift's shortest round-trip form
    /// (e.g. "2.5", "3.70115199001011e+17"); nil for NaN and infinities.
    static func numberText(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return String(value)
    }

    /// Escapes text for element content: XML's special characters, and OOXML `_xHHHH_` escapes for
    /// control characters (which XML 1.0 cannot carry), CR (which XML would turn into LF) and for a
    /// literal "_x" sequence that would otherwise read as an escape.
    static func escape(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            case "_" where looksLikeEscape(scalars, at: index): result += "_x005F_"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    result += "_x" + hex4(scalar.value) + "_"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }

    /// Whether `_xHHHH_` starts at `index`.
    private static func looksLikeEscape(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + 6 < scalars.count, scalars[index + 1] == "x", scalars[index + 6] == "_" else { return false }
        return scalars[(index + 2)..<(index + 6)].allSatisfy { $0.properties.isASCIIHexDigit }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
