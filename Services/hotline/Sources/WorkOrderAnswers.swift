import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Closes the 12345 loop (答复): every work order gets an answer its source relays to the caller, on
/// `hotline.replies` keyed by the order number: first whether it was taken and as what, then, for an
/// order that raised a lead, what review decided. A caller who spoke of another household learns only
/// that the matter was handled; review's free-text reason goes only to a caller of the household.
struct WorkOrderAnswers: Sendable {
    let publisher: EventPublisher
    let logger: Logger

    /// The first answer, as the order is recorded.
    static func onReceipt(_ order: WorkOrderPushed, reading: WorkOrderClassifier.Classification, leadId: String?, merged: Bool) -> WorkOrderAnswered {
        let (outcome, message): (WorkOrderAnswered.Outcome, String) =
            switch reading.category {
            case .risk where merged: (.received, "您反映的情况已受理，与此前反映的同一问题合并办理，核实结果将及时答复。")
            case .risk: (.received, "您反映的情况已受理，已转镇街进行核实，核实结果将及时答复。")
            case .complaint: (.forwardedToTown, "您反映的帮扶措施落实问题已受理，已转镇街办理。")
            case .dispute: (.forwardedToTown, "您反映的监测对象认定问题已受理，已转镇街复核。")
            case .irrelevant: (.notInScope, "经研判，您反映的问题未涉及因病、因残、因灾、因意外等返贫致贫风险，不属于防返贫监测帮扶受理范围，请转相关部门办理。")
            }
        return WorkOrderAnswered(orderNumber: order.orderNumber, channel: order.channel, outcome: outcome, message: message, leadId: leadId, answeredAt: Date())
    }

    /// The final answer, once review settled the order's lead (a verification that confirmed the risk
    /// is not final: the case's decision follows).
    func leadSettled(_ settled: LeadSettled, cause: CloudEvent, on connection: PostgresConnection) async throws {
        guard settled.origin.road == .petitionAndHotline, settled.outcome != .confirmed else { return }
        // An order joining the lead at this moment commits first, and is answered below with the others.
        try await LeadLock.hold(settled.origin.originId, on: connection, logger: logger)
        let rows = try await connection.query("""
            UPDATE work_orders SET final_outcome = \(settled.outcome.rawValue), answered_at = now()
            WHERE lead_id = \(settled.origin.originId) AND final_outcome IS NULL
            RETURNING order_number, channel, third_party
            """, logger: logger)
        for try await (number, channel, thirdParty) in rows.decode((String, String, Bool).self) {
            let (outcome, message) = Self.finalAnswer(settled, thirdParty: thirdParty)
            try await publisher.publish(WorkOrderAnswered(
                orderNumber: number, channel: HotlineChannel(uncheckedRawValue: channel), outcome: outcome, message: message,
                leadId: settled.origin.originId, answeredAt: Date()
            ), on: connection, causedBy: cause)
        }
    }

    static func finalAnswer(_ settled: LeadSettled, thirdParty: Bool) -> (WorkOrderAnswered.Outcome, String) {
        if thirdParty { return (.handled, "您反映的问题已办结，感谢您对困难群众的关心。") }
        switch settled.outcome {
        case .monitored: return (.monitored, "经核实认定，您家已纳入防返贫监测，帮扶责任人将与您联系落实帮扶措施。")
        case .alreadyCovered: return (.alreadyCovered, "您家已在防返贫监测帮扶中，您反映的情况已转帮扶责任人跟进。")
        default:
            let reason = settled.reason.map { "（\($0)）" } ?? ""
            return (.notMonitored, "经核实，您家暂不符合纳入防返贫监测的条件\(reason)。如情况变化，可再次反映或向村（社区）申请。")
        }
    }
}
