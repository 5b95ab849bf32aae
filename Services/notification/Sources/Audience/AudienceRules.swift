import Foundation
import LifelineEvents

/// Who must hear of each event (docs/notification.md has the table). Pure: the event in, the notices
/// out; the queue resolves audiences to people and channels. Every event type of `EventCatalog` is
/// either handled here or listed in `silent` with the reason, which a test holds.
enum AudienceRules {
    /// Event types that concern nobody here, with why.
    static let silent: [String: String] = [
        HouseholdRegistered.eventType: "the register: read for contacts, nothing to tell",
        GridUnitRegistered.eventType: "the grid: read for grid members and office names, nothing to tell",
        WorkOrderPushed.eventType: "outside systems' input; the town hears of the lead it becomes",
        WorkOrderAnswered.eventType: "hotline systems are answered on hotline.replies",
        WorkOrderFollowedUp.eventType: "outside systems' input",
        DepartmentRecordPushed.eventType: "outside systems' input; the town hears of the warning it becomes",
        RecordFeedback.eventType: "departments are answered on department-screening.feedback",
        ComparisonRequested.eventType: "department screening answers it; the town hears of the case's next stage",
        ComparisonAnswered.eventType: "review records it; the town hears of the case's next stage",
        LeadSettled.eventType: "each road's source hears on its own feedback topic",
        MessageRecorded.eventType: "notification's own audit trail",
        MessageSent.eventType: "notification's own audit trail",
        MessageDelivered.eventType: "notification's own audit trail",
        MessageFailed.eventType: "notification's own audit trail",
    ]

    // MARK: intake

    static func notices(_ event: ApplicationSubmitted) -> [Notice] {
        // The village hears when review opens the case; the applicant hears at once.
        [Notice("ApplicationSubmitted", .household, household: event.householdId, village: event.villageCode,
                contact: event.applicant, wechatOpenId: event.wechatOpenId,
                fields: ["name": event.applicant.name, "applicationNumber": event.applicationNumber])]
    }

    static func notices(_ event: ApplicationHeldForVerification) -> [Notice] {
        // Not the applicant: a held application may be someone using another's ID number.
        [Notice("ApplicationHeldForVerification", .village, household: event.householdId, village: event.villageCode,
                fields: ["applicationNumber": event.applicationNumber, "reason": event.reason.chineseName])]
    }

    static func notices(_ event: GridLeadRaised) -> [Notice] {
        [Notice("GridLeadRaised", .town, household: event.householdId, village: event.villageCode,
                fields: ["risks": Wording.list(event.observedRisks.map(\.chineseName)), "meetingDate": Wording.day(event.meetingDate)])]
    }

    // MARK: hotline and department screening

    static func notices(_ event: RiskLeadRaised) -> [Notice] {
        var fields = ["channel": event.channel.chineseName, "orderNumber": event.orderNumber]
        if let risks = event.risks, !risks.isEmpty { fields["risks"] = Wording.list(risks.map(\.chineseName)) }
        // Without a village the district triages it.
        return [Notice("RiskLeadRaised", event.villageCode == nil ? .district : .town, household: event.householdId,
                       village: event.villageCode, fields: fields)]
    }

    static func notices(_ event: WarningRaised) -> [Notice] {
        [Notice("WarningRaised", .town, household: event.householdId, village: event.villageCode,
                fields: ["severity": severity(event.severity), "summary": Wording.safe(event.summary),
                         "risks": Wording.list(event.risks.map(\.chineseName))])]
    }

    // MARK: review

    static func notices(_ event: CaseOpened) -> [Notice] {
        let fields = ["caseId": event.caseId, "road": event.road.chineseName, "dueDate": Wording.date(event.dueBy)]
        var notices: [Notice] = []
        if let contact = event.contact, let number = event.applicationNumber {
            notices.append(Notice("CaseOpened", .household, household: event.householdId, village: event.villageCode, caseId: event.caseId,
                                  contact: contact, fields: ["name": contact.name, "applicationNumber": number, "dueDate": Wording.date(event.dueBy)]))
        }
        notices.append(Notice("CaseOpened", .village, household: event.householdId, village: event.villageCode, caseId: event.caseId, fields: fields))
        if event.householdId != nil {
            notices.append(Notice("CaseOpened", .gridMember, household: event.householdId, village: event.villageCode, caseId: event.caseId, fields: fields))
        }
        return notices
    }

    static func notices(_ event: LeadJoinedCase) -> [Notice] {
        guard !event.openedCase else { return [] }  // CaseOpened told everyone
        return [Notice("LeadJoinedCase", .village, household: event.householdId, village: event.villageCode, caseId: event.caseId,
                       fields: ["caseId": event.caseId, "road": event.origin.road.chineseName,
                                "risks": Wording.list(event.risks.map(\.chineseName))])]
    }

    /// The office that works a stage: the village verifies, appraises and announces, the town compares
    /// and reviews, the district enters.
    static func owner(of stage: ReviewStage) -> Audience? {
        switch stage {
        case .homeVerification, .democraticAppraisal, .publicAnnouncement: .village
        case .informationComparison, .townReview: .town
        case .systemEntry: .district
        default: nil
        }
    }

    static func notices(_ event: CaseStageChanged) -> [Notice] {
        guard let owner = owner(of: event.to) else { return [] }
        return [Notice("CaseStageChanged", owner, household: event.householdId, village: event.villageCode, caseId: event.caseId,
                       fields: ["caseId": event.caseId, "kind": event.kind.chineseName, "stage": event.to.chineseName,
                                "dueDate": Wording.date(event.dueBy)])]
    }

    static func notices(_ event: ObjectionLodged) -> [Notice] {
        let fields = ["caseId": event.caseId, "objectionNumber": String(event.objectionNumber)]
        return [.town, .village].map {
            Notice("ObjectionLodged", $0, household: event.householdId, village: event.villageCode, caseId: event.caseId, fields: fields)
        }
    }

    static func notices(_ event: ObjectionResolved) -> [Notice] {
        [Notice("ObjectionResolved", .village, household: event.householdId, village: event.villageCode, caseId: event.caseId,
                fields: ["caseId": event.caseId, "objectionNumber": String(event.objectionNumber),
                         "result": event.upheld ? "异议成立" : "异议不成立"])]
    }

    static func notices(_ event: CaseOverdue) -> [Notice] {
        let fields = ["caseId": event.caseId, "stage": event.stage.chineseName, "dueDate": Wording.date(event.dueBy),
                      "state": event.overdue ? "已超期" : "即将到期"]
        var audiences: [Audience] = [owner(of: event.stage) ?? .town]
        // The town supervises its villages' deadlines (超期预警).
        if event.overdue && audiences[0] == .village { audiences.append(.town) }
        return audiences.map {
            Notice("CaseOverdue", $0, household: event.householdId, village: event.villageCode, caseId: event.caseId, fields: fields)
        }
    }

    static func notices(_ event: CaseDecided) -> [Notice] {
        var fields = ["caseId": event.caseId, "kind": event.kind.chineseName, "outcome": event.outcome.chineseName]
        if let category = event.category { fields["category"] = category.chineseName }
        if let reason = event.reason { fields["reason"] = Wording.safe(reason) }
        return [.household, .village, .gridMember].map {
            Notice("CaseDecided", $0, household: event.householdId, village: event.villageCode, caseId: event.caseId, fields: fields)
        }
    }

    static func notices(_ event: MonitoringStarted) -> [Notice] {
        let fields = ["caseId": event.caseId, "category": event.category.chineseName, "startedOn": Wording.day(event.startedOn),
                      "risks": Wording.list(event.risks.map(\.chineseName))]
        return [.gridMember, .village].map {
            Notice("MonitoringStarted", $0, household: event.householdId, village: event.villageCode, caseId: event.caseId, fields: fields)
        }
    }

    static func notices(_ event: RiskEliminated) -> [Notice] {
        let fields = ["caseId": event.caseId, "category": event.category.chineseName, "eliminatedOn": Wording.day(event.eliminatedOn)]
        return [.household, .village].map {
            Notice("RiskEliminated", $0, household: event.householdId, village: event.villageCode, caseId: event.caseId, fields: fields)
        }
    }

    // MARK: insurance

    static func notices(_ event: ClaimFiled) -> [Notice] {
        let fields = ["claimId": event.claimId, "line": event.line.chineseName, "loss": Wording.yuan(event.lossFen),
                      "incidentDate": Wording.day(event.incidentDate)]
        return [.insurer, .household].map {
            Notice("ClaimFiled", $0, household: event.householdId, village: event.villageCode, fields: fields)
        }
    }

    static func notices(_ event: ClaimApproved) -> [Notice] {
        let fields = ["claimId": event.claimId, "line": event.line.chineseName, "payout": Wording.yuan(event.payoutFen)]
        return [.town, .household].map {
            Notice("ClaimApproved", $0, household: event.householdId, village: event.villageCode, fields: fields)
        }
    }

    static func notices(_ event: ClaimPaid) -> [Notice] {
        let fields = ["claimId": event.claimId, "line": event.line.chineseName, "paid": Wording.yuan(event.paidFen)]
        return [.household, .town].map {
            Notice("ClaimPaid", $0, household: event.householdId, village: event.villageCode, fields: fields)
        }
    }

    static func notices(_ event: ClaimRejected) -> [Notice] {
        let fields = ["claimId": event.claimId, "line": event.line.chineseName, "reason": Wording.safe(event.reason)]
        return [.town, .household].map {
            Notice("ClaimRejected", $0, household: event.householdId, village: event.villageCode, fields: fields)
        }
    }

    static func notices(_ event: FundThresholdReached) -> [Notice] {
        let percent = Double(event.thresholdBasisPoints) / 100
        let fields = ["year": String(event.year), "threshold": percent == percent.rounded() ? String(Int(percent)) : String(percent),
                      "remaining": Wording.yuan(event.remainingFen), "fund": Wording.yuan(event.fundFen)]
        return [.district, .insurer].map { Notice("FundThresholdReached", $0, fields: fields) }
    }

    static func severity(_ severity: WarningRaised.Severity) -> String {
        switch severity {
        case .high: "高"
        case .medium: "中"
        case .low: "低"
        default: "未分级"
        }
    }
}
