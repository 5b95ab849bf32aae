import Foundation
@testable import Intake
import Testing
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Village QR posters: the QR symbol, the SVG, the PNG (decoded back with zbarimg) and the ZIP bundle.
@Suite struct PosterTests {
    static let url = "https://lifeline.example.cn/apply/370115101201"
    static let content = PosterContent(
        villageCode: "370115101201", villageName: "张家村", townName: "垛石镇", url: url)

    @Test func qrCodeOfAURLHasTheSizeOfItsVersionAndAFinderPattern() throws {
        let code = try QRCode.encode(Self.url)
        #expect(code.size == 29)  // libqrencode needs version 3 at level M for this URL
        #expect(code.size == 17 + 4 * code.version)
        #expect(code.modules.count == code.size * code.size)
        // Top-left finder pattern: dark 7×7 border ring, light ring inside it, dark 3×3 centre.
        for y in 0..<7 {
            for x in 0..<7 {
                let ring = max(abs(x - 3), abs(y - 3))
                #expect(code[x, y] == (ring != 2), "finder module (\(x), \(y))")
            }
        }
        // ...followed by the light separator.
        for i in 0..<8 {
            #expect(!code[7, i] && !code[i, 7], "separator module \(i)")
        }
        #expect(try QRCode.encode(Self.url, level: .high).size > code.size)
    }

    @Test func svgEscapesItsTextAndIsWellFormedXML() throws {
        var content = Self.content
        content.villageName = "张家村<东&西>"
        let svg = try PosterRenderer.svg(content)
        #expect(svg.contains("垛石镇 张家村&lt;东&amp;西&gt;"))
        #expect(!svg.contains("<东"))
        #expect(svg.contains(">\(Self.url)</text>"))
        #expect(svg.contains("防返贫监测 农户自主申请"))
        #expect(svg.contains("370115101201"))
        #expect(svg.contains("本服务免费"))

        let parser = XMLParser(data: Data(svg.utf8))
        let elements = ElementNames()
        parser.delegate = elements
        #expect(parser.parse(), "SVG is not well-formed XML: \(String(describing: parser.parserError))")
        #expect(elements.names.first == "svg")
        #expect(elements.names.filter { $0 == "path" }.count == 1)
    }

    @Test func pngIsAPosterWhoseQRCodeScansToTheURL() throws {
        let png = try PosterRenderer.png(Self.content)
        #expect(Array(png.prefix(8)) == PosterRenderer.pngSignature)
        let width = png.dropFirst(16).prefix(4).reduce(0) { $0 << 8 | Int($1) }  // IHDR, big-endian
        #expect(width == 1240)

        guard let zbarimg = Self.executable("zbarimg") else {
            Issue.record("zbarimg not found on PATH: install zbar-tools (scripts/setup.sh does) to check the poster scans")
            return
        }
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("lifeline-poster-\(UUID().uuidString).png")
        try png.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = zbarimg
        process.arguments = ["--raw", "-q", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let bytes = try output.fileHandleForReading.readToEnd() ?? Data()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "zbarimg found no QR code in the poster")
        #expect(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines) == Self.url)
    }

    @Test func zipBundleKeepsChineseNamesAndData() throws {
        let entries: [(name: String, data: Data)] = [
            (name: "垛石镇-张家村-370115101201.png", data: Data((0..<50_000).map { UInt8($0 % 251) })),
            (name: "垛石镇-李家村-370115101202.png", data: Data("第二张海报".utf8)),
        ]
        let zip = try ZipBundle.make(entries: entries)
        #expect(zip.prefix(4) == Data([0x50, 0x4B, 0x03, 0x04]))
        let flags = UInt16(zip[zip.startIndex + 6]) | (UInt16(zip[zip.startIndex + 7]) << 8)
        #expect(flags & 0x0800 != 0, "general-purpose bit 11 (UTF-8 names) is set")

        let archive = try Archive(data: zip, accessMode: .read)
        #expect(archive.map { $0.path } == entries.map { $0.name })
        for entry in entries {
            let stored = try #require(archive[entry.name])
            var extracted = Data()
            _ = try archive.extract(stored) { extracted.append($0) }
            #expect(extracted == entry.data, "\(entry.name)")
        }
    }

    /// `name` found on `$PATH`, if any.
    static func executable(_ name: String) -> URL? {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }
}

/// Records the name of every element an `XMLParser` starts, in document order.
private final class ElementNames: NSObject, XMLParserDelegate {
    var names: [String] = []

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String]
    ) {
        names.append(elementName)
    }
}
