import Foundation
import LifelineEvents
import LifelineRuntime

/// `POST /v1/households/{id}/visits`: a grid member's visit (入户走访).
struct VisitRequest: Decodable, Sendable {
    var visitedOn: String?
    var risks: [String]?
    var notes: String?

    func validate() throws -> (date: String, risks: [DifficultyType], notes: String) {
        var problems: [APIError.FieldProblem] = []
        let date = visitedOn.flatMap(DateText.normalize)
        if date == nil { problems.append(.init(field: "visitedOn", message: "请填写走访日期（不能晚于今天）")) }
        var kinds: [DifficultyType] = []
        for (index, text) in (risks ?? []).enumerated() {
            guard let kind = DifficultyType(rawValue: text) else {
                problems.append(.init(field: "risks.\(index)", message: "不认识的风险类型"))
                continue
            }
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        let notes = notes?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if notes.count > 2000 { problems.append(.init(field: "notes", message: "走访记录不能超过2000字")) }
        guard problems.isEmpty, let date else { throw APIError.validation(problems) }
        return (date, kinds, notes)
    }
}

/// `POST /v1/villages/{code}/meetings`: the monthly 主题党日+阳光议事 and its decision per household.
struct MeetingRequest: Decodable, Sendable {
    struct Decision: Decodable, Sendable {
        var householdId: String?
        var propose: Bool?
        var reason: String?
    }

    var heldOn: String?
    var attendance: Int?
    var decisions: [Decision]?

    struct Valid: Sendable {
        var heldOn: String
        var attendance: Int
        var decisions: [(householdId: String, propose: Bool, reason: String)]
    }

    func validate() throws -> Valid {
        var problems: [APIError.FieldProblem] = []
        let date = heldOn.flatMap(DateText.normalize)
        if date == nil { problems.append(.init(field: "heldOn", message: "请填写会议日期（不能晚于今天）")) }
        let attendance = attendance ?? 0
        if !(1...1000).contains(attendance) { problems.append(.init(field: "attendance", message: "参会人数应在1到1000之间")) }
        var valid: [(String, Bool, String)] = []
        var seen: Set<String> = []
        for (index, decision) in (decisions ?? []).enumerated() {
            let id = decision.householdId?.trimmingCharacters(in: .whitespaces) ?? ""
            if id.isEmpty || id.count > 40 {
                problems.append(.init(field: "decisions.\(index).householdId", message: "请选择议定的农户"))
            } else if !seen.insert(id).inserted {
                problems.append(.init(field: "decisions.\(index).householdId", message: "同一农户在本次会议中重复"))
            }
            guard let propose = decision.propose else {
                problems.append(.init(field: "decisions.\(index).propose", message: "请选择是否建议纳入监测"))
                continue
            }
            let reason = decision.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if reason.isEmpty { problems.append(.init(field: "decisions.\(index).reason", message: "请填写议定理由")) }
            if reason.count > 1000 { problems.append(.init(field: "decisions.\(index).reason", message: "理由不能超过1000字")) }
            valid.append((id, propose, reason))
        }
        if (decisions ?? []).isEmpty { problems.append(.init(field: "decisions", message: "请至少记录一户的议定结果")) }
        guard problems.isEmpty, let date else { throw APIError.validation(problems) }
        return Valid(heldOn: date, attendance: attendance, decisions: valid.map { (householdId: $0.0, propose: $0.1, reason: $0.2) })
    }
}
