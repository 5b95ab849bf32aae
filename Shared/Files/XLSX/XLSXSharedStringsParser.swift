import Foundation

/// `xl/sharedStrings.xml`: the text of every `<si>`, concatenating its `<t>` and rich-text runs
/// `<r><t>`, but not the phonetic guides `<rPh>` (which Excel does not display).
final class XLSXSharedStringsParser: XLSXPartParser {
    private(set) var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var phoneticDepth = 0
    private var collecting = false

    override func didStart(_ name: String, attributes: [String: String]) throws {
        switch name {
        case "si":
            inItem = true
            current = ""
        case "rPh":
            phoneticDepth += 1
        case "t":
            collecting = inItem && phoneticDepth == 0
        default:
            break
        }
    }

    override func didEnd(_ name: String) throws {
        switch name {
        case "t":
            collecting = false
        case "rPh":
            phoneticDepth = max(0, phoneticDepth - 1)
        case "si":
            strings.append(OOXMLText.unescape(current))
            inItem = false
            current = ""
        default:
            break
        }
    }

    override func found(_ text: String) {
        if collecting { current += text }
    }
}
