import Foundation
import Hummingbird
import LifelineEventBus
import LifelineKafka
import LifelinePersistence

/// `/health/live` answers while the process serves HTTP; `/health/ready` only when the database answers,
/// migrations are done, a broker answers and no consumer or relay reports a problem (an outage it is
/// waiting out, an event it keeps retrying, an outbox backlog older than its limit).
struct ReadinessProbe: Sendable {
    let database: Database
    let producer: KafkaProducer
    let gate: StartGate
    let components: [LifelineEventBus.ComponentHealth]

    struct Report: Encodable {
        let status: String
        let checks: [String: String]
    }

    func report() async -> (ready: Bool, report: Report) {
        async let databaseCheck: String = {
            do { try await database.checkReachable(); return "ok" } catch { return "unreachable" }
        }()
        async let brokerCheck: String = {
            do { try await producer.checkBrokers(timeout: .seconds(2)); return "ok" } catch { return "unreachable" }
        }()
        var checks = ["database": await databaseCheck, "broker": await brokerCheck, "migrations": gate.isOpen ? "ok" : "pending"]
        for component in components {
            checks[component.name] = component.currentProblem ?? "ok"
        }
        let ready = checks.values.allSatisfy { $0 == "ok" }
        return (ready, Report(status: ready ? "ready" : "not_ready", checks: checks))
    }

    func addRoutes(to router: Router<LifelineRequestContext>) {
        router.get("health/live") { _, _ in
            try JSONResponse.make(["status": "live"])
        }
        router.get("health/ready") { _, _ in
            let (ready, report) = await self.report()
            return try JSONResponse.make(report, status: ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: MetricsSetup.render())))
        }
    }
}
