import LifelineEvents

/// Which category a household is identified in (监测对象类型), from what the home visit found, the
/// registry and the year's monitoring line. The rule, with its sources (docs/review.md):
/// 1. 脱贫不稳定户: a formerly poor household (registry) whose per-capita net income is under the
///    monitoring range (1.5 × the line; 国家乡村振兴局 2021 monitoring guidance, 收入低于监测范围);
/// 2. 边缘易致贫户: a household never poor, income under the same range;
/// 3. 突发严重困难户: income above the range, but rigid expenses (medical, schooling) or a collapse of
///    income leave less than the line per person (刚性支出较大或收入大幅缩减导致基本生活出现严重困难).
/// Otherwise the household is not eligible, and the answer says why.
enum CategoryRule {
    /// The monitoring range is this many times the line (监测范围 = 1.5 × 监测标准).
    static let rangeFactorTenths: Int64 = 15

    struct Input: Sendable, Hashable {
        var formerlyPoor: Bool
        var income: HouseholdIncome
        /// The year's monitoring line, per person per year, in fen.
        var lineFen: Int64
        /// Per-capita net income of the 12 months before, when the visit recorded it (for a collapse).
        var previousPerCapitaIncomeFen: Int64?
    }

    struct Outcome: Sendable, Hashable, Encodable {
        var category: MonitoringCategory?
        /// The rule that decided, in Chinese, with the figures.
        var explanation: String
    }

    static func assign(_ input: Input) -> Outcome {
        let income = input.income.perCapitaIncomeFen
        let range = input.lineFen * rangeFactorTenths / 10
        let figures = "人均纯收入\(yuan(income))元，监测范围\(yuan(range))元（标准\(yuan(input.lineFen))元的1.5倍）"
        if income < range {
            if input.formerlyPoor {
                return Outcome(category: .unstableFormerlyPoor, explanation: "脱贫户，\(figures)，收入低于监测范围")
            }
            return Outcome(category: .marginal, explanation: "一般农户，\(figures)，收入低于监测范围")
        }
        let afterRigid = input.income.perCapitaIncomeAfterRigidFen
        if afterRigid < input.lineFen {
            return Outcome(
                category: .suddenHardship,
                explanation: "\(figures)；刚性支出人均\(yuan(input.income.perCapitaRigidExpensesFen))元，扣除后人均\(yuan(afterRigid))元，低于监测标准")
        }
        if let previous = input.previousPerCapitaIncomeFen, previous > 0, income * 2 <= previous, income - input.income.perCapitaRigidExpensesFen < range {
            return Outcome(category: .suddenHardship, explanation: "\(figures)；收入较上年人均\(yuan(previous))元减少一半以上，基本生活出现严重困难")
        }
        return Outcome(category: nil, explanation: "\(figures)；扣除刚性支出后人均\(yuan(afterRigid))元，不低于监测标准，不符合监测对象认定条件")
    }

    /// Fen as yuan with two decimals when needed ("8700", "8700.5").
    static func yuan(_ fen: Int64) -> String {
        let sign = fen < 0 ? "-" : ""
        let whole = abs(fen) / 100, cents = abs(fen) % 100
        if cents == 0 { return "\(sign)\(whole)" }
        return cents % 10 == 0 ? "\(sign)\(whole).\(cents / 10)" : "\(sign)\(whole).\(cents < 10 ? "0" : "")\(cents)"
    }
}
