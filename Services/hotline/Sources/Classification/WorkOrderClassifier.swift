import Foundation

/// Reads a work order's Chinese text with rules that explain themselves (研判): which phrases of which
/// rule fired, which were negated ("没有人生病", "不是因为看病") or cancelled by a phrase that gives the
/// word another sense ("政策有病", "医院停车"), whether the caller speaks of another household, and a
/// confidence. Complaints about assistance already given and disputes over inclusion or removal are
/// relevant but are not new risks; they win over risk words in the same order.
struct WorkOrderClassifier: Sendable {
    let rules: [TextRule]
    let cues: [TextCue]

    /// One phrase of one rule found in the text.
    struct Match: Codable, Sendable, Hashable {
        var rule: String
        var phrase: String
        /// Why it does not count, if it does not: `negated by 没有`, `other sense: 停车`.
        var discounted: String?
    }

    struct Classification: Codable, Sendable, Hashable {
        var category: WorkOrderCategory
        var risks: [String]
        var matches: [Match]
        var thirdParty: Bool
        var confidence: Double

        /// In Chinese, for the town and the order's answer: what fired and why.
        var explanation: String {
            let counted = matches.filter { $0.discounted == nil }
            let fired = counted.isEmpty ? "未命中研判规则" : "命中：" + counted.map { "\($0.rule)「\($0.phrase)」" }.joined(separator: "、")
            let discounted = matches.filter { $0.discounted != nil }
            let ignored = discounted.isEmpty ? "" : "；不计：" + discounted.map { "「\($0.phrase)」(\($0.discounted!))" }.joined(separator: "、")
            return "\(category.chineseName)（置信度\(Int((confidence * 100).rounded()))%）\(fired)\(ignored)\(thirdParty ? "；来电人反映他人家庭" : "")"
        }
    }

    func classify(_ text: String) -> Classification {
        let clauses = Self.clauses(of: text)
        var matches: [Match] = []
        var firedRules: [TextRule] = []
        for rule in rules where rule.enabled {
            var counted = false
            for clause in clauses {
                for phrase in rule.phrases where !phrase.isEmpty {
                    var searchStart = clause.startIndex
                    while let range = clause.firstOccurrence(of: phrase, from: searchStart) {
                        searchStart = range.upperBound
                        let discount = discountReason(rule: rule, clause: clause, at: range)
                        if !matches.contains(where: { $0.rule == rule.name && $0.phrase == phrase && $0.discounted == discount }) {
                            matches.append(Match(rule: rule.name, phrase: phrase, discounted: discount))
                        }
                        if discount == nil { counted = true }
                    }
                }
            }
            if counted { firedRules.append(rule) }
        }
        let thirdParty = cues.contains { $0.kind == .thirdParty && text.includes($0.phrase) }
        let category: WorkOrderCategory =
            firedRules.contains { $0.category == .dispute } ? .dispute
            : firedRules.contains { $0.category == .complaint } ? .complaint
            : firedRules.contains { $0.category == .risk } ? .risk : .irrelevant
        let deciding = firedRules.filter { $0.category == category }
        // "other" (a hardship without its kind) only when no kind was named.
        var kinds = Set(deciding.compactMap(\.risk))
        if kinds.count > 1 { kinds.remove("other") }
        let risks = category == .risk ? kinds.sorted() : []
        let confidence = deciding.isEmpty ? 0 : 1 - deciding.reduce(1.0) { $0 * (1 - min(max($1.weight, 0), 1)) }
        return Classification(category: category, risks: risks, matches: matches, thirdParty: thirdParty, confidence: (confidence * 100).rounded() / 100)
    }

    /// Why an occurrence does not count: a negation cue just before it in its clause, or a phrase of the
    /// rule's `unless` list in the same clause.
    private func discountReason(rule: TextRule, clause: Substring, at range: Range<Substring.Index>) -> String? {
        if let other = rule.unless.first(where: { !$0.isEmpty && clause.includes($0) }) { return "other sense: \(other)" }
        let before = clause[clause.startIndex..<range.lowerBound]
        for cue in cues where cue.kind == .negation {
            guard let found = before.lastOccurrence(of: cue.phrase) else { continue }
            let gap = before.distance(from: found.upperBound, to: before.endIndex)
            if gap <= cue.maxGap { return "negated by \(cue.phrase)" }
        }
        return nil
    }

    /// Clauses: split at punctuation and at words that turn the sentence (但是, 而是, 只是, 就是想),
    /// so that a negation reaches only its own clause.
    static func clauses(of text: String) -> [Substring] {
        var normalised = text.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\u{3000}", with: "")
        for turn in ["但是", "不过", "可是", "而是", "只是", "就是想", "主要是"] { normalised = normalised.replacingOccurrences(of: turn, with: "。" + turn) }
        let separators: Set<Character> = ["，", "。", "；", "！", "？", ",", ".", ";", "!", "?", "\n", "：", ":"]
        return normalised.split(whereSeparator: { separators.contains($0) })
    }
}

/// What an order is about (研判结果).
enum WorkOrderCategory: String, Codable, Sendable, Hashable, CaseIterable {
    /// A new risk of a household: becomes a lead for review.
    case risk
    /// A complaint about assistance already given: for the town, not a risk case.
    case complaint
    /// A dispute over inclusion or removal: for the town, not a risk case.
    case dispute
    /// Not within the platform's scope.
    case irrelevant

    var chineseName: String {
        switch self {
        case .risk: "返贫致贫风险"
        case .complaint: "帮扶投诉"
        case .dispute: "认定争议"
        case .irrelevant: "不属于防返贫范围"
        }
    }
}
