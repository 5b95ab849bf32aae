/// A Kafka topic of the event catalogue. Topics are named `<owning service>.<stream>`.
public struct EventTopic: Sendable, Hashable {
    /// The topic name.
    public var name: String
    /// Partitions: the most consumer instances of one group that can share the work.
    public var partitions: Int32
    /// Whether the topic is compacted (keeps the latest record per key: a replayable registry).
    public var compacted: Bool

    /// Creates a topic description.
    public init(name: String, partitions: Int32, compacted: Bool = false) {
        self.name = name
        self.partitions = partitions
        self.compacted = compacted
    }

    /// Self-applications submitted to intake (户申请).
    public static let intakeApplications = EventTopic(name: "intake.applications", partitions: 12)
    /// The household registry, compacted, keyed by household id.
    public static let intakeHouseholds = EventTopic(name: "intake.households", partitions: 12, compacted: true)
    /// Proposals for monitoring from village meetings (基层干部排查), keyed by household id.
    public static let intakeLeads = EventTopic(name: "intake.leads", partitions: 12)
    /// The monitoring grid, one record per unit with its members, keyed by unit code; compacted.
    public static let intakeGrid = EventTopic(name: "intake.grid", partitions: 6, compacted: true)
    /// Cases opened and moved by review, keyed by household id (or village for unmatched leads).
    public static let reviewCases = EventTopic(name: "review.cases", partitions: 12)
    /// What became of each lead (verification, triage, decision), for the road it came from.
    public static let reviewLeads = EventTopic(name: "review.leads", partitions: 12)
    /// Review's requests for information comparison (信息比对), keyed by household id.
    public static let reviewComparisons = EventTopic(name: "review.comparisons", partitions: 6)
    /// Department screening's warnings (部门筛查预警), leads for review, keyed by household id.
    public static let screeningLeads = EventTopic(name: "department-screening.leads", partitions: 12)
    /// Department records pushed by outside systems (big-data centre, departments), keyed by record id.
    public static let screeningInbound = EventTopic(name: "department-screening.inbound", partitions: 6)
    /// What became of each department record, for its department, keyed by record id.
    public static let screeningFeedback = EventTopic(name: "department-screening.feedback", partitions: 6)
    /// Department screening's answers to comparison requests, keyed by household id.
    public static let screeningComparisons = EventTopic(name: "department-screening.comparisons", partitions: 6)
    /// Work orders pushed by outside hotline and petition systems, structured CloudEvents.
    public static let hotlineInbound = EventTopic(name: "hotline.inbound", partitions: 6)
    /// Risk leads raised from hotline and petition items (信访信息处置).
    public static let hotlineLeads = EventTopic(name: "hotline.leads", partitions: 12)
    /// Answers for the hotline and petition systems to relay to callers, keyed by order number.
    public static let hotlineReplies = EventTopic(name: "hotline.replies", partitions: 6)
    /// Messages recorded for delivery by notification.
    public static let notificationMessages = EventTopic(name: "notification.messages", partitions: 12)
    /// Insurance claims filed, approved, paid and rejected (防返贫综合保险理赔), keyed by household id.
    public static let insuranceClaims = EventTopic(name: "insurance.claims", partitions: 12)
    /// The insurance fund's thresholds of use reached, keyed by `fund-<year>`.
    public static let insuranceFund = EventTopic(name: "insurance.fund", partitions: 3)

    /// Every topic of the catalogue (dead-letter topics excepted).
    public static let catalogue: [EventTopic] = [
        intakeApplications, intakeHouseholds, intakeLeads, intakeGrid, reviewCases, reviewLeads, reviewComparisons,
        screeningInbound, screeningLeads, screeningFeedback, screeningComparisons, hotlineInbound, hotlineLeads, hotlineReplies, notificationMessages,
        insuranceClaims, insuranceFund,
    ]

    /// The dead-letter topic of a consumer group: `<group>.deadletter`.
    public static func deadLetter(forGroup group: String) -> EventTopic {
        EventTopic(name: "\(group).deadletter", partitions: 3)
    }
}
