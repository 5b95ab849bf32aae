import Foundation

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
