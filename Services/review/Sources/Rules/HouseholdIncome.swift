/// The household's money over the last 12 months as the home visit records it (入户核实): income
/// items and rigid expenses in integer fen, and the per-capita figures the rules use.
struct HouseholdIncome: Codable, Sendable, Hashable {
    /// One income item (收入项). `amountFen` is net: a business may record a loss as a negative amount.
    struct Item: Codable, Sendable, Hashable {
        var kind: IncomeKind
        var amountFen: Int64
    }

    /// One rigid expense (刚性支出): what the household had to pay and cannot avoid.
    struct Expense: Codable, Sendable, Hashable {
        var kind: ExpenseKind
        var amountFen: Int64
    }

    /// 工资性收入, 经营净收入, 财产净收入, 转移净收入 (the national statistics' four parts of net income).
    enum IncomeKind: String, Codable, Sendable, CaseIterable {
        case wages, businessNet, property, transfer
    }

    /// 医疗 (after reimbursement), 教育 (schooling), 其他刚性支出.
    enum ExpenseKind: String, Codable, Sendable, CaseIterable {
        case medical, schooling, other
    }

    var items: [Item]
    var expenses: [Expense]
    /// People who live and share income together (共同生活、共享收入), at least 1.
    var people: Int

    /// Net income of the household over the 12 months.
    var netIncomeFen: Int64 { items.reduce(0) { $0 + $1.amountFen } }
    /// Per-capita net income (人均纯收入), rounded down to the fen.
    var perCapitaIncomeFen: Int64 { netIncomeFen / Int64(max(people, 1)) }
    /// Rigid expenses of the household.
    var rigidExpensesFen: Int64 { expenses.reduce(0) { $0 + $1.amountFen } }
    /// Per-capita rigid expenses.
    var perCapitaRigidExpensesFen: Int64 { rigidExpensesFen / Int64(max(people, 1)) }
    /// What each person has left after the rigid expenses.
    var perCapitaIncomeAfterRigidFen: Int64 { perCapitaIncomeFen - perCapitaRigidExpensesFen }
}
