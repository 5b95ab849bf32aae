import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body: every value of every field, in order (check boxes
/// send one value per box).
struct FormData: Sendable {
    private(set) var pairs: [(String, String)] = []

    init(_ text: String) {
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(String(pieces[0]))
            let value = pieces.count > 1 ? Self.decode(String(pieces[1])) : ""
            pairs.append((name, value))
        }
    }

    static func read(_ request: Request) async throws -> FormData {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        return FormData(String(buffer: buffer))
    }

    /// The first value of `name`, trimmed; nil when absent or empty.
    subscript(_ name: String) -> String? {
        guard let value = pairs.first(where: { $0.0 == name })?.1.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// Every value of `name`.
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// Whether a check box named `name` was ticked.
    func checked(_ name: String) -> Bool { self[name] != nil }

    /// `name` as yuan turned into fen; 0 when empty, nil when not an amount (see `fen(yuan:)`).
    func fen(_ name: String) -> Int64? {
        guard let text = self[name] else { return 0 }
        return Self.fen(yuan: text)
    }

    /// An amount in yuan as officials type it, in fen: digits with at most two decimals, thousands
    /// separators (`,` `，`) and a trailing 元 allowed, below 100 million; nil for anything else. The
    /// whole text must be the amount ("3,000" is 3,000 yuan, never 3).
    static func fen(yuan text: String) -> Int64? {
        var cleaned = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "，", with: "")
        if cleaned.hasSuffix("元") { cleaned.removeLast() }
        guard cleaned.wholeMatch(of: /[0-9]{1,8}(\.[0-9]{1,2})?/) != nil, let yuan = Decimal(string: cleaned) else { return nil }
        return NSDecimalNumber(decimal: yuan * 100).int64Value
    }

    func int(_ name: String) -> Int? { self[name].flatMap { Int($0) } }

    private static func decode(_ text: String) -> String {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text
    }
}
