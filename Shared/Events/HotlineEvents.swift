import Foundation

/// A work order pushed by an outside hotline or petition system, on `hotline.inbound` as a
/// structured-mode CloudEvent of type `lifeline.hotline.WorkOrderPushed.v1`.
public struct WorkOrderPushed: DomainEvent, Hashable {
    public static let eventType = "lifeline.hotline.WorkOrderPushed.v1"
    public static let topic = EventTopic.hotlineInbound

    /// The outside system's order number (工单号).
    public var orderNumber: String
    /// Which system it came from.
    public var channel: HotlineChannel
    /// The village concerned (12-digit division code).
    public var villageCode: String
    /// The household, when the caller could be matched to one.
    public var householdId: String?
    /// What the caller reported (may contain personal data: never logged).
    public var summary: String
    /// When the call or petition was received.
    public var receivedAt: Date

    public var partitionKey: String { householdId ?? villageCode }
    public var subject: String? { orderNumber }

    /// Creates the event.
    public init(orderNumber: String, channel: HotlineChannel, villageCode: String, householdId: String?, summary: String, receivedAt: Date) {
        self.orderNumber = orderNumber
        self.channel = channel
        self.villageCode = villageCode
        self.householdId = householdId
        self.summary = summary
        self.receivedAt = receivedAt
    }
}

/// Hotline raised a risk lead from a work order; the town must verify it. On `hotline.leads`.
public struct RiskLeadRaised: DomainEvent, Hashable {
    public static let eventType = "lifeline.hotline.RiskLeadRaised.v1"
    public static let topic = EventTopic.hotlineLeads

    /// The lead id.
    public var leadId: String
    /// The outside order number.
    public var orderNumber: String
    /// Which channel it came from.
    public var channel: HotlineChannel
    /// The village concerned.
    public var villageCode: String
    /// The household, when known; otherwise the village must identify it.
    public var householdId: String?
    /// When the lead was raised.
    public var raisedAt: Date
    /// The risk types the order's text reports (added in a compatible revision: absent from older producers).
    public var risks: [DifficultyType]?
    /// The reading's rules and phrases that fired, e.g. `疾病「住院」` (no personal data).
    public var matchedRules: [String]?
    /// How sure the reading is, 0–1.
    public var confidence: Double?
    /// When the order was received by its channel: the lead's discovery time.
    public var receivedAt: Date?

    public var partitionKey: String { householdId ?? villageCode }
    public var subject: String? { leadId }

    /// Creates the event.
    public init(
        leadId: String, orderNumber: String, channel: HotlineChannel, villageCode: String, householdId: String?, raisedAt: Date,
        risks: [DifficultyType]? = nil, matchedRules: [String]? = nil, confidence: Double? = nil, receivedAt: Date? = nil
    ) {
        self.leadId = leadId
        self.orderNumber = orderNumber
        self.channel = channel
        self.villageCode = villageCode
        self.householdId = householdId
        self.raisedAt = raisedAt
        self.risks = risks
        self.matchedRules = matchedRules
        self.confidence = confidence
        self.receivedAt = receivedAt
    }
}
