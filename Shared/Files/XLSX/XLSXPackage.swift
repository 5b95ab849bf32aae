import Foundation
import ZIPFoundation

/// The parts of an .xlsx package and how they refer to each other.
struct XLSXPackage {
    let archive: Archive

    static func failure(_ message: String, line: Int? = nil) -> TabularFileError {
        TabularFileError(code: .badXLSX, message: message, line: line)
    }

    /// Parses the first worksheet into rows.
    func readFirstSheet() throws -> [TabularRow] {
        try XLSXLimits.checkDirectory(of: archive)
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
        guard sharedStrings.count <= XLSXLimits.maximumSharedStrings else {
            throw XLSXLimits.exceeded(.sharedStrings)
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
        // The directory's claims were checked once by `readFirstSheet` (XLSXLimits.checkDirectory).
        let limit = XLSXLimits.maximumPartBytes
        let ratioLimit = max(UInt64(XLSXLimits.ratioCheckedFrom), entry.compressedSize * UInt64(XLSXLimits.maximumCompressionRatio))
        var data = Data()
        data.reserveCapacity(min(Int(entry.uncompressedSize), 16 << 20))  // the header's size is the file's claim, not a fact
        var exceeded: TabularFileError?
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                // The directory's sizes are the file's claim; the bytes actually unpacked are the fact.
                if data.count + chunk.count > limit {
                    exceeded = XLSXLimits.exceeded(.partBytes)
                } else if UInt64(data.count + chunk.count) > ratioLimit {
                    exceeded = XLSXLimits.exceeded(.compressionRatio)
                }
                if exceeded != nil { throw Archive.ArchiveError.invalidEntrySize }
                data.append(chunk)
            }
        } catch {
            throw exceeded ?? Self.failure("The workbook is damaged (a part cannot be decompressed).")
        }
        return data
    }
}
