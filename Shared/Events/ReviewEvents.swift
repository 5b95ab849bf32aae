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
