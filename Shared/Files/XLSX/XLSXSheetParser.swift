import Foundation

/// A worksheet: rows of non-empty cells placed by their column letters, kept sparse, within
/// `XLSXLimits.maximumCells` (rows × the widest row).
final class XLSXSheetParser: XLSXPartParser {
    /// Excel's last column is XFD.
    static let maximumColumns = 16_384

    private let formatter: XLSXCellFormatter
    private(set) var rows: [TabularRow] = []

    private var rowNumber = 0
    private var cells: [TabularRow.Entry] = []
    private var widest = 0
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
            if let last = cells.last, last.column >= column {
                // Out of order or repeated references: place the cell where it belongs.
                cells.removeAll { $0.column == column }
                let at = cells.firstIndex { $0.column > column } ?? cells.endIndex
                cells.insert(TabularRow.Entry(column: column, text: text), at: at)
            } else {
                cells.append(TabularRow.Entry(column: column, text: text))
            }
        case "row":
            if !cells.isEmpty {
                widest = max(widest, (cells.last?.column ?? 0) + 1)
                guard (rows.count + 1) * widest <= XLSXLimits.maximumCells else {
                    throw XLSXLimits.exceeded(.cells, detail: " Row \(rowNumber) reaches column \(widest).")
                }
                rows.append(TabularRow(line: rowNumber, entries: cells))
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
