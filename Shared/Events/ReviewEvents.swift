import Foundation

/// Review opened an identification case for a household (三级联动: 村发现、镇审核、区录入). Published on
/// `review.cases`, keyed by household id.
public struct CaseOpened: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.CaseOpened.v1"
    public static let topic = EventTopic.reviewCases

    /// The case id.
    public var caseId: String
    /// The household concerned; `nil` when a lead named only a village and the village must identify it.
    public var householdId: String?
    /// The village responsible for home verification.
    public var villageCode: String
    /// How the risk was found.
    public var road: DiscoveryRoad
    /// The self-application that started it, if any.
    public var applicationNumber: String?
    /// The hotline lead that started it, if any.
    public var leadId: String?
    /// Whom to tell about progress, when known (personal data).
    public var contact: ContactDetails?
    /// The stage the case is in now.
    public var stage: ReviewStage
    /// When the case was opened.
    public var openedAt: Date
    /// Identification is due 15 days after the risk was found.
    public var dueBy: Date

    public var partitionKey: String { householdId ?? villageCode }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(
        caseId: String, householdId: String?, villageCode: String, road: DiscoveryRoad, applicationNumber: String?,
        leadId: String?, contact: ContactDetails?, stage: ReviewStage, openedAt: Date, dueBy: Date
    ) {
        self.caseId = caseId
        self.householdId = householdId
        self.villageCode = villageCode
        self.road = road
        self.applicationNumber = applicationNumber
        self.leadId = leadId
        self.contact = contact
        self.stage = stage
        self.openedAt = openedAt
        self.dueBy = dueBy
    }
}

/// A lead joined a household's case (opening it when `openedCase`). Published on `review.cases`.
public struct LeadJoinedCase: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.LeadJoinedCase.v1"
    public static let topic = EventTopic.reviewCases

    /// The case.
    public var caseId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// Review's id of the lead.
    public var leadId: String
    /// Where the lead came from.
    public var origin: LeadOrigin
    /// The self-application, when the lead is one.
    public var applicationNumber: String?
    /// Whom to tell about progress, when known (personal data).
    public var contact: ContactDetails?
    /// The risks the lead names.
    public var risks: [DifficultyType]
    /// When the risk was found at its origin.
    public var discoveredAt: Date
    /// When it joined the case.
    public var joinedAt: Date
    /// Whether this lead opened the case.
    public var openedCase: Bool
    /// The case's stage now.
    public var stage: ReviewStage
    /// The case's 15-day deadline.
    public var dueBy: Date

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(
        caseId: String, householdId: String, villageCode: String, leadId: String, origin: LeadOrigin, applicationNumber: String?,
        contact: ContactDetails?, risks: [DifficultyType], discoveredAt: Date, joinedAt: Date, openedCase: Bool, stage: ReviewStage, dueBy: Date
    ) {
        self.caseId = caseId
        self.householdId = householdId
        self.villageCode = villageCode
        self.leadId = leadId
        self.origin = origin
        self.applicationNumber = applicationNumber
        self.contact = contact
        self.risks = risks
        self.discoveredAt = discoveredAt
        self.joinedAt = joinedAt
        self.openedCase = openedCase
        self.stage = stage
        self.dueBy = dueBy
    }
}

/// A case moved to its next step. Published on `review.cases`, keyed by household id.
public struct CaseStageChanged: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.CaseStageChanged.v1"
    public static let topic = EventTopic.reviewCases

    /// The case.
    public var caseId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// Identification or elimination.
    public var kind: CaseKind
    /// The step done.
    public var from: ReviewStage
    /// The step now due.
    public var to: ReviewStage
    /// The role that did it (`village`, `town`, `district`; `review` for a step review took itself).
    public var by: String
    /// When.
    public var changedAt: Date
    /// The case's deadline.
    public var dueBy: Date

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(
        caseId: String, householdId: String, villageCode: String, kind: CaseKind, from: ReviewStage, to: ReviewStage, by: String,
        changedAt: Date, dueBy: Date
    ) {
        self.caseId = caseId
        self.householdId = householdId
        self.villageCode = villageCode
        self.kind = kind
        self.from = from
        self.to = to
        self.by = by
        self.changedAt = changedAt
        self.dueBy = dueBy
    }
}

/// Someone objected during the public announcement (公示异议); the case waits until the town resolves it.
/// Carries no content: the objection may name people.
public struct ObjectionLodged: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.ObjectionLodged.v1"
    public static let topic = EventTopic.reviewCases

    /// The case.
    public var caseId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// The objection's number within the case (1, 2, …).
    public var objectionNumber: Int
    /// When it was lodged.
    public var lodgedAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(caseId: String, householdId: String, villageCode: String, objectionNumber: Int, lodgedAt: Date) {
        self.caseId = caseId
        self.householdId = householdId
        self.villageCode = villageCode
        self.objectionNumber = objectionNumber
        self.lodgedAt = lodgedAt
    }
}

/// The town resolved an objection: upheld (the case ends with the objection's finding) or dismissed.
public struct ObjectionResolved: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.ObjectionResolved.v1"
    public static let topic = EventTopic.reviewCases

    /// The case.
    public var caseId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// The objection's number within the case.
    public var objectionNumber: Int
    /// Whether the objection was upheld.
    public var upheld: Bool
    /// When it was resolved.
    public var resolvedAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(caseId: String, householdId: String, villageCode: String, objectionNumber: Int, upheld: Bool, resolvedAt: Date) {
        self.caseId = caseId
        self.householdId = householdId
        self.villageCode = villageCode
        self.objectionNumber = objectionNumber
        self.upheld = upheld
        self.resolvedAt = resolvedAt
    }
}

/// A case ended: identification (monitored with a category, or not monitored with a reason) or
/// elimination (eliminated, or still monitored with a reason). Published on `review.cases`.
public struct CaseDecided: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.CaseDecided.v1"
    public static let topic = EventTopic.reviewCases

    /// The case.
    public var caseId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// Identification or elimination.
    public var kind: CaseKind
    /// The outcome.
    public var outcome: CaseOutcome
    /// The category assigned, when monitored.
    public var category: MonitoringCategory?
    /// Why, in Chinese, as the household and the lead's origin may read it (no personal data).
    public var reason: String?
    /// The step at which the case ended.
    public var endedAt: ReviewStage
    /// When.
    public var decidedAt: Date
    /// The self-applications of the case (intake closes them).
    public var applicationNumbers: [String]
    /// Every lead of the case.
    public var leads: [LeadOrigin]

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(
        caseId: String, householdId: String, villageCode: String, kind: CaseKind, outcome: CaseOutcome, category: MonitoringCategory?,
        reason: String?, endedAt: ReviewStage, decidedAt: Date, applicationNumbers: [String], leads: [LeadOrigin]
    ) {
        self.caseId = caseId
        self.householdId = householdId
        self.villageCode = villageCode
        self.kind = kind
        self.outcome = outcome
        self.category = category
        self.reason = reason
        self.endedAt = endedAt
        self.decidedAt = decidedAt
        self.applicationNumbers = applicationNumbers
        self.leads = leads
    }
}

/// A household is monitored from now on (纳入监测). Published on `review.cases`.
public struct MonitoringStarted: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.MonitoringStarted.v1"
    public static let topic = EventTopic.reviewCases

    /// The household.
    public var householdId: String
    /// Its village.
    public var villageCode: String
    /// The identification case.
    public var caseId: String
    /// The category (监测对象类型).
    public var category: MonitoringCategory
    /// The risks found at the home visit.
    public var risks: [DifficultyType]
    /// People in the household.
    public var people: Int
    /// The first day of monitoring (yyyy-MM-dd, Beijing time).
    public var startedOn: String

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(householdId: String, villageCode: String, caseId: String, category: MonitoringCategory, risks: [DifficultyType], people: Int, startedOn: String) {
        self.householdId = householdId
        self.villageCode = villageCode
        self.caseId = caseId
        self.category = category
        self.risks = risks
        self.people = people
        self.startedOn = startedOn
    }
}

/// A monitored household's risk is eliminated (风险消除): monitoring ends; its history stays and it can
/// come back. Published on `review.cases`.
public struct RiskEliminated: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.RiskEliminated.v1"
    public static let topic = EventTopic.reviewCases

    /// The household.
    public var householdId: String
    /// Its village.
    public var villageCode: String
    /// The elimination case.
    public var caseId: String
    /// The category it had.
    public var category: MonitoringCategory
    /// The last day of monitoring (yyyy-MM-dd, Beijing time).
    public var eliminatedOn: String

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(householdId: String, villageCode: String, caseId: String, category: MonitoringCategory, eliminatedOn: String) {
        self.householdId = householdId
        self.villageCode = villageCode
        self.caseId = caseId
        self.category = category
        self.eliminatedOn = eliminatedOn
    }
}

/// A case is near (`overdue == false`, 3 days or less left) or past its 15-day deadline; told once each.
public struct CaseOverdue: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.CaseOverdue.v1"
    public static let topic = EventTopic.reviewCases

    /// The case.
    public var caseId: String
    /// The household.
    public var householdId: String
    /// Its village.
    public var villageCode: String
    /// The step it waits in.
    public var stage: ReviewStage
    /// The deadline.
    public var dueBy: Date
    /// Past the deadline (`true`) or near it (`false`).
    public var overdue: Bool

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(caseId: String, householdId: String, villageCode: String, stage: ReviewStage, dueBy: Date, overdue: Bool) {
        self.caseId = caseId
        self.householdId = householdId
        self.villageCode = villageCode
        self.stage = stage
        self.dueBy = dueBy
        self.overdue = overdue
    }
}

/// Review asks department screening to compare a household with the departments' data (信息比对:
/// vehicles, real estate, business registration, public payroll, income sources). Published on
/// `review.comparisons`, keyed by household id; answered by `ComparisonAnswered`.
public struct ComparisonRequested: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.ComparisonRequested.v1"
    public static let topic = EventTopic.reviewComparisons

    /// The request's id, echoed in the answer.
    public var requestId: String
    /// The case.
    public var caseId: String
    /// The household: screening reads its members from its copy of the registry.
    public var householdId: String
    /// Its village.
    public var villageCode: String
    /// When asked.
    public var requestedAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { caseId }

    /// Creates the event.
    public init(requestId: String, caseId: String, householdId: String, villageCode: String, requestedAt: Date) {
        self.requestId = requestId
        self.caseId = caseId
        self.householdId = householdId
        self.villageCode = villageCode
        self.requestedAt = requestedAt
    }
}

/// What became of a lead, for the road it came from: the town's verification (精准核实), triage, or the
/// decision of the case it joined. Published on `review.leads`, keyed by household id (lead id while
/// no household is known).
public struct LeadSettled: DomainEvent, Hashable {
    public static let eventType = "lifeline.review.LeadSettled.v1"
    public static let topic = EventTopic.reviewLeads

    /// Review's id of the lead.
    public var leadId: String
    /// Where it came from.
    public var origin: LeadOrigin
    /// The household, when known.
    public var householdId: String?
    /// The case it joined, if any.
    public var caseId: String?
    /// The outcome.
    public var outcome: LeadOutcome
    /// Why, in Chinese, without personal data.
    public var reason: String?
    /// When.
    public var settledAt: Date

    public var partitionKey: String { householdId ?? leadId }
    public var subject: String? { leadId }

    /// Creates the event.
    public init(leadId: String, origin: LeadOrigin, householdId: String?, caseId: String?, outcome: LeadOutcome, reason: String?, settledAt: Date) {
        self.leadId = leadId
        self.origin = origin
        self.householdId = householdId
        self.caseId = caseId
        self.outcome = outcome
        self.reason = reason
        self.settledAt = settledAt
    }
}
