import Foundation

/// A self-application intake did not pass on as a lead, because it may not be the person's own: the
/// name does not match the registry for that ID number, or another application for the same ID number
/// is already open with a different phone or name. The village verifies it (核实) and confirms or
/// rejects it; until then the applicant sees an ordinary "submitted" status, so a stranger learns
/// nothing about the person. Carries no personal data: the village reads the names in intake.
public struct ApplicationHeldForVerification: DomainEvent, Hashable {
    public static let eventType = "lifeline.intake.ApplicationHeldForVerification.v1"
    public static let topic = EventTopic.intakeApplications

    /// Why an application is held (an open enumeration: a later version may add reasons).
    public struct Reason: OpenEnumeration {
        /// The value as published.
        public let rawValue: String

        /// Any value, known or not.
        public init(uncheckedRawValue: String) {
            rawValue = uncheckedRawValue
        }

        /// The applicant's name differs from the registered name of that ID number (姓名与登记信息不一致).
        public static let nameMismatch = Reason(uncheckedRawValue: "name-mismatch")
        /// The ID number already has an open application from another phone or name (已有在办申请).
        public static let openApplication = Reason(uncheckedRawValue: "open-application")

        /// The values this version knows.
        public static let knownValues: [Reason] = [.nameMismatch, .openApplication]

        /// The reason as the village reads it.
        public var chineseName: String {
            switch self {
            case .nameMismatch: "申请人姓名与该身份证号码的登记姓名不一致"
            case .openApplication: "该身份证号码已有正在办理的申请，本次申请的手机号或姓名与之不同"
            default: "其他原因（\(rawValue)）"
            }
        }
    }

    /// The held application's number.
    public var applicationNumber: String
    /// The household the ID number belongs to (registered or provisional).
    public var householdId: String
    /// The village that verifies: the household's village.
    public var villageCode: String
    /// Why it is held.
    public var reason: Reason
    /// When intake received it.
    public var submittedAt: Date

    public var partitionKey: String { householdId }
    public var subject: String? { applicationNumber }

    /// Creates the event.
    public init(applicationNumber: String, householdId: String, villageCode: String, reason: Reason, submittedAt: Date) {
        self.applicationNumber = applicationNumber
        self.householdId = householdId
        self.villageCode = villageCode
        self.reason = reason
        self.submittedAt = submittedAt
    }
}
