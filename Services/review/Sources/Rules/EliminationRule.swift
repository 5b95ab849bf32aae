import LifelineEvents

/// Whether a monitored household's risk may be eliminated (风险消除, domain brief section 7 and the
/// 2021 national guidance): monitored at least 6 months, at least one assistance measure in place,
/// per-capita income stably above the line (this visit and the one before both above it), rigid costs
/// resolved, 两不愁三保障 and drinking water secure, and at least one member able to work. Every
/// unmet condition is listed, so the village knows what is missing.
enum EliminationRule {
    static let minimumMonthsMonitored = 6

    struct Input: Sendable, Hashable {
        /// Days since monitoring started.
        var daysMonitored: Int
        var measuresInPlace: Int
        var income: HouseholdIncome
        /// Per-capita income at the previous check (the identification visit or an earlier re-check).
        var previousPerCapitaIncomeFen: Int64?
        var lineFen: Int64
        var checklist: BasicNeedsChecklist
        /// Members able to work (普通劳动力 or 弱劳动力) according to the registry.
        var membersAbleToWork: Int
        /// The village found the household's large rigid costs resolved.
        var rigidCostsResolved: Bool
    }

    /// The conditions not met, in Chinese; empty when the risk may be eliminated.
    static func unmetConditions(_ input: Input) -> [String] {
        var unmet: [String] = []
        if input.daysMonitored < minimumMonthsMonitored * 30 {
            unmet.append("监测未满6个月（已监测\(input.daysMonitored)天）")
        }
        if input.measuresInPlace == 0 { unmet.append("尚未落实帮扶措施") }
        let income = input.income.perCapitaIncomeFen
        if income <= input.lineFen {
            unmet.append("人均纯收入\(CategoryRule.yuan(income))元，未高于监测标准\(CategoryRule.yuan(input.lineFen))元")
        } else if let previous = input.previousPerCapitaIncomeFen, previous <= input.lineFen {
            unmet.append("收入尚未稳定高于监测标准（上次核查人均\(CategoryRule.yuan(previous))元）")
        }
        if !input.rigidCostsResolved || input.income.perCapitaIncomeAfterRigidFen <= input.lineFen {
            unmet.append("大额刚性支出尚未解决")
        }
        unmet.append(contentsOf: input.checklist.shortfalls)
        if input.membersAbleToWork == 0 { unmet.append("家庭无劳动力，不标注风险消除") }
        return unmet
    }
}
