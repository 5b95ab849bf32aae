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

    /// A whole page: `template` rendered with `values`, inside the layout with `layout`.
    func page(_ template: String, title: String, values: [String: Any], layout: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let content = library.render(values, withTemplate: template) ?? ""
        var whole = layout
        whole["title"] = title
        whole["content"] = content
        let html = library.render(whole, withTemplate: "layout") ?? content
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
