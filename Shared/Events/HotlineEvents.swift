import Foundation

/// A work order pushed by an outside hotline or petition system, on `hotline.inbound` as a
/// structured-mode CloudEvent of type `lifeline.hotline.WorkOrderPushed.v1`, keyed by the order number.
/// Revised compatibly: the caller, the spoken address, the source's category and due time were added
/// as optional fields, and the village code became optional (an order without one is resolved from
/// the caller or the address, or goes to triage).
public struct WorkOrderPushed: DomainEvent, Hashable {
    public static let eventType = "lifeline.hotline.WorkOrderPushed.v1"
    public static let topic = EventTopic.hotlineInbound

    /// Who called or wrote (personal data: never logged).
    public struct Caller: Codable, Sendable, Hashable {
        /// The caller's name, when given.
        public var name: String?
        /// The caller's phone number, when given.
        public var phone: String?
        /// The caller's citizen ID number, when given.
        public var idNumber: String?

        /// Creates a caller.
        public init(name: String? = nil, phone: String? = nil, idNumber: String? = nil) {
            self.name = name
            self.phone = phone
            self.idNumber = idNumber
        }
    }

    /// The outside system's order number (工单号), unique within its channel.
    public var orderNumber: String
    /// Which system it came from.
    public var channel: HotlineChannel
    /// The village concerned (12-digit division code), when the source knows it.
    public var villageCode: String?
    /// The household, when the caller could be matched to one.
    public var householdId: String?
    /// What the caller reported, as free Chinese text (may contain personal data: never logged).
    public var summary: String
    /// When the call or petition was received.
    public var receivedAt: Date
    /// The caller, when known.
    public var caller: Caller?
    /// The address as the caller spoke it (e.g. 仁风镇前进村三组).
    public var address: String?
    /// The source's own category of the order, when it has one (e.g. 12345's 民生保障/社会救助).
    public var sourceCategory: String?
    /// The source's due time for an answer (办理时限), when it sets one.
    public var dueAt: Date?

    public var partitionKey: String { orderNumber }
    public var subject: String? { orderNumber }

    /// Creates the event.
    public init(
        orderNumber: String, channel: HotlineChannel, villageCode: String?, householdId: String?, summary: String, receivedAt: Date,
        caller: Caller? = nil, address: String? = nil, sourceCategory: String? = nil, dueAt: Date? = nil
    ) {
        self.orderNumber = orderNumber
        self.channel = channel
        self.villageCode = villageCode
        self.householdId = householdId
        self.summary = summary
        self.receivedAt = receivedAt
        self.caller = caller
        self.address = address
        self.sourceCategory = sourceCategory
        self.dueAt = dueAt
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
    /// The village concerned, when the order named or resolved one (otherwise the district triages it).
    public var villageCode: String?
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

    public var partitionKey: String { householdId ?? villageCode ?? orderNumber }
    public var subject: String? { leadId }

    /// Creates the event.
    public init(
        leadId: String, orderNumber: String, channel: HotlineChannel, villageCode: String?, householdId: String?, raisedAt: Date,
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

/// The answer a hotline or petition system relays to its caller (闭环答复), on `hotline.replies`, keyed
/// by the order number: first whether the order was taken (in scope, and as what) or not (with the
/// reason), later what came of it once review decided. A caller who is not of the household concerned
/// learns only that the matter was handled. No personal data.
public struct WorkOrderAnswered: DomainEvent, Hashable {
    public static let eventType = "lifeline.hotline.WorkOrderAnswered.v1"
    public static let topic = EventTopic.hotlineReplies

    /// What the answer says (an open enumeration).
    public struct Outcome: OpenEnumeration {
        /// The value as published.
        public let rawValue: String

        /// Any value, known or not.
        public init(uncheckedRawValue: String) {
            rawValue = uncheckedRawValue
        }

        /// 已受理: a new risk, passed to the town to verify.
        public static let received = Outcome(uncheckedRawValue: "received")
        /// 已受理: a complaint or dispute, passed to the town.
        public static let forwardedToTown = Outcome(uncheckedRawValue: "forwardedToTown")
        /// 不属于受理范围, with the reason.
        public static let notInScope = Outcome(uncheckedRawValue: "notInScope")
        /// 已纳入监测: the household is monitored now.
        public static let monitored = Outcome(uncheckedRawValue: "monitored")
        /// 已在监测帮扶中: the household was covered already.
        public static let alreadyCovered = Outcome(uncheckedRawValue: "alreadyCovered")
        /// 经核实未纳入监测, with the reason.
        public static let notMonitored = Outcome(uncheckedRawValue: "notMonitored")
        /// 已办结: the outcome told to a caller who is not of the household.
        public static let handled = Outcome(uncheckedRawValue: "handled")

        /// The values this version knows.
        public static let knownValues: [Outcome] = [.received, .forwardedToTown, .notInScope, .monitored, .alreadyCovered, .notMonitored, .handled]
    }

    /// The outside system's order number.
    public var orderNumber: String
    /// The channel it came from.
    public var channel: HotlineChannel
    /// What the answer says.
    public var outcome: Outcome
    /// The answer in Chinese, ready to relay to the caller.
    public var message: String
    /// The lead the order raised, if any.
    public var leadId: String?
    /// When it was answered.
    public var answeredAt: Date

    public var partitionKey: String { orderNumber }
    public var subject: String? { orderNumber }

    /// Creates the event.
    public init(orderNumber: String, channel: HotlineChannel, outcome: Outcome, message: String, leadId: String?, answeredAt: Date) {
        self.orderNumber = orderNumber
        self.channel = channel
        self.outcome = outcome
        self.message = message
        self.leadId = leadId
        self.answeredAt = answeredAt
    }
}

/// A follow-up the source system sends about an order it pushed before, on `hotline.inbound`, keyed by
/// the order number: the caller or the supervisor urged it (督办), the source called the caller back
/// (回访) and reports whether they were satisfied, or the source reopened it (重新办理).
public struct WorkOrderFollowedUp: DomainEvent, Hashable {
    public static let eventType = "lifeline.hotline.WorkOrderFollowedUp.v1"
    public static let topic = EventTopic.hotlineInbound

    /// What kind of follow-up (an open enumeration).
    public struct Kind: OpenEnumeration {
        /// The value as published.
        public let rawValue: String

        /// Any value, known or not.
        public init(uncheckedRawValue: String) {
            rawValue = uncheckedRawValue
        }

        /// 督办: urged by the caller or a supervisor.
        public static let urging = Kind(uncheckedRawValue: "urging")
        /// 回访: the source called the caller back; `satisfied` says how it went.
        public static let callback = Kind(uncheckedRawValue: "callback")
        /// 重新办理: the source reopened the order (a new `dueAt` may come with it).
        public static let reopened = Kind(uncheckedRawValue: "reopened")

        /// The values this version knows.
        public static let knownValues: [Kind] = [.urging, .callback, .reopened]
    }

    /// The order it follows up.
    public var orderNumber: String
    /// The order's channel.
    public var channel: HotlineChannel
    /// What kind of follow-up.
    public var kind: Kind
    /// The source's note (may contain personal data: never logged).
    public var note: String?
    /// For a callback: whether the caller was satisfied (满意).
    public var satisfied: Bool?
    /// A new due time, when the source sets one (urging, reopening).
    public var dueAt: Date?
    /// When the follow-up happened at the source.
    public var at: Date

    public var partitionKey: String { orderNumber }
    public var subject: String? { orderNumber }

    /// Creates the event.
    public init(orderNumber: String, channel: HotlineChannel, kind: Kind, note: String? = nil, satisfied: Bool? = nil, dueAt: Date? = nil, at: Date) {
        self.orderNumber = orderNumber
        self.channel = channel
        self.kind = kind
        self.note = note
        self.satisfied = satisfied
        self.dueAt = dueAt
        self.at = at
    }
}
