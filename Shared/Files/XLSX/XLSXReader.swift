import Foundation
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
/// into memory (within `XLSXLimits`: part size, compression ratio, sheet area), the shared strings table is held, and all rows
/// are collected before the first `next()`. Peak memory is therefore roughly the uncompressed sheet
/// XML plus the shared strings plus the rows' text (a sheet of a million rows of ten short cells
/// needs several hundred MB); callers should cap the upload size accordingly.
final class XLSXReader: TabularRowSource {
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
