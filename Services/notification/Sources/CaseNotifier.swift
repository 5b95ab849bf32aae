import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Records, for every case opened, one message to the applicant (SMS, when a contact is known) and one
/// to the village's inbox. One message per case and recipient kind, however often the event arrives.
struct CaseNotifier: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    init(dependencies: ServiceDependencies) {
        publisher = dependencies.publisher
        logger = dependencies.logger
    }

    func caseOpened(_ opened: CaseOpened, context: EventContext) async throws {
        let due = Self.dateText(opened.dueBy)
        if let contact = opened.contact, let number = opened.applicationNumber {
            try await record(
                opened, recipientKind: "applicant", address: contact.phone, channel: "sms",
                body: "【济阳防返贫】\(contact.name)您好，您的申请（编号\(number)）已受理，村级网格员将于近日入户核实。凭申请编号和手机号后四位可查询进度。",
                cause: context.event, on: context.connection)
        }
        try await record(
            opened, recipientKind: "village", address: "village:\(opened.villageCode)", channel: "inbox",
            body: "【待核实】收到一条\(opened.road.chineseName)线索（案件\(opened.caseId)），请于\(due)前完成入户核实。",
            cause: context.event, on: context.connection)
    }

    private func record(
        _ opened: CaseOpened, recipientKind: String, address: String, channel: String, body: String, cause: CloudEvent,
        on connection: PostgresConnection
    ) async throws {
        let id = "MSG" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        let rows = try await connection.query("""
            INSERT INTO messages (id, case_id, household_id, village_code, recipient_kind, recipient_address, channel, body)
            VALUES (\(id), \(opened.caseId), \(opened.householdId), \(opened.villageCode), \(recipientKind), \(address), \(channel), \(body))
            ON CONFLICT (case_id, recipient_kind) DO NOTHING RETURNING id
            """, logger: logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { return }
        try await publisher.publish(MessageRecorded(
            messageId: id, householdId: opened.householdId, villageCode: opened.villageCode, recipientKind: recipientKind,
            channel: channel, recordedAt: Date()
        ), on: connection, causedBy: cause)
    }

    /// `2026年12月14日` in China Standard Time (UTC+8 all year), by arithmetic: a `DateFormatter` per
    /// message was a per-event cost on the consumer's hot path.
    static func dateText(_ date: Date) -> String {
        let days = Int(((date.timeIntervalSince1970 + Double(CivilDay.beijingOffsetSeconds)) / 86_400).rounded(.down))
        let (year, month, day) = CivilDay.civil(fromDaysSinceEpoch: days)
        return "\(year)年\(month)月\(day)日"
    }

}
