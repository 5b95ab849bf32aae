import Foundation

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
