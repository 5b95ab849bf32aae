import Foundation
import LifelineEvents

/// Who a message is for, by role; `MessageQueue` turns an audience into people and channels.
enum Audience: String, Sendable, Hashable, CaseIterable {
    /// The household (its applicant, else the phone in the register): SMS, or WeChat when it follows
    /// the district's account.
    case household
    /// The household's grid member(s) (联户长 of its group, else the village's 网格员): SMS and inbox.
    case gridMember
    /// The village committee's inbox (村).
    case village
    /// The town's inbox (镇街), and its e-mail when it gave one.
    case town
    /// The district's inbox (区), and its e-mail when it gave one.
    case district
    /// The insurer's inbox, and its e-mail when configured.
    case insurer
}

/// One message an event calls for: which template, for whom, about what, with the values it fills in.
/// Values are already worded for reading (dates in Chinese, money in 元) and never hold an ID number.
struct Notice: Sendable, Hashable {
    /// `<EventName>.<audience>`, e.g. `CaseOpened.household`: the template's key.
    var template: String
    var audience: Audience
    var householdId: String?
    /// The village the event concerns (12 digits), when it names one; offices are derived from it.
    var villageCode: String?
    var caseId: String?
    /// The person to reach when the event itself names them (an applicant); otherwise the directory's.
    var contact: ContactDetails?
    var wechatOpenId: String?
    var fields: [String: String]

    init(
        _ event: String, _ audience: Audience, household: String? = nil, village: String? = nil, caseId: String? = nil,
        contact: ContactDetails? = nil, wechatOpenId: String? = nil, fields: [String: String]
    ) {
        template = "\(event).\(audience.rawValue)"
        self.audience = audience
        householdId = household
        villageCode = village
        self.caseId = caseId
        self.contact = contact
        self.wechatOpenId = wechatOpenId
        self.fields = fields
    }
}

/// Values worded for messages.
enum Wording {
    /// `2026年12月14日`, Beijing time.
    static func date(_ date: Date) -> String {
        let days = Int(((date.timeIntervalSince1970 + Double(CivilDay.beijingOffsetSeconds)) / 86_400).rounded(.down))
        let (year, month, day) = CivilDay.civil(fromDaysSinceEpoch: days)
        return "\(year)年\(month)月\(day)日"
    }

    /// `2026-03-05` → `2026年3月5日` (other text unchanged).
    static func day(_ text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return text }
        return "\(parts[0])年\(parts[1])月\(parts[2])日"
    }

    /// `12,345.60元` from fen.
    static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let magnitude = fen.magnitude
        let whole = String(magnitude / 100)
        var grouped = ""
        for (index, character) in whole.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        let cents = magnitude % 100
        return sign + String(grouped.reversed()) + "." + (cents < 10 ? "0" : "") + String(cents) + "元"
    }

    static func list(_ items: [String]) -> String { items.isEmpty ? "未注明" : items.joined(separator: "、") }

    /// Text from another service that may carry personal data (a reason, a summary): any run of 11 or
    /// more ASCII digits (X counting as one, for ID numbers) is masked (ID numbers, phones, accounts),
    /// long text is cut, and empty text reads 未注明, so a template can never carry an ID number by
    /// accident nor lose a message to an empty field.
    static func safe(_ text: String, limit: Int = 60) -> String {
        var output = ""
        var run = ""
        func flush() {
            if run.count >= 11 { output += String(repeating: "*", count: run.count) } else { output += run }
            run = ""
        }
        for character in text {
            if character.isASCII && (character.isNumber || character == "X" || character == "x") {
                run.append(character)
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "未注明" }
        return trimmed.count > limit ? String(trimmed.prefix(limit)) + "…" : trimmed
    }
}
