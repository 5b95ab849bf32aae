import Foundation

/// How times, amounts and codes read on the console's pages.
enum Display {
    private static let beijing = TimeZone(identifier: "Asia/Shanghai")!

    /// `2026-12-01 09:30` in Beijing time, from an ISO 8601 text; "" when absent.
    static func time(_ value: Any?) -> String {
        guard let text = value as? String else { return "" }
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = parser.date(from: text) ?? ISO8601DateFormatter().date(from: text) else { return text }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = beijing
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// Today in Beijing, `2026-12-01`.
    static func today() -> String {
        let formatter = DateFormatter()
        formatter.timeZone = beijing
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    /// Whole yuan from fen, `12,345.67元`.
    static func yuan(fen: Any?) -> String {
        guard let fen = (fen as? Int) ?? (fen as? Double).map({ Int($0) }) else { return "" }
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.minimumFractionDigits = 2
        formatter.maximumFractionDigits = 2
        return (formatter.string(from: NSNumber(value: Double(fen) / 100)) ?? "\(fen / 100)") + "元"
    }

    static func roleName(_ raw: Any?) -> String {
        switch raw as? String {
        case "village": "村级"
        case "grid-member": "联户长"
        case "town": "镇街"
        case "district": "区级"
        case "system": "系统"
        case let other?: other
        case nil: ""
        }
    }

    /// The risk types officials pick from (`DifficultyType`), in the order forms show them.
    static let risks: [(key: String, name: String)] = [
        ("illness", "因病"), ("disability", "因残"), ("schoolingCosts", "因学"), ("disaster", "因灾"), ("accident", "因意外事故"),
        ("lossOfWork", "因失业或减收"), ("housing", "住房安全"), ("drinkingWater", "饮水安全"), ("withoutSupport", "缺乏赡养或抚养"), ("other", "其他"),
    ]
}
