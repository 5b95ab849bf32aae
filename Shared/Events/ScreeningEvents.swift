import Foundation

/// A warning from department screening (部门筛查预警): a department's record matched a person of the
/// registry and points to a risk (large medical expense, dangerous house, newly granted allowance, …).
/// Published on `department-screening.warnings`, keyed by household id (by warning id when the record
/// matched nobody and the town must triage it). Carries no ID number: review reads the household.
public struct DepartmentWarningRaised: DomainEvent, Hashable {
    public static let eventType = "lifeline.department-screening.DepartmentWarningRaised.v1"
    public static let topic = EventTopic.screeningWarnings

    /// The warning's id (unique in department screening).
    public var warningId: String
    /// The department that holds the record (卫健, 医保, 民政, …), in Chinese.
    public var department: String
    /// What kind of fact, e.g. `largeMedicalExpense` (大额医疗支出), `dangerousHouse` (住危房).
    public var kind: String
    /// The household matched, when the record matched one.
    public var householdId: String?
    /// The household's village, when known.
    public var villageCode: String?
    /// The town to triage an unmatched record, when no village is known.
    public var townCode: String?
    /// The risks it points to.
    public var risks: [DifficultyType]
    /// A short summary for the town, without personal data (no ID numbers, no diagnoses).
    public var summary: String
    /// When the department recorded the fact: the 15-day clock starts here.
    public var discoveredAt: Date

    public var partitionKey: String { householdId ?? warningId }
    public var subject: String? { warningId }

    /// Creates the event.
    public init(
        warningId: String, department: String, kind: String, householdId: String?, villageCode: String?, townCode: String?,
        risks: [DifficultyType], summary: String, discoveredAt: Date
    ) {
        self.warningId = warningId
        self.department = department
        self.kind = kind
        self.householdId = householdId
        self.villageCode = villageCode
        self.townCode = townCode
        self.risks = risks
        self.summary = summary
        self.discoveredAt = discoveredAt
    }
}

/// Department screening's answer to a `ComparisonRequested` (信息比对): what the departments' data say
/// about the household (vehicles, real estate, business registration, public payroll, income sources).
/// Published on `department-screening.comparisons`, keyed by household id.
public struct ComparisonAnswered: DomainEvent, Hashable {
    public static let eventType = "lifeline.department-screening.ComparisonAnswered.v1"
    public static let topic = EventTopic.screeningComparisons

    /// One finding of one department.
    public struct Finding: Codable, Sendable, Hashable {
        /// The department (公安, 市场监管, 不动产, 财政, 人社, …), in Chinese.
        public var department: String
        /// What was found, e.g. `vehicle`, `realEstate`, `businessRegistration`, `publicPayroll`.
        public var kind: String
        /// A description for the town, without ID numbers.
        public var summary: String
        /// Whether the finding argues against monitoring (e.g. a car bought this year): the town decides.
        public var arguesAgainstMonitoring: Bool

        /// Creates a finding.
        public init(department: String, kind: String, summary: String, arguesAgainstMonitoring: Bool) {
            self.department = department
            self.kind = kind
            self.summary = summary
            self.arguesAgainstMonitoring = arguesAgainstMonitoring
        }
    }

    /// The request answered.
    public var requestId: String
    /// The case that asked.
    public var caseId: String
    /// The household compared.
    public var householdId: String
    /// The departments whose data were consulted, in Chinese.
    public var sourcesChecked: [String]
    /// What they say (empty when nothing was found).
    public var findings: [Finding]
    /// When the answer was made.
    public var answeredAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(requestId: String, caseId: String, householdId: String, sourcesChecked: [String], findings: [Finding], answeredAt: Date) {
        self.requestId = requestId
        self.caseId = caseId
        self.householdId = householdId
        self.sourcesChecked = sourcesChecked
        self.findings = findings
        self.answeredAt = answeredAt
    }
}
