import Foundation
import LifelineEvents
import LifelinePersistence

extension ApplicationStore {
    /// The application's progress, only if `phoneLast4` matches the applicant's phone.
    func progress(number: String, phoneLast4: String) async throws -> ApplicationProgress? {
        let rows = try await database.query("""
            SELECT status, applicant_phone, decision_reason FROM applications WHERE number = \(number)
            """)
        var found: (status: String, phone: String, reason: String?)?
        for try await (status, phone, reason) in rows.decode((String, String, String?).self) {
            found = (status, phone, reason)
        }
        guard let found, Self.constantTimeEquals(String(found.phone.suffix(4)), phoneLast4) else { return nil }
        var timeline: [ApplicationProgress.Step] = []
        let steps = try await database.query("""
            SELECT stage, occurred_at, note FROM application_timeline WHERE application_number = \(number) ORDER BY occurred_at, stage
            """)
        for try await (stage, occurredAt, note) in steps.decode((String, Date, String?).self) {
            let known = ReviewStage(rawValue: stage)
            timeline.append(.init(stage: stage, stageName: known?.chineseName ?? stage, at: occurredAt, note: note))
        }
        let order = Dictionary(uniqueKeysWithValues: ReviewStage.allCases.enumerated().map { ($1.rawValue, $0) })
        timeline.sort { (order[$0.stage] ?? 99, $0.at) < (order[$1.stage] ?? 99, $1.at) }  // stages only move forward
        let status = Self.publicStatus(found.status)
        return ApplicationProgress(
            applicationNumber: number, status: status, statusText: ApplicationProgress.statusText(status),
            decisionReason: found.reason, timeline: timeline)
    }

    static func constantTimeEquals(_ left: String, _ right: String) -> Bool {
        let left = Array(left.utf8), right = Array(right.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// What a household sees of its application: stages and dates, nothing personal.
struct ApplicationProgress: Codable, Sendable {
    struct Step: Codable, Sendable {
        var stage: String
        var stageName: String
        var at: Date
        var note: String?
    }

    var applicationNumber: String
    var status: String
    var statusText: String
    var decisionReason: String?
    var timeline: [Step]

    static func statusText(_ status: String) -> String {
        switch status {
        case "submitted": "已提交，等待受理"
        case "under_review": "审核中"
        case "decided": "已办结"
        default: status
        }
    }
}
