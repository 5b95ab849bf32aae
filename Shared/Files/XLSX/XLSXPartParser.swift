import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A SAX handler for one XML part. Subclasses override `didStart`, `didEnd` and `found`, which see
/// element names without namespace prefix and may throw to stop the parse.
class XLSXPartParser: NSObject, XMLParserDelegate {
    private var failure: TabularFileError?

    func didStart(_ name: String, attributes: [String: String]) throws {}
    func didEnd(_ name: String) throws {}
    func found(_ text: String) {}

    /// Parses `data`; `part` names the part in error messages ("worksheet", "styles", …).
    func run(_ data: Data, part: String) throws {
        if Self.hasDocumentTypeDeclaration(data) {
            throw XLSXPackage.failure("The workbook's \(part) part contains a document type declaration, which is not allowed.")
        }
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = self
        let succeeded = parser.parse()
        parser.delegate = nil
        if let failure { throw failure }
        if !succeeded {
            throw XLSXPackage.failure("The workbook's \(part) part is not well-formed XML.")
        }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        guard failure == nil else { return }
        do {
            try didStart(Self.localName(elementName), attributes: attributeDict)
        } catch {
            stop(parser, error)
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard failure == nil else { return }
        do {
            try didEnd(Self.localName(elementName))
        } catch {
            stop(parser, error)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard failure == nil else { return }
        found(string)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard failure == nil else { return }
        found(String(decoding: CDATABlock, as: UTF8.self))
    }

    private func stop(_ parser: XMLParser, _ error: any Error) {
        failure = (error as? TabularFileError) ?? XLSXPackage.failure("The workbook could not be read.")
        parser.abortParsing()
    }

    /// `x:row` → `row`.
    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    /// The attribute `name`, with or without a namespace prefix (`r:id` for `id`).
    static func attribute(_ name: String, in attributes: [String: String]) -> String? {
        if let value = attributes[name] { return value }
        let suffix = ":" + name
        return attributes.first { $0.key.hasSuffix(suffix) && !$0.key.hasPrefix("xmlns") }?.value
    }

    /// Whether the prolog (before the root element) has `<!DOCTYPE`. OOXML parts never do; refusing
    /// them keeps entity expansion out of reach.
    static func hasDocumentTypeDeclaration(_ data: Data) -> Bool {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> Bool in
            let doctype = Array("<!DOCTYPE".utf8)
            var index = 0
            func matches(_ pattern: [UInt8], at position: Int) -> Bool {
                guard position + pattern.count <= bytes.count else { return false }
                for offset in 0..<pattern.count where bytes[position + offset] != pattern[offset] { return false }
                return true
            }
            func skip(past terminator: [UInt8], from position: Int) -> Int {
                var current = position
                while current < bytes.count && !matches(terminator, at: current) { current += 1 }
                return current + terminator.count
            }
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "<") else {
                    index += 1
                    continue
                }
                if matches(doctype, at: index) { return true }
                if matches(Array("<!--".utf8), at: index) {
                    index = skip(past: Array("-->".utf8), from: index + 4)
                } else if matches(Array("<?".utf8), at: index) {
                    index = skip(past: Array("?>".utf8), from: index + 2)
                } else {
                    return false  // the root element: the prolog is over
                }
            }
            return false
        }
    }
}
