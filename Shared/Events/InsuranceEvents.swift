import Foundation

/// A line of the anti-relapse comprehensive insurance (防返贫综合保险).
public struct InsuranceLine: ExportWording {
    /// The value as published.
    public let rawValue: String

    /// Any value, known or not.
    public init(uncheckedRawValue: String) {
        rawValue = uncheckedRawValue
    }

    /// 医疗商业补充保险: what basic medical insurance, serious-illness insurance and medical assistance leave to pay.
    public static let medical = InsuranceLine(uncheckedRawValue: "medical")
    /// 人身意外险: death, disability and injury by accident.
    public static let accident = InsuranceLine(uncheckedRawValue: "accident")
    /// 家庭财产险: the home and household goods (fire, flood, storm, collapse).
    public static let property = InsuranceLine(uncheckedRawValue: "property")
    /// 产业扶贫险: crops, livestock and assisted industry projects.
    public static let industry = InsuranceLine(uncheckedRawValue: "industry")

    /// The values this version knows.
    public static let knownValues: [InsuranceLine] = [.medical, .accident, .property, .industry]
    /// The lines' names.
    public static let names: [InsuranceLine: String] = [
        .medical: "医疗商业补充保险", .accident: "人身意外险", .property: "家庭财产险", .industry: "产业扶贫险",
    ]
    /// No other spellings are known.
    public static let aliases: [String: InsuranceLine] = [:]
}

/// One step of a payout computed by the line's rule, in the order applied (shown to the insurer, the
/// town and the household).
public struct PayoutStep: Codable, Sendable, Hashable {
    /// What the step does: `loss`, `otherPayments`, `deductible`, `ratio`, `claimCap`, `yearCap`.
    public var step: String
    /// The step in Chinese, e.g. 扣除免赔额 500.00 元.
    public var description: String
    /// The amount after the step, in fen.
    public var amountFen: Int64

    /// Creates a step.
    public init(step: String, description: String, amountFen: Int64) {
        self.step = step
        self.description = description
        self.amountFen = amountFen
    }
}

/// A town filed an insurance claim for a household. Published on `insurance.claims`, keyed by household id.
public struct ClaimFiled: DomainEvent, Hashable {
    public static let eventType = "lifeline.insurance.ClaimFiled.v1"
    public static let topic = EventTopic.insuranceClaims

    /// The claim number (e.g. LP20261201000042).
    public var claimId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// The line claimed on.
    public var line: InsuranceLine
    /// The kind of loss (a code of the line's rule, e.g. `hospitalization`).
    public var lossKind: String
    /// The day of the incident (yyyy-MM-dd, Beijing).
    public var incidentDate: String
    /// The loss claimed, in fen.
    public var lossFen: Int64
    /// What other insurance or assistance already paid, in fen.
    public var otherPaymentsFen: Int64
    /// Why the household is covered: `monitored` (监测对象), `registry` (monitored per the register) or `certified` (镇街认定).
    public var coverage: String
    /// When it was filed.
    public var filedAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { claimId }

    /// Creates the event.
    public init(
        claimId: String, householdId: String, villageCode: String, line: InsuranceLine, lossKind: String, incidentDate: String, lossFen: Int64,
        otherPaymentsFen: Int64, coverage: String, filedAt: Date
    ) {
        self.claimId = claimId
        self.householdId = householdId
        self.villageCode = villageCode
        self.line = line
        self.lossKind = lossKind
        self.incidentDate = incidentDate
        self.lossFen = lossFen
        self.otherPaymentsFen = otherPaymentsFen
        self.coverage = coverage
        self.filedAt = filedAt
    }
}

/// The insurer approved a claim and the payout was reserved in the fund. Published on `insurance.claims`.
public struct ClaimApproved: DomainEvent, Hashable {
    public static let eventType = "lifeline.insurance.ClaimApproved.v1"
    public static let topic = EventTopic.insuranceClaims

    /// The claim number.
    public var claimId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// The line.
    public var line: InsuranceLine
    /// The payout reserved, in fen.
    public var payoutFen: Int64
    /// How the payout was computed.
    public var breakdown: [PayoutStep]
    /// When.
    public var approvedAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { claimId }

    /// Creates the event.
    public init(
        claimId: String, householdId: String, villageCode: String, line: InsuranceLine, payoutFen: Int64, breakdown: [PayoutStep], approvedAt: Date
    ) {
        self.claimId = claimId
        self.householdId = householdId
        self.villageCode = villageCode
        self.line = line
        self.payoutFen = payoutFen
        self.breakdown = breakdown
        self.approvedAt = approvedAt
    }
}

/// An approved claim was paid. Published on `insurance.claims`, keyed by household id.
public struct ClaimPaid: DomainEvent, Hashable {
    public static let eventType = "lifeline.insurance.ClaimPaid.v1"
    public static let topic = EventTopic.insuranceClaims

    /// The claim number.
    public var claimId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// The line.
    public var line: InsuranceLine
    /// The amount paid, in fen.
    public var paidFen: Int64
    /// The insurer's or the bank's payment reference.
    public var paymentReference: String
    /// When.
    public var paidAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { claimId }

    /// Creates the event.
    public init(claimId: String, householdId: String, villageCode: String, line: InsuranceLine, paidFen: Int64, paymentReference: String, paidAt: Date) {
        self.claimId = claimId
        self.householdId = householdId
        self.villageCode = villageCode
        self.line = line
        self.paidFen = paidFen
        self.paymentReference = paymentReference
        self.paidAt = paidAt
    }
}

/// A claim was rejected (by the insurer, or because the fund or the household's yearly cap cannot
/// cover it). Published on `insurance.claims`, keyed by household id.
public struct ClaimRejected: DomainEvent, Hashable {
    public static let eventType = "lifeline.insurance.ClaimRejected.v1"
    public static let topic = EventTopic.insuranceClaims

    /// The claim number.
    public var claimId: String
    /// The household.
    public var householdId: String
    /// The household's village.
    public var villageCode: String
    /// The line.
    public var line: InsuranceLine
    /// Why, as a code: `insurerDecision`, `fundInsufficient`, `yearCapReached`, `nothingPayable`.
    public var reasonCode: String
    /// Why, in Chinese (never personal data).
    public var reason: String
    /// Money reserved by an earlier approval and released now, in fen (0 when none was).
    public var releasedFen: Int64
    /// When.
    public var rejectedAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { claimId }

    /// Creates the event.
    public init(
        claimId: String, householdId: String, villageCode: String, line: InsuranceLine, reasonCode: String, reason: String, releasedFen: Int64,
        rejectedAt: Date
    ) {
        self.claimId = claimId
        self.householdId = householdId
        self.villageCode = villageCode
        self.line = line
        self.reasonCode = reasonCode
        self.reason = reason
        self.releasedFen = releasedFen
        self.rejectedAt = rejectedAt
    }
}

/// The money committed from a policy year's fund (reserved plus paid) reached a threshold (e.g. 80%).
/// Published once per year and threshold on `insurance.fund`, keyed by the fund's year.
public struct FundThresholdReached: DomainEvent, Hashable {
    public static let eventType = "lifeline.insurance.FundThresholdReached.v1"
    public static let topic = EventTopic.insuranceFund

    /// The policy year.
    public var year: Int
    /// The threshold, in basis points of the fund (8000 = 80%).
    public var thresholdBasisPoints: Int
    /// The fund of the year, in fen.
    public var fundFen: Int64
    /// Reserved plus paid when the threshold was crossed, in fen.
    public var committedFen: Int64
    /// What is left, in fen.
    public var remainingFen: Int64
    /// When.
    public var reachedAt: Date

    public var partitionKey: String { "fund-\(year)" }
    public var subject: String? { "fund-\(year)" }

    /// Creates the event.
    public init(year: Int, thresholdBasisPoints: Int, fundFen: Int64, committedFen: Int64, remainingFen: Int64, reachedAt: Date) {
        self.year = year
        self.thresholdBasisPoints = thresholdBasisPoints
        self.fundFen = fundFen
        self.committedFen = committedFen
        self.remainingFen = remainingFen
        self.reachedAt = reachedAt
    }
}
