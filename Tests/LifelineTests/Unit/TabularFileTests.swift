import Foundation
import Testing

@testable import Intake
@testable import LifelineFiles

/// GBK/GB18030 bytes of the Chinese strings used below (checked with `iconv -t GB18030`).
private enum GBK {
    static let householdNumber: [UInt8] = [0xBB, 0xA7, 0xB1, 0xE0, 0xBA, 0xC5]  // 户编号
    static let name: [UInt8] = [0xD0, 0xD5, 0xC3, 0xFB]  // 姓名
    static let zhangSan: [UInt8] = [0xD5, 0xC5, 0xC8, 0xFD]  // 张三
    static let comma = Array(",".utf8)
    static let newline = Array("\n".utf8)
    /// "户编号,姓名\n"
    static let header = householdNumber + comma + name + newline
}

private func makeTemporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tabular-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

private func writeFile(_ bytes: [UInt8], named name: String, in directory: URL) throws -> URL {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url
}

private func readAll(_ source: any TabularRowSource) throws -> [TabularRow] {
    var rows: [TabularRow] = []
    while let row = try source.next() { rows.append(row) }
    return rows
}

private func row(_ line: Int, _ cells: String...) -> TabularRow {
    TabularRow(line: line, cells: cells)
}

@Suite struct TabularFileTests {
    // MARK: CSV encodings

    @Test func readsUTF8WithByteOrderMarkAndChinese() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try writeFile([0xEF, 0xBB, 0xBF] + Array("户编号,姓名\r\n0001,张三\r\n".utf8), named: "bom.csv", in: directory)

        let source = try TabularFile.open(url)
        #expect(source.encodingName == "UTF-8")
        #expect(try readAll(source) == [row(1, "户编号", "姓名"), row(2, "0001", "张三")])
    }

    @Test func readsUTF8WithoutByteOrderMarkTrimsUnquotedCellsAndSkipsTrailingBlankLines() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try writeFile(Array("户编号,姓名\n 0001 ,\u{3000}张三\u{3000}\n\n  \n\n".utf8), named: "plain.csv", in: directory)

        let source = try TabularFile.open(url)
        #expect(source.encodingName == "UTF-8")
        #expect(try readAll(source) == [row(1, "户编号", "姓名"), row(2, "0001", "张三")])
    }

    @Test func readsGB18030() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = GBK.header + Array("0001,".utf8) + GBK.zhangSan + GBK.newline
        let url = try writeFile(bytes, named: "gbk.csv", in: directory)

        let source = try TabularFile.open(url)
        #expect(source.encodingName == "GB18030")
        #expect(try readAll(source) == [row(1, "户编号", "姓名"), row(2, "0001", "张三")])
    }

    @Test func readsGB18030WhenACharacterStraddlesTheChunkBoundary() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Header (12 bytes) + a 6-byte padding row put the 256 KiB boundary inside a "张" below.
        var bytes = GBK.header + Array("ab,".utf8) + [0xD5, 0xC5] + GBK.newline
        let rowCount = 30_000
        for index in 0..<rowCount {
            let digits = String(index)
            bytes += Array((String(repeating: "0", count: 5 - digits.count) + digits + ",").utf8) + GBK.zhangSan + GBK.newline
        }
        let boundary = CSVReader.defaultChunkSize
        #expect(bytes.count > boundary + 1000)
        #expect(bytes[boundary - 1] == 0xD5 && bytes[boundary] == 0xC5)  // 张 is cut in two
        let url = try writeFile(bytes, named: "large.csv", in: directory)

        let source = try TabularFile.open(url)
        #expect(source.encodingName == "GB18030")
        let rows = try readAll(source)
        #expect(rows.count == rowCount + 2)
        #expect(rows.first == row(1, "户编号", "姓名"))
        #expect(rows[1] == row(2, "ab", "张"))
        let wrong = rows.dropFirst(2).enumerated().filter { index, member in
            let digits = String(index)
            let number = String(repeating: "0", count: 5 - digits.count) + digits
            return member != row(index + 3, number, "张三")
        }
        #expect(wrong.isEmpty)
    }

    @Test func tinyChunksGiveTheSameRowsInBothEncodings() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let utf8 = try writeFile(
            [0xEF, 0xBB, 0xBF] + Array("户编号,姓名\r\n\"0,1\",\"张\r\n三\"\r\n0002,张三\r\n".utf8), named: "utf8.csv", in: directory)
        let gbk = try writeFile(
            GBK.header + Array("\"0,1\",\"".utf8) + [0xD5, 0xC5] + Array("\r\n".utf8) + [0xC8, 0xFD] + Array("\"\r\n0002,".utf8)
                + GBK.zhangSan + Array("\r\n".utf8),
            named: "gbk.csv", in: directory)
        let expected = [row(1, "户编号", "姓名"), row(2, "0,1", "张\n三"), row(4, "0002", "张三")]

        for chunkSize in [1, 2, 3, 5, 7] {
            let utf8Reader = try CSVReader(url: utf8, chunkSize: chunkSize)
            #expect(utf8Reader.encodingName == "UTF-8")
            #expect(try readAll(utf8Reader) == expected, "UTF-8, chunk size \(chunkSize)")
            let gbkReader = try CSVReader(url: gbk, chunkSize: chunkSize)
            #expect(gbkReader.encodingName == "GB18030")
            #expect(try readAll(gbkReader) == expected, "GB18030, chunk size \(chunkSize)")
        }
    }

    // MARK: CSV structure

    @Test func readsQuotedFieldsWithCommasEscapedQuotesAndLineBreaks() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = #"""
            户编号,姓名,备注
            1,"张,三","他说""好"""
            2,"李四","第一行
            第二行
            第三行"
            3,王五,  末尾\#u{3000}
            4," 空格 ",""

            \#("  ")

            """#
        let url = try writeFile(Array(text.utf8), named: "quoted.csv", in: directory)

        let rows = try readAll(try TabularFile.open(url))
        #expect(
            rows == [
                row(1, "户编号", "姓名", "备注"),
                row(2, "1", "张,三", "他说\"好\""),
                row(3, "2", "李四", "第一行\n第二行\n第三行"),
                row(6, "3", "王五", "末尾"),
                row(7, "4", " 空格 ", ""),
            ])
    }

    @Test func readsCRLFWithLineBreaksInsideQuotes() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try writeFile(Array("a,b\r\n\"x\r\ny\",z\r\nq,\r\n".utf8), named: "crlf.csv", in: directory)

        #expect(try readAll(try TabularFile.open(url)) == [row(1, "a", "b"), row(2, "x\ny", "z"), row(4, "q", "")])
    }

    @Test func readsTabSeparatedFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try writeFile(Array("户编号\t姓名\n0001\t张三, 李四\n".utf8), named: "tabs.csv", in: directory)

        #expect(try readAll(try TabularFile.open(url)) == [row(1, "户编号", "姓名"), row(2, "0001", "张三, 李四")])
    }

    @Test func reportsAnUnterminatedQuoteWithItsLine() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try writeFile(Array("a,b\n1,\"open\nmore\n".utf8), named: "open.csv", in: directory)

        let source = try TabularFile.open(url)
        #expect(try source.next() == row(1, "a", "b"))
        let error = #expect(throws: TabularFileError.self) { try source.next() }
        #expect(error?.code == .notTabular)
        #expect(error?.line == 2)
    }

    // MARK: CSV encoding errors

    @Test func reportsInvalidGB18030BytesWithTheirLine() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = GBK.header + Array("1,".utf8) + GBK.zhangSan + GBK.newline + Array("2,".utf8) + [0xFF, 0xFF] + GBK.newline
        let url = try writeFile(bytes, named: "broken-gbk.csv", in: directory)

        let source = try TabularFile.open(url)
        #expect(source.encodingName == "GB18030")
        #expect(try source.next() == row(1, "户编号", "姓名"))
        #expect(try source.next() == row(2, "1", "张三"))
        let error = #expect(throws: TabularFileError.self) { try source.next() }
        #expect(error?.code == .badEncoding)
        #expect(error?.line == 3)
        #expect(throws: TabularFileError.self) { try source.next() }  // stays failed
    }

    @Test func reportsInvalidUTF8AfterTheDetectionSample() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var bytes = Array("a,b\n".utf8)
        for _ in 0..<12_000 { bytes += Array("1,abc\n".utf8) }
        #expect(bytes.count > CSVReader.sampleSize)
        bytes += Array("2,".utf8) + [0xFF] + Array("\n".utf8)
        let url = try writeFile(bytes, named: "late-invalid.csv", in: directory)

        let source = try TabularFile.open(url)
        #expect(source.encodingName == "UTF-8")
        var rows = 0
        var failure: TabularFileError?
        do {
            while try source.next() != nil { rows += 1 }
        } catch let error as TabularFileError {
            failure = error
        }
        #expect(rows == 12_001)
        #expect(failure?.code == .badEncoding)
        #expect(failure?.line == 12_002)
    }

    @Test func rejectsUTF16() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let units: [UInt8] = Array("a,b\n".utf16).flatMap { (unit: UInt16) -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let utf16: [UInt8] = [0xFF, 0xFE] + units
        let url = try writeFile(utf16, named: "utf16.csv", in: directory)

        let error = #expect(throws: TabularFileError.self) { _ = try TabularFile.open(url) }
        #expect(error?.code == .badEncoding)
        #expect(error?.message.contains("UTF-8") == true)
        #expect(error?.message.contains("GB18030") == true)
    }

    @Test func decoderCarriesIncompleteSequencesAndRejectsTruncatedInput() throws {
        let utf8 = try StreamingTextDecoder(encoding: .utf8)
        let bytes = Array("户a".utf8)
        #expect(try utf8.decode(Array(bytes[0..<2]), final: false) == "")
        #expect(try utf8.decode(Array(bytes[2...]), final: true) == "户a")

        let gbk = try StreamingTextDecoder(encoding: .gb18030)
        #expect(try gbk.decode([0xD5], final: false) == "")
        #expect(try gbk.decode([0xC5, 0xC8], final: false) == "张")
        let error = #expect(throws: TabularFileError.self) { try gbk.decode([], final: true) }
        #expect(error?.code == .badEncoding)
        #expect(error?.line == 1)

        #expect(UTF8Validation.scan([0xE6, 0x88]) == .incomplete(at: 0))
        #expect(UTF8Validation.scan([0x41, 0xC0, 0x80]) == .invalid(at: 1))  // overlong
        #expect(UTF8Validation.scan([0xED, 0xA0, 0x80]) == .invalid(at: 0))  // surrogate
    }

    // MARK: XLSX

    @Test func xlsxRoundTripThroughTheWriter() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("export.xlsx")
        try XLSXWriter.write(
            rows: [
                [.text("户编号"), .text("姓名"), .text("出生日期"), .text("人数"), .text("证件号码")],
                [.text("0001"), .text("张三 & <李> \"四\""), .date(serial: 45000), .number(3), .number(3.70115199001011e17)],
                [.text("A"), .text(""), .text("C"), .number(2.5)],
                [.text("行1\n行2"), .text("a_x0041_b")],
            ],
            to: url)

        let source = try TabularFile.open(url)
        #expect(source.encodingName == "XLSX")
        #expect(
            try readAll(source) == [
                row(1, "户编号", "姓名", "出生日期", "人数", "证件号码"),
                row(2, "0001", "张三 & <李> \"四\"", "2023-03-15", "3", "370115199001011000"),
                row(3, "A", "", "C", "2.5"),
                row(4, "行1\n行2", "a_x0041_b"),
            ])
    }

    @Test func xlsxReadsSharedStringsRichTextBooleansErrorsAndSparseRows() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        let sharedStrings = """
            <?xml version="1.0" encoding="UTF-8"?>
            <sst xmlns="\(main)" count="3" uniqueCount="3">\
            <si><t>户编号</t></si>\
            <si><r><rPr><b/></rPr><t>姓</t></r><r><t xml:space="preserve">名 </t></r><rPh sb="0" eb="1"><t>xing</t></rPh></si>\
            <si><t>a_x000D_b</t></si>\
            </sst>
            """
        let styles = """
            <?xml version="1.0" encoding="UTF-8"?>
            <styleSheet xmlns="\(main)">\
            <numFmts count="2"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>\
            <numFmt numFmtId="177" formatCode="[h]:mm"/></numFmts>\
            <cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>\
            <cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="176"/><xf numFmtId="177"/><xf numFmtId="14"/></cellXfs>\
            </styleSheet>
            """
        let sheet = """
            <?xml version="1.0" encoding="UTF-8"?>
            <worksheet xmlns="\(main)"><sheetData>\
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>\
            <row r="3"><c r="A3" s="1"><v>45000</v></c><c r="C3" t="b"><v>1</v></c><c r="D3" t="e"><v>#N/A</v></c>\
            <c r="E3" s="2"><v>1.5</v></c><c r="F3"><v>3.70115199001011E+17</v></c>\
            <c r="G3" t="str"><f>A1</f><v>公式</v></c><c r="H3" s="3"><v>60</v></c></row>\
            <row r="4"><c r="B4" s="3"/></row>\
            <row r="5"><c r="A5"><v>12.0</v></c><c r="C5" t="inlineStr"><is><t>行</t><r><t>内</t></r></is></c></row>\
            </sheetData></worksheet>
            """
        var parts = XLSXWriter.packageParts(sheetXML: sheet).filter { $0.path != "xl/styles.xml" }
        parts.append((path: "xl/styles.xml", content: styles))
        parts.append((path: "xl/sharedStrings.xml", content: sharedStrings))
        let url = directory.appendingPathComponent("shared.xlsx")
        try XLSXWriter.writePackage(parts: parts, to: url)

        #expect(
            try readAll(try TabularFile.open(url)) == [
                row(1, "户编号", "姓名 ", "a\rb"),
                row(3, "2023-03-15", "", "TRUE", "#N/A", "1.5", "370115199001011000", "公式", "1900-02-29"),
                row(5, "12", "", "行内"),
            ])
    }

    @Test func aCellAtColumnXFDCostsOneEntryNotAWholeRow() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = (1...2000).map { #"<row r="\#($0)"><c r="A\#($0)" t="inlineStr"><is><t>x</t></is></c><c r="XFD\#($0)" t="inlineStr"><is><t>y</t></is></c></row>"# }
        let sheet = #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + rows.joined() + "</sheetData></worksheet>"
        let url = directory.appendingPathComponent("wide.xlsx")
        try XLSXWriter.writePackage(parts: XLSXWriter.packageParts(sheetXML: sheet), to: url)
        let read = try readAll(try TabularFile.open(url))
        #expect(read.count == 2000)
        #expect(read[0].entries.count == 2 && read[0].width == 16_384 && read[0][16_383] == "y" && read[0][5] == "")
    }

    @Test func aSheetBeyondRowsTimesColumnsIsRefusedNamingTheLimit() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // 4,000 rows reaching column XFD: 65 million cells as rows × columns, above the 60 million limit.
        let rows = (1...4000).map { #"<row r="\#($0)"><c r="XFD\#($0)"><v>1</v></c></row>"# }
        let sheet = #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + rows.joined() + "</sheetData></worksheet>"
        let url = directory.appendingPathComponent("area.xlsx")
        try XLSXWriter.writePackage(parts: XLSXWriter.packageParts(sheetXML: sheet), to: url)
        do {
            _ = try readAll(try TabularFile.open(url))
            Issue.record("a sheet above the cell limit was read")
        } catch let error as TabularFileError {
            #expect(error.code == .limitExceeded)
            #expect(error.message.contains("\(XLSXLimits.maximumCells)"))
            #expect(ImportFailure(error).code == .tooLarge && ImportFailure(error).message.contains("\(XLSXLimits.maximumCells)"))
        }
    }

    @Test func aPartCompressedLikeABombIsRefusedBeforeItIsUnpacked() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // 8 MB of one repeated empty row compresses about 1,000 to 1.
        let filler = String(repeating: "<row/>", count: 8 << 20 / 6)
        let sheet = #"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            + filler + "</sheetData></worksheet>"
        let url = directory.appendingPathComponent("bomb.xlsx")
        try XLSXWriter.writePackage(parts: XLSXWriter.packageParts(sheetXML: sheet), to: url)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(size < 200_000)
        #expect(throws: TabularFileError.self) { try XLSXLimits.checkUpload(url) }
        do {
            _ = try TabularFile.open(url)
            Issue.record("a bomb was opened")
        } catch let error as TabularFileError {
            #expect(error.code == .limitExceeded && error.message.contains("\(XLSXLimits.maximumCompressionRatio) to 1"))
        }
        // An ordinary workbook passes the upload check.
        let plain = directory.appendingPathComponent("plain.xlsx")
        try XLSXWriter.write(rows: [[.text("户编号"), .text("姓名")], [.text("0001"), .text("张三")]], to: plain)
        try XLSXLimits.checkUpload(plain)
    }

    @Test func xlsxUsesThe1904DateSystem() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let workbook = """
            <?xml version="1.0" encoding="UTF-8"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <workbookPr date1904="1"/><sheets><sheet name="户" sheetId="1" r:id="rId1"/></sheets></workbook>
            """
        var parts = XLSXWriter.packageParts(sheetXML: XLSXWriter.sheetXML(rows: [[.date(serial: 43538), .date(serial: 0)]]))
        parts = parts.map { part in part.path == "xl/workbook.xml" ? (path: part.path, content: workbook) : part }
        let url = directory.appendingPathComponent("mac.xlsx")
        try XLSXWriter.writePackage(parts: parts, to: url)

        #expect(try readAll(try TabularFile.open(url)) == [row(1, "2023-03-15", "1904-01-01")])
    }

    @Test func rejectsFilesThatAreNotWorkbooks() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = try writeFile(Array("this is not a workbook".utf8), named: "garbage.xlsx", in: directory)
        let truncated = try writeFile([0x50, 0x4B, 0x03, 0x04] + Array(repeating: 0x41, count: 200), named: "truncated.bin", in: directory)
        let otherZip = directory.appendingPathComponent("other.xlsx")
        try XLSXWriter.writePackage(parts: [(path: "hello.txt", content: "hello")], to: otherZip)

        for url in [garbage, truncated, otherZip] {
            let error = #expect(throws: TabularFileError.self, "\(url.lastPathComponent)") { _ = try TabularFile.open(url) }
            #expect(error?.code == .badXLSX, "\(url.lastPathComponent)")
        }
    }

    @Test func xlsxNumberDateAndFormatRules() {
        #expect(XLSXNumberText.render("45000") == "45000")
        #expect(XLSXNumberText.render("12.0") == "12")
        #expect(XLSXNumberText.render("3.70115199001011E+17") == "370115199001011000")
        #expect(XLSXNumberText.render("1.5E+2") == "150")
        #expect(XLSXNumberText.render("-0") == "0")
        #expect(XLSXNumberText.render("1.25") == "1.25")
        #expect(XLSXNumberText.render("1E-3") == "1E-3")
        #expect(XLSXNumberText.render("abc") == "abc")

        #expect(XLSXDates.text(serial: 1, date1904: false) == "1900-01-01")
        #expect(XLSXDates.text(serial: 59, date1904: false) == "1900-02-28")
        #expect(XLSXDates.text(serial: 60, date1904: false) == "1900-02-29")
        #expect(XLSXDates.text(serial: 61, date1904: false) == "1900-03-01")
        #expect(XLSXDates.text(serial: 45000.75, date1904: false) == "2023-03-15")
        #expect(XLSXDates.text(serial: 0, date1904: false) == nil)

        #expect(XLSXDateFormat.isDate(formatCode: "yyyy/m/d"))
        #expect(XLSXDateFormat.isDate(formatCode: "[$-804]yyyy\"年\"m\"月\"d\"日\""))
        #expect(XLSXDateFormat.isDate(formatCode: "m/d"))
        #expect(!XLSXDateFormat.isDate(formatCode: "[h]:mm"))
        #expect(!XLSXDateFormat.isDate(formatCode: "mm:ss"))
        #expect(!XLSXDateFormat.isDate(formatCode: "[Red]0.00"))
        #expect(!XLSXDateFormat.isDate(formatCode: "General"))
        #expect(!XLSXDateFormat.isDate(formatCode: "0.00\"d\""))
        #expect(XLSXDateFormat.isDate(numberFormatId: 14, customFormats: [:]))
        #expect(!XLSXDateFormat.isDate(numberFormatId: 49, customFormats: [:]))

        #expect(XLSXSheetParser.columnIndex("A1") == 0)
        #expect(XLSXSheetParser.columnIndex("C5") == 2)
        #expect(XLSXSheetParser.columnIndex("AA10") == 26)
        #expect(XLSXWriter.columnName(27) == "AB")
    }
}
