import Foundation
import HTTPTypes
import Hummingbird

/// The public pages' CSS and scripts, kept as files in `Resources/public` (not in Swift strings) and
/// served by intake at `/assets/{name}`: nothing comes from the internet and nothing is inline, so the
/// pages' CSP can forbid inline script. A line `// @include other.js` in a script is replaced by that
/// file once, at start-up (the form helpers both pages share).
struct PublicAssets: Sendable {
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
    }

    private let assets: [String: Asset]

    /// The assets every page needs; loading fails loudly at start-up, never on a household's phone.
    static let shared: PublicAssets = {
        do {
            return try PublicAssets(names: ["lifeline.css", "apply.js", "progress.js"])
        } catch {
            preconditionFailure("intake's page resources are missing from the build: \(error)")
        }
    }()

    init(names: [String]) throws {
        var assets: [String: Asset] = [:]
        for name in names {
            let text = try Self.resolveIncludes(try Self.load(name))
            let type = name.hasSuffix(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8"
            assets[name] = Asset(body: ByteBuffer(string: text), contentType: type)
        }
        self.assets = assets
    }

    static func load(_ name: String) throws -> String {
        let base = (name as NSString).deletingPathExtension, ext = (name as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "public")
            ?? Bundle.module.url(forResource: base, withExtension: ext)
        else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "public/\(name)"])
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func resolveIncludes(_ text: String) throws -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("// @include ") {
                lines.append(try load(String(line.dropFirst("// @include ".count)).trimmingCharacters(in: .whitespaces)))
            } else {
                lines.append(String(line))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The asset as an HTTP response (cached for an hour: they change only with a release).
    func response(_ name: String) -> Response? {
        guard let asset = assets[name] else { return nil }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = "public, max-age=3600"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}
