import Foundation
import Hummingbird
import Mustache

/// Renders the console's pages from the Mustache templates kept as resources
/// (`Resources/templates/*.mustache`): a page's template, then the layout around it. Values are
/// HTML-escaped by Mustache (`{{value}}`); only the rendered page and server-built SVG charts are
/// inserted unescaped.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    static func load() async throws -> PageRenderer {
        guard let directory = Bundle.module.url(forResource: "templates", withExtension: nil) else {
            throw MissingResource(name: "templates")
        }
        return PageRenderer(library: try await MustacheLibrary(directory: directory.path))
    }

    struct MissingResource: Error, CustomStringConvertible {
        let name: String
        var description: String { "the console's \(name) resources are missing from the bundle" }
    }

    /// `value` with every empty string made absent (NSNull), through dictionaries and arrays: swift-mustache
    /// shows a section for any string, "" too, so `{{#reason}}…{{/reason}}` needs the empty one absent.
    static func blanksAbsent(_ value: Any) -> Any {
        switch value {
        case let text as String: return text.isEmpty ? NSNull() : text
        case let dictionary as [String: Any]: return dictionary.mapValues(blanksAbsent)
        case let rows as [[String: Any]]: return rows.map { $0.mapValues(blanksAbsent) }
        case let list as [Any]: return list.map(blanksAbsent)
        default: return value
        }
    }

    /// A whole page: `template` rendered with `values`, inside the layout with `layout`.
    func page(_ template: String, title: String, values: [String: Any], layout: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let content = library.render(Self.blanksAbsent(values), withTemplate: template) ?? ""
        var whole = Self.blanksAbsent(layout) as? [String: Any] ?? layout
        whole["title"] = title
        whole["content"] = content
        let html = library.render(whole, withTemplate: "layout") ?? content
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
