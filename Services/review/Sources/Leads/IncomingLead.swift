import Foundation
import LifelineEvents

/// A lead as it arrives from any of the four roads, before review decides where it goes.
struct IncomingLead: Sendable {
    var origin: LeadOrigin
    var householdId: String?
    var villageCode: String?
    var townCode: String?
    var risks: [DifficultyType]
    var summary: String
    var applicationNumber: String?
    var contact: ContactDetails?
    /// When the risk was found at its origin: the 15-day clock starts here.
    var discoveredAt: Date

    /// Leads of these roads are verified by the town (精准核实) before they open a case.
    var needsTownVerification: Bool {
        origin.road == .departmentScreening || origin.road == .petitionAndHotline
    }

    init(_ application: ApplicationSubmitted) {
        origin = LeadOrigin(road: .selfApplication, originId: application.applicationNumber)
        householdId = application.householdId
        villageCode = application.villageCode
        risks = application.difficulties
        summary = "农户自主申请：" + application.difficulties.map(\.chineseName).joined(separator: "、")
        applicationNumber = application.applicationNumber
        contact = application.applicant
        discoveredAt = application.submittedAt
    }

    init(_ lead: GridLeadRaised) {
        origin = LeadOrigin(road: .gridReport, originId: lead.leadId)
        householdId = lead.householdId
        villageCode = lead.villageCode
        risks = lead.observedRisks
        summary = "村级会议提出：" + lead.reason
        discoveredAt = lead.raisedAt
    }

    init(_ lead: RiskLeadRaised) {
        origin = LeadOrigin(road: .petitionAndHotline, originId: lead.leadId)
        householdId = lead.householdId
        villageCode = lead.villageCode
        risks = lead.risks ?? []
        let read = risks.isEmpty ? "" : "：" + risks.map(\.chineseName).joined(separator: "、")
        summary = "\(lead.channel.chineseName)工单 \(lead.orderNumber)\(read)"
        // The order's own received time, when the hotline sends it (the 15-day clock starts there).
        discoveredAt = lead.receivedAt ?? lead.raisedAt
    }

    init(_ warning: WarningRaised) {
        origin = LeadOrigin(road: .departmentScreening, originId: warning.warningId)
        householdId = warning.householdId
        villageCode = warning.villageCode
        risks = warning.risks
        summary = "部门筛查预警：\(warning.summary)"
        discoveredAt = warning.discoveredAt
    }
}
