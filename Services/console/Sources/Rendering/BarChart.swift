import Foundation

/// Horizontal bar charts drawn on the server as SVG (no script, no library): one bar per row with its
/// label and value, scaled to the largest value. Text is XML-escaped.
struct BarChart {
    struct Bar {
        var label: String
        var value: Int
        var note: String?
    }

    var title: String
    var bars: [Bar]
    var unit: String

    func svg() -> String {
        let rowHeight = 30
        let labelWidth = 130
        let barWidth = 170
        let height = max(1, bars.count) * rowHeight + 8
        let largest = max(1, bars.map(\.value).max() ?? 1)
        // Wide enough for the longest value text (about 13 units a character at the chart's font size).
        let longestText = bars.map { "\($0.value)\(unit)".count + ($0.note.map { $0.count + 1 } ?? 0) }.max() ?? 0
        let width = max(360, labelWidth + barWidth + 6 + longestText * 13)
        var parts = ["<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(width) \(height)\" xmlns=\"http://www.w3.org/2000/svg\" aria-label=\"\(Self.escape(title))\">"]
        if bars.isEmpty {
            parts.append("<text x=\"0\" y=\"20\" class=\"chart-empty\">暂无数据</text>")
        }
        for (index, bar) in bars.enumerated() {
            let y = index * rowHeight + 4
            let width = max(2, bar.value * barWidth / largest)
            parts.append("<text x=\"0\" y=\"\(y + 17)\" class=\"chart-label\">\(Self.escape(String(bar.label.prefix(9))))</text>")
            parts.append("<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(width)\" height=\"18\" rx=\"3\" class=\"chart-bar\"></rect>")
            let text = "\(bar.value)\(unit)" + (bar.note.map { " \($0)" } ?? "")
            parts.append("<text x=\"\(labelWidth + width + 6)\" y=\"\(y + 17)\" class=\"chart-value\">\(Self.escape(text))</text>")
        }
        parts.append("</svg>")
        return parts.joined()
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
