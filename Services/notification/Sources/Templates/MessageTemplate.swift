import Foundation

/// A message text with placeholders, as the district edits it:
/// - `{caseId}` is replaced by the field's value; the field must be given;
/// - `{?applicationNumber}…{/applicationNumber}` keeps its text only when the field is given (and may
///   use it inside).
/// Braces have no other meaning; Chinese brackets such as 【】 are ordinary text.
struct MessageTemplate: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case text(String)
        case field(String)
        case optional(String, [Piece])
    }

    let pieces: [Piece]

    /// Parses `text`; the error names the first problem and where it is.
    init(_ text: String) throws(TemplateError) {
        var stack: [(name: String?, pieces: [Piece])] = [(nil, [])]
        var literal = ""
        var index = text.startIndex
        func flush() {
            if !literal.isEmpty { stack[stack.count - 1].pieces.append(.text(literal)); literal = "" }
        }
        while index < text.endIndex {
            let character = text[index]
            guard character == "{" else {
                if character == "}" { throw TemplateError(reason: "「}」没有对应的「{」", offset: text.distance(from: text.startIndex, to: index)) }
                literal.append(character)
                index = text.index(after: index)
                continue
            }
            guard let close = text[index...].firstIndex(of: "}") else {
                throw TemplateError(reason: "「{」没有闭合", offset: text.distance(from: text.startIndex, to: index))
            }
            let inner = String(text[text.index(after: index)..<close])
            let offset = text.distance(from: text.startIndex, to: index)
            flush()
            if inner.hasPrefix("?") {
                let name = String(inner.dropFirst())
                guard Self.isName(name) else { throw TemplateError(reason: "可选段的字段名「\(name)」无效", offset: offset) }
                stack.append((name, []))
            } else if inner.hasPrefix("/") {
                let name = String(inner.dropFirst())
                guard stack.count > 1, stack[stack.count - 1].name == name else {
                    throw TemplateError(reason: "「{/\(name)}」没有对应的「{?\(name)}」", offset: offset)
                }
                let section = stack.removeLast()
                stack[stack.count - 1].pieces.append(.optional(name, section.pieces))
            } else {
                guard Self.isName(inner) else { throw TemplateError(reason: "字段名「\(inner)」无效", offset: offset) }
                stack[stack.count - 1].pieces.append(.field(inner))
            }
            index = text.index(after: close)
        }
        flush()
        guard stack.count == 1 else { throw TemplateError(reason: "「{?\(stack.last!.name!)}」没有以「{/\(stack.last!.name!)}」结束", offset: text.count) }
        pieces = stack[0].pieces
    }

    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 40 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// Every field the template uses, and whether it is required (used outside an optional section).
    var fields: [String: Bool] {
        var found: [String: Bool] = [:]
        func walk(_ pieces: [Piece], required: Bool) {
            for piece in pieces {
                switch piece {
                case .text: break
                case .field(let name): found[name] = (found[name] ?? false) || required
                case .optional(let name, let inner):
                    found[name] = found[name] ?? false
                    walk(inner, required: false)
                }
            }
        }
        walk(pieces, required: true)
        return found
    }

    /// The text with `values` filled in. A required field without a value is an error (the audience
    /// rules always give the fields a template of their event may require).
    func render(_ values: [String: String]) throws(TemplateError) -> String {
        var output = ""
        func walk(_ pieces: [Piece]) throws(TemplateError) {
            for piece in pieces {
                switch piece {
                case .text(let text): output += text
                case .field(let name):
                    guard let value = values[name], !value.isEmpty else { throw TemplateError(reason: "缺少字段「\(name)」的值", offset: nil) }
                    output += value
                case .optional(let name, let inner):
                    if let value = values[name], !value.isEmpty { try walk(inner) }
                }
            }
        }
        try walk(pieces)
        return output
    }
}

/// A template that does not parse or cannot be filled, with the reason in Chinese (shown to the
/// district's editor) and the character offset where it was found.
struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    var reason: String
    var offset: Int?
    var description: String { offset.map { "\(reason)（第\($0 + 1)个字符）" } ?? reason }
}
