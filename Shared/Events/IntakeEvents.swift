import Foundation

/// A household submitted a self-application (农户自主申请). Published by intake on
/// `intake.applications`, keyed by household id. Carries the applicant's contact details, which are
/// personal data: consumers keep them only where a role needs them and never log them.
public struct ApplicationSubmitted: DomainEvent, Hashable {
    public static let eventType = "lifeline.intake.ApplicationSubmitted.v1"
    public static let topic = EventTopic.intakeApplications

    /// The number the household uses to follow its application, for example `SQ20261129000123`.
    public var applicationNumber: String
    /// The household the application is for (provisional when intake did not know it yet).
    public var householdId: String
    /// Whether intake created the household from this application; the village must confirm it.
    public var householdIsProvisional: Bool
    /// The village (12-digit division code) whose QR code the applicant scanned.
    public var villageCode: String
    /// Who applied (personal data).
    public var applicant: ContactDetails
    /// People in the household as the applicant stated.
    public var householdSize: Int
    /// What the household reports.
    public var difficulties: [DifficultyType]
    /// The applicant's own words.
    public var statement: String
    /// When intake accepted it.
    public var submittedAt: Date
    /// The applicant's openid on the district's WeChat official account, when the form was opened
    /// from WeChat and the account's sign-in gave it (added compatibly: absent in earlier events).
    /// Notification sends WeChat template messages to it.
    public var wechatOpenId: String?

    public var partitionKey: String { householdId }
    public var subject: String? { applicationNumber }

    /// Creates the event.
    public init(
        applicationNumber: String, householdId: String, householdIsProvisional: Bool, villageCode: String,
        applicant: ContactDetails, householdSize: Int, difficulties: [DifficultyType], statement: String, submittedAt: Date,
        wechatOpenId: String? = nil
    ) {
        self.wechatOpenId = wechatOpenId
        self.applicationNumber = applicationNumber
        self.householdId = householdId
        self.householdIsProvisional = householdIsProvisional
        self.villageCode = villageCode
        self.applicant = applicant
        self.householdSize = householdSize
        self.difficulties = difficulties
        self.statement = statement
        self.submittedAt = submittedAt
    }
}

/// A household's registry entry as intake knows it now; published on the compacted topic
/// `intake.households`, keyed by household id, so other services can keep and rebuild their own copy.
public struct HouseholdRegistered: DomainEvent, Hashable {
    public static let eventType = "lifeline.intake.HouseholdRegistered.v1"
    public static let topic = EventTopic.intakeHouseholds

    /// The household id.
    public var householdId: String
    /// The village's 12-digit division code.
    public var villageCode: String
    /// The household group (联户网格) it belongs to, once known.
    public var householdGroupId: String?
    /// Created from a self-application and not yet confirmed by the village.
    public var provisional: Bool
    /// Members as registered. ID numbers are personal data.
    public var members: [Member]
    /// A formerly poor household (脱贫户), from the national system; nil in events before it was known.
    public var formerlyPoor: Bool?
    /// Where the entry came from: `import` (the district's file), `self-application` (provisional),
    /// or `merged` (a provisional household whose applicant the district's file placed elsewhere).
    public var source: String?
    /// For a merged household: the household that replaces it (its members are then empty).
    public var supersededBy: String?
    /// The household's 监测对象 category when the national export marks it as monitored; nil otherwise.
    public var monitoringCategory: MonitoringCategory?
    /// When this version of the entry was made.
    public var updatedAt: Date

    public var partitionKey: String { householdId }

    /// One registered member.
    public struct Member: Codable, Sendable, Hashable {
        /// Full name.
        public var name: String
        /// Citizen ID number (GB 11643), personal data.
        public var idNumber: String
        /// Relation to the head of household (户主, 配偶, 子女, …).
        public var relation: String
        /// Date of birth (`YYYY-MM-DD`), when registered.
        public var birthDate: String?
        /// 男 or 女, when registered.
        public var sex: String?
        /// Mobile or landline number, when registered (personal data: for matching callers and reaching
        /// the household; masked wherever shown).
        public var phone: String?
        /// 劳动能力, when the export gives it.
        public var labourAbility: LabourAbility?
        /// 健康状况, when the export gives it (personal data: health).
        public var healthStatus: HealthStatus?
        /// Whether the member receives 低保 (minimum living allowance), when the export says.
        public var minimumLivingAllowance: Bool?
        /// Whether the member receives 特困供养 (extreme-poverty support), when the export says.
        public var extremePovertySupport: Bool?

        /// Creates a member.
        public init(
            name: String, idNumber: String, relation: String, birthDate: String? = nil, sex: String? = nil, phone: String? = nil,
            labourAbility: LabourAbility? = nil, healthStatus: HealthStatus? = nil, minimumLivingAllowance: Bool? = nil,
            extremePovertySupport: Bool? = nil
        ) {
            self.name = name
            self.idNumber = idNumber
            self.relation = relation
            self.birthDate = birthDate
            self.sex = sex
            self.phone = phone
            self.labourAbility = labourAbility
            self.healthStatus = healthStatus
            self.minimumLivingAllowance = minimumLivingAllowance
            self.extremePovertySupport = extremePovertySupport
        }
    }

    /// Creates the event.
    public init(
        householdId: String, villageCode: String, householdGroupId: String?, provisional: Bool, members: [Member], updatedAt: Date,
        formerlyPoor: Bool? = nil, source: String? = nil, supersededBy: String? = nil, monitoringCategory: MonitoringCategory? = nil
    ) {
        self.monitoringCategory = monitoringCategory
        self.formerlyPoor = formerlyPoor
        self.source = source
        self.supersededBy = supersededBy
        self.householdId = householdId
        self.villageCode = villageCode
        self.householdGroupId = householdGroupId
        self.provisional = provisional
        self.members = members
        self.updatedAt = updatedAt
    }
}

/// A village meeting (主题党日+阳光议事) proposed a household for monitoring: a lead from the grid road
/// (基层干部排查) that review must verify. On `intake.leads`, keyed by household id.
public struct GridLeadRaised: DomainEvent, Hashable {
    public static let eventType = "lifeline.intake.GridLeadRaised.v1"
    public static let topic = EventTopic.intakeLeads

    /// The lead id (`XS…`), unique per meeting and household.
    public var leadId: String
    /// The meeting that proposed it.
    public var meetingId: String
    /// The household proposed.
    public var householdId: String
    /// Its village (12-digit division code).
    public var villageCode: String
    /// Risks grid members observed on their visits and the meeting confirmed.
    public var observedRisks: [DifficultyType]
    /// The meeting's reason, in its own words (may describe health: never logged).
    public var reason: String
    /// The meeting's date (`YYYY-MM-DD`).
    public var meetingDate: String
    /// When intake recorded it.
    public var raisedAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { leadId }

    /// Creates the event.
    public init(
        leadId: String, meetingId: String, householdId: String, villageCode: String, observedRisks: [DifficultyType], reason: String,
        meetingDate: String, raisedAt: Date
    ) {
        self.leadId = leadId
        self.meetingId = meetingId
        self.householdId = householdId
        self.villageCode = villageCode
        self.observedRisks = observedRisks
        self.reason = reason
        self.meetingDate = meetingDate
        self.raisedAt = raisedAt
    }
}
