import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import LifelineRuntime
import Logging

/// Keeps each application's progress in step with review: a case opened for it moves it under review.
struct ApplicationProgressHandler: Sendable {
    let logger: Logger

    init(dependencies: ServiceDependencies) {
        logger = dependencies.logger
    }

    func caseOpened(_ opened: CaseOpened, on connection: PostgresConnection) async throws {
        guard let number = opened.applicationNumber else { return }
        try await connection.query("""
            UPDATE applications SET status = 'under_review', case_id = \(opened.caseId)
            WHERE number = \(number) AND status = 'submitted'
            """, logger: logger)
        try await connection.query("""
            INSERT INTO application_timeline (application_number, stage, occurred_at, note)
            SELECT number, \(opened.stage.rawValue), \(opened.openedAt), \("已受理，村级网格员将入户核实")
            FROM applications WHERE number = \(number)
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }
}
