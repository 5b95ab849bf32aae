import Foundation
import LifelineEvents
import LifelinePersistence

/// A case as officials see it in lists. Phone numbers are masked; the full number is for the visit.
struct CaseView: Encodable, Sendable {
    var caseId: String
    var householdId: String
    var villageCode: String
    var townCode: String
    var kind: String
    var kindName: String
    var road: String
    var roadName: String
    var stage: String
    var stageName: String
    var comparisonState: String?
    var openedAt: Date
    var discoveredAt: Date
    var dueBy: Date
    var overdue: Bool
    var announcementEndsOn: String?
    var outcome: String?
    var outcomeName: String?
    var category: String?
    var categoryName: String?
    var decisionReason: String?
    var closedAt: Date?
    /// The first self-application of the case, if any.
    var applicationNumber: String?
    /// The first contact of the case, if any (name, masked phone).
    var contactName: String?
    var contactPhoneMasked: String?

    init(_ record: CaseRecord, firstLead: LeadRecord?, now: Date = Date()) {
        caseId = record.id
        householdId = record.householdId
        villageCode = record.villageCode
        townCode = record.townCode
        kind = record.kind.rawValue
        kindName = record.kind.chineseName
        road = record.road.rawValue
        roadName = record.road.chineseName
        stage = record.stage.rawValue
        stageName = record.stage.chineseName
        comparisonState = record.comparisonState
        openedAt = record.openedAt
        discoveredAt = record.discoveredAt
        dueBy = record.dueBy
        overdue = record.isOpen && record.dueBy < now
        announcementEndsOn = record.announcementEndsOn
        outcome = record.outcome
        outcomeName = record.outcome.map { CaseOutcome(uncheckedRawValue: $0).chineseName }
        category = record.category
        categoryName = record.category.map { MonitoringCategory(uncheckedRawValue: $0).chineseName }
        decisionReason = record.decisionReason
        closedAt = record.closedAt
        applicationNumber = firstLead?.applicationNumber
        contactName = firstLead?.contact?.name
        contactPhoneMasked = firstLead?.contact.map { MobileNumber.masked($0.phone) }
    }
}

/// A lead as officials see it.
struct LeadView: Encodable, Sendable {
    var leadId: String
    var road: String
    var roadName: String
    var originId: String
    var householdId: String?
    var villageCode: String?
    var townCode: String
    var risks: [String]
    var summary: String
    var applicationNumber: String?
    var contactName: String?
    var contactPhoneMasked: String?
    var discoveredAt: Date
    var receivedAt: Date
    var status: String
    var caseId: String?
    var outcome: String?
    var outcomeName: String?
    var outcomeReason: String?

    init(_ lead: LeadRecord) {
        leadId = lead.id
        road = lead.origin.road.rawValue
        roadName = lead.origin.road.chineseName
        originId = lead.origin.originId
        householdId = lead.householdId
        villageCode = lead.villageCode
        townCode = lead.townCode
        risks = lead.risks.map(\.rawValue)
        summary = lead.summary
        applicationNumber = lead.applicationNumber
        contactName = lead.contact?.name
        contactPhoneMasked = lead.contact.map { MobileNumber.masked($0.phone) }
        discoveredAt = lead.discoveredAt
        receivedAt = lead.receivedAt
        status = lead.status
        caseId = lead.caseId
        outcome = lead.outcome
        outcomeName = lead.outcome.map { LeadOutcome(uncheckedRawValue: $0).chineseName }
        outcomeReason = lead.outcomeReason
    }
}

/// Everything about one case: its leads, what each step recorded (who, when, what), objections,
/// comparisons and the announcement.
struct CaseDetail: Encodable, Sendable {
    struct Step: Encodable, Sendable {
        var stage: String
        var stageName: String
        var recordedAt: Date
        var recordedBy: String
        var recordedRole: String
        var details: JSONValue
    }

    struct Objection: Encodable, Sendable {
        var number: Int
        var receivedOn: String
        var content: String
        var lodgedAt: Date
        var resolvedAt: Date?
        var upheld: Bool?
        var resolution: String?
    }

    struct Comparison: Encodable, Sendable {
        var requestId: String
        var requestedAt: Date
        var answeredAt: Date?
        var sources: [String]?
        var findings: JSONValue
        var adverse: Bool?
    }

    var `case`: CaseView
    var leads: [LeadView]
    var steps: [Step]
    var objections: [Objection]
    var comparisons: [Comparison]
    var announcementText: String?
}

extension CaseStore {
    /// Cases of a region (prefix of the division code), newest first.
    func list(regionPrefix: String, stage: ReviewStage?, openOnly: Bool, overdueWithinDays: Int? = nil, limit: Int = 500) async throws -> [CaseView] {
        try await database.transaction { connection in
            let like = regionPrefix + "%"
            let dueLimit = overdueWithinDays.map { Date().addingTimeInterval(TimeInterval($0 * 86_400)) }
            let records = try await CaseRecord.list(where: """
                WHERE village_code LIKE \(like) AND (\(stage?.rawValue)::text IS NULL OR stage = \(stage?.rawValue))
                  AND (NOT \(openOnly) OR closed_at IS NULL) AND (\(dueLimit)::timestamptz IS NULL OR (closed_at IS NULL AND due_by <= \(dueLimit)))
                ORDER BY \(unescaped: overdueWithinDays == nil ? "opened_at DESC" : "due_by") LIMIT \(limit)
                """, on: connection, logger: logger)
            let leads = try await LeadRecord.list(
                where: "WHERE case_id = ANY(\(records.map(\.id))) ORDER BY received_at", on: connection, logger: logger)
            var first: [String: LeadRecord] = [:]
            for lead in leads where first[lead.caseId!] == nil || (first[lead.caseId!]?.contact == nil && lead.contact != nil) {
                first[lead.caseId!] = lead
            }
            return records.map { CaseView($0, firstLead: first[$0.id]) }
        }
    }

    func detail(_ record: CaseRecord) async throws -> CaseDetail {
        try await database.transaction { connection in
            let leads = try await LeadRecord.list(where: "WHERE case_id = \(record.id) ORDER BY received_at", on: connection, logger: logger)
            var steps: [CaseDetail.Step] = []
            let stepRows = try await connection.query("""
                SELECT stage, recorded_at, recorded_by, recorded_role, details::text FROM case_steps WHERE case_id = \(record.id) ORDER BY recorded_at
                """, logger: logger)
            for try await (stage, at, by, role, details) in stepRows.decode((String, Date, String, String, String).self) {
                steps.append(.init(
                    stage: stage, stageName: ReviewStage(uncheckedRawValue: stage).chineseName, recordedAt: at, recordedBy: by, recordedRole: role,
                    details: .parse(details)))
            }
            var objections: [CaseDetail.Objection] = []
            let objectionRows = try await connection.query("""
                SELECT number, to_char(received_on, 'YYYY-MM-DD'), content, lodged_at, resolved_at, upheld, resolution
                FROM case_objections WHERE case_id = \(record.id) ORDER BY number
                """, logger: logger)
            for try await row in objectionRows.decode((Int, String, String, Date, Date?, Bool?, String?).self) {
                objections.append(.init(
                    number: row.0, receivedOn: row.1, content: row.2, lodgedAt: row.3, resolvedAt: row.4, upheld: row.5, resolution: row.6))
            }
            var comparisons: [CaseDetail.Comparison] = []
            let comparisonRows = try await connection.query("""
                SELECT request_id, requested_at, answered_at, sources, findings::text, adverse FROM comparisons WHERE case_id = \(record.id) ORDER BY requested_at
                """, logger: logger)
            for try await row in comparisonRows.decode((String, Date, Date?, [String]?, String?, Bool?).self) {
                comparisons.append(.init(
                    requestId: row.0, requestedAt: row.1, answeredAt: row.2, sources: row.3, findings: row.4.map(JSONValue.parse) ?? .null, adverse: row.5))
            }
            return CaseDetail(
                case: CaseView(record, firstLead: leads.first { $0.contact != nil } ?? leads.first), leads: leads.map(LeadView.init), steps: steps,
                objections: objections, comparisons: comparisons, announcementText: record.announcementText)
        }
    }
}
