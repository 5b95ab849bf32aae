import Foundation

/// A warning from department screening (部门筛查预警): department records matched a household of the
/// registry and one or more warning rules fired (large medical expense, dangerous house, newly granted
/// allowance, …). Published on `department-screening.leads`, keyed by household id; several facts about
/// one household in one month make one warning. Carries no ID number: review reads the household.
public struct WarningRaised: DomainEvent, Hashable {
    public static let eventType = "lifeline.department-screening.WarningRaised.v1"
    public static let topic = EventTopic.screeningLeads

    /// How urgent the town should find it.
    public struct Severity: OpenEnumeration {
        /// The value as published.
        public let rawValue: String

        /// Any value, known or not.
        public init(uncheckedRawValue: String) {
            rawValue = uncheckedRawValue
        }

        /// 高
        public static let high = Severity(uncheckedRawValue: "high")
        /// 中
        public static let medium = Severity(uncheckedRawValue: "medium")
        /// 低
        public static let low = Severity(uncheckedRawValue: "low")

        /// The values this version knows.
        public static let knownValues: [Severity] = [.high, .medium, .low]
    }

    /// The warning's id (unique in department screening).
    public var warningId: String
    /// The household matched.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// The warning rules that fired, by id (e.g. `large-medical-expense`, `dangerous-house`).
    public var rules: [String]
    /// The departments' record ids behind it (the evidence), e.g. `医保:YB2026110012`.
    public var evidence: [String]
    /// How urgent.
    public var severity: Severity
    /// The risks it points to.
    public var risks: [DifficultyType]
    /// A short summary for the town, without personal data (no ID numbers, no diagnoses).
    public var summary: String
    /// The own date of the record that raised it: the 15-day clock starts here.
    public var discoveredAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { warningId }

    /// Written by hand: a monthly file raises tens of thousands (the same bytes as `EventJSON.encoder`).
    public func jsonData() throws -> [UInt8] {
        var json = JSONText.ObjectWriter(capacity: 512)
        json.field("discoveredAt", EventJSON.formatTimestamp(discoveredAt))
        json.field("evidence", evidence)
        json.field("householdId", householdId)
        json.field("risks", risks.map(\.rawValue))
        json.field("rules", rules)
        json.field("severity", severity.rawValue)
        json.field("summary", summary)
        json.field("villageCode", villageCode)
        json.field("warningId", warningId)
        return json.finished()
    }

    /// Creates the event.
    public init(
        warningId: String, householdId: String, villageCode: String, rules: [String], evidence: [String], severity: Severity,
        risks: [DifficultyType], summary: String, discoveredAt: Date
    ) {
        self.warningId = warningId
        self.householdId = householdId
        self.villageCode = villageCode
        self.rules = rules
        self.evidence = evidence
        self.severity = severity
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
