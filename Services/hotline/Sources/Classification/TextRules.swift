import Foundation
import LifelinePersistence
import Logging

/// A rule of the work-order reading (研判规则), as data: the phrases that fire it, the phrases that give
/// them another sense in the same clause (`unless`), what it means (a risk type, a complaint or a
/// dispute) and how much one firing says (`weight`, 0–1).
struct TextRule: Codable, Sendable, Hashable {
    var id: String
    var name: String
    var category: WorkOrderCategory
    /// The risk type (`DifficultyType`) of a risk rule.
    var risk: String?
    var phrases: [String]
    var unless: [String]
    var weight: Double
    var enabled: Bool = true
}

/// A cue that changes how phrases are read: a negation (否定词) just before a phrase, within `maxGap`
/// characters, cancels it; a third-party cue (邻居, 替…反映) marks an order about another household.
struct TextCue: Codable, Sendable, Hashable {
    enum Kind: String, Codable, Sendable, Hashable { case negation, thirdParty }
    var kind: Kind
    var phrase: String
    var maxGap: Int = 0
}

extension TextRule {
    /// The rules in force (and the disabled ones too with `includingDisabled`) and the cues.
    static func load(on connection: PostgresConnection, includingDisabled: Bool = false, logger: Logger) async throws -> (rules: [TextRule], cues: [TextCue]) {
        var rules: [TextRule] = []
        let rows = try await connection.query("""
            SELECT id, name, category, risk, phrases, unless_phrases, weight, enabled FROM text_rules WHERE enabled OR \(includingDisabled) ORDER BY id
            """, logger: logger)
        for try await c in rows.decode((String, String, String, String?, [String], [String], Double, Bool).self) {
            rules.append(TextRule(
                id: c.0, name: c.1, category: WorkOrderCategory(rawValue: c.2) ?? .irrelevant, risk: c.3, phrases: c.4, unless: c.5, weight: c.6,
                enabled: c.7))
        }
        var cues: [TextCue] = []
        for try await (kind, phrase, gap) in try await connection.query("SELECT kind, phrase, max_gap FROM text_cues ORDER BY kind, phrase", logger: logger)
            .decode((String, String, Int).self)
        {
            if let kind = TextCue.Kind(rawValue: kind) { cues.append(TextCue(kind: kind, phrase: phrase, maxGap: gap)) }
        }
        return (rules, cues)
    }
}
