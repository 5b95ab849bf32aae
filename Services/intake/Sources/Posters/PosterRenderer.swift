import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a village poster shows; `url` is what its QR code opens (`<PUBLIC_BASE_URL>/apply/<villageCode>`).
struct PosterContent: Sendable {
    var villageCode: String
    var villageName: String
    var townName: String
    var url: String
}

/// Printable QR posters inviting villagers to apply on their own: an A4-proportioned SVG, and a PNG of it.
enum PosterRenderer {
    /// Canvas in px: A4 portrait at 150 dpi.
    static let width = 1240
    static let height = 1754
    static let fontFamily = "WenQuanYi Zen Hei, Noto Sans CJK SC, sans-serif"
    static let title = "防返贫监测 农户自主申请"
    static let instructions = [
        "用微信扫一扫上方二维码，填写家庭困难情况，提交后凭申请编号和手机号后四位查询进度。",
        "本服务免费，不收取任何费用；如有疑问请联系村网格员。",
    ]
    /// Light modules around the symbol, as the QR specification requires.
    static let quietZone = 4

    private static let accent = "#b71c1c"
    private static let white = "#fff"
    private static let black = "#000"
    private static let textWidth = 1040
    private static let qrTop = 350
    private static let qrMaxSide = 780

    /// The poster as a standalone SVG document. All text is XML-escaped; the QR code is one `<path>`
    /// of whole-pixel module squares (dark #000 on white, with a 4-module quiet zone).
    static func svg(_ content: PosterContent) throws -> String {
        let code = try QRCode.encode(content.url)
        let span = code.size + 2 * quietZone
        let module = max(1, qrMaxSide / span)
        let side = module * span
        let left = (width - side) / 2
        let place = [content.townName, content.villageName]
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")

        var parts: [String] = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        parts.append(
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(width)" height="\#(height)" "#
                + #"viewBox="0 0 \#(width) \#(height)" font-family="\#(escape(fontFamily))">"#)
        parts.append("<title>\(escape(title + " " + place))</title>")
        parts.append(#"<rect width="\#(width)" height="\#(height)" fill="\#(white)"/>"#)
        parts.append(
            #"<rect x="40" y="40" width="\#(width - 80)" height="\#(height - 80)" rx="24" "#
                + #"fill="none" stroke="\#(accent)" stroke-width="6"/>"#)
        parts.append(text(title, y: 165, size: 72, bold: true, fill: accent))
        parts.append(text(place, y: 300, size: fitted(place, preferred: 96), bold: true))
        parts.append(#"<rect x="\#(left)" y="\#(qrTop)" width="\#(side)" height="\#(side)" fill="\#(white)"/>"#)
        parts.append(qrPath(code, left: left + quietZone * module, top: qrTop + quietZone * module, module: module))
        var y = qrTop + side + 60
        parts.append(text("村代码：" + content.villageCode, y: y, size: 44))
        y += 40
        for paragraph in instructions {
            for line in wrap(paragraph, maxEms: Double(textWidth) / 40) {
                y += 60
                parts.append(text(line, y: y, size: 40, fill: "#222"))
            }
            y += 20
        }
        parts.append(text(content.url, y: height - 100, size: fitted(content.url, preferred: 28), fill: "#555"))
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    /// The poster as PNG, `width` px wide (height keeps the A4 proportion), rasterized by `rsvg-convert`.
    /// Blocks the calling thread while the child process runs (a few hundred milliseconds).
    static func png(_ content: PosterContent, width: Int = 1240) throws -> Data {
        try rasterize(svg(content), width: width)
    }

    /// Runs `rsvg-convert`, feeding `svg` on stdin and collecting the PNG from stdout.
    static func rasterize(_ svg: String, width: Int) throws -> Data {
        let executable = try rasterizerURL()
        _ = brokenPipesAreErrors
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--width", String(width), "--keep-aspect-ratio", "--format", "png"]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw PosterError(.rasterizerFailed, "cannot start \(executable.path): \(error)")
        }
        // stdin and stderr are serviced on other threads so that no pipe can fill up and stall the child.
        let writer = input.fileHandleForWriting
        let svgData = Data(svg.utf8)
        let feeding = PipeWorker<Void> {
            try? writer.write(contentsOf: svgData)
            try? writer.close()
        }
        let errorReader = errors.fileHandleForReading
        let draining = PipeWorker<Data> { (try? errorReader.readToEnd()) ?? Data() }
        let png = (try? output.fileHandleForReading.readToEnd()) ?? Data()
        feeding.wait()
        let diagnostics = String(decoding: draining.wait(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()

        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exited with status" : "was killed by signal"
            throw PosterError(
                .rasterizerFailed, "\(executable.path) \(how) \(process.terminationStatus): \(diagnostics)")
        }
        guard png.starts(with: pngSignature) else {
            throw PosterError(.rasterizerFailed, "\(executable.path) did not produce a PNG: \(diagnostics)")
        }
        return png
    }

    /// `$RSVG_CONVERT` if set, otherwise `rsvg-convert` from `$PATH`.
    static func rasterizerURL(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> URL {
        let files = FileManager.default
        if let configured = environment["RSVG_CONVERT"], !configured.isEmpty {
            guard files.isExecutableFile(atPath: configured) else {
                throw PosterError(
                    .rasterizerMissing,
                    "RSVG_CONVERT=\(configured) is not an executable file; install librsvg2-bin "
                        + "(apt-get install librsvg2-bin) or fix RSVG_CONVERT")
            }
            return URL(fileURLWithPath: configured)
        }
        let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/rsvg-convert"
            if files.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw PosterError(
            .rasterizerMissing,
            "rsvg-convert not found on PATH; install librsvg2-bin (apt-get install librsvg2-bin, "
                + "or run scripts/setup.sh) or set RSVG_CONVERT to its path")
    }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Escapes text for XML content and attribute values, dropping characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        HTML.escape(text, droppingXMLForbidden: true)
    }

    /// Breaks `text` into lines of at most `maxEms`, preferring breaks after punctuation.
    static func wrap(_ text: String, maxEms: Double) -> [String] {
        var clauses: [String] = []
        var pending = ""
        for character in text {
            pending.append(character)
            if "，；。！？、：,;".contains(character) {
                clauses.append(pending)
                pending = ""
            }
        }
        if !pending.isEmpty { clauses.append(pending) }

        var lines: [String] = []
        var line = ""
        for clause in clauses {
            if !line.isEmpty, ems(line) + ems(clause) > maxEms {
                lines.append(line)
                line = ""
            }
            if ems(clause) <= maxEms {
                line += clause
                continue
            }
            for character in clause {  // a clause longer than a line: break anywhere
                if !line.isEmpty, ems(line) + ems(String(character)) > maxEms {
                    lines.append(line)
                    line = ""
                }
                line.append(character)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// Rough advance width in ems: CJK glyphs are square, Latin ones about 0.6 em.
    static func ems(_ text: String) -> Double {
        text.unicodeScalars.reduce(0) { $0 + ($1.value < 0x1100 ? 0.6 : 1.0) }
    }

    /// `preferred` font size, shrunk so that `text` fits the text column on one line.
    private static func fitted(_ text: String, preferred: Int) -> Int {
        max(12, min(preferred, Int(Double(textWidth) / max(ems(text), 1))))
    }

    private static func text(_ string: String, y: Int, size: Int, bold: Bool = false, fill: String = "#000")
        -> String
    {
        #"<text x="\#(width / 2)" y="\#(y)" font-size="\#(size)" font-weight="\#(bold ? "bold" : "normal")" "#
            + #"fill="\#(fill)" text-anchor="middle">\#(escape(string))</text>"#
    }

    /// One path for all dark modules, merging horizontal runs into single rectangles.
    private static func qrPath(_ code: QRCode, left: Int, top: Int, module: Int) -> String {
        var d = ""
        for row in 0..<code.size {
            var column = 0
            while column < code.size {
                guard code[column, row] else {
                    column += 1
                    continue
                }
                var run = 1
                while column + run < code.size, code[column + run, row] { run += 1 }
                let x = left + column * module
                let y = top + row * module
                d += "M\(x) \(y)h\(run * module)v\(module)h-\(run * module)z"
                column += run
            }
        }
        return #"<path fill="\#(black)" shape-rendering="crispEdges" d="\#(d)"/>"#
    }

    /// Writing to a pipe whose reader has exited must fail with EPIPE rather than kill the service.
    private static let brokenPipesAreErrors: Void = {
        _ = signal(SIGPIPE, SIG_IGN)
    }()
}

/// Runs `work` once on a background thread; `wait()` blocks until it has finished and returns its result.
private final class PipeWorker<Value>: @unchecked Sendable {
    private let work: () -> Value
    private var result: Value?
    private let finished = DispatchSemaphore(value: 0)

    init(_ work: @escaping () -> Value) {
        self.work = work
        DispatchQueue.global().async { self.run() }
    }

    private func run() {
        result = work()
        finished.signal()
    }

    func wait() -> Value {
        finished.wait()
        return result!
    }
}
