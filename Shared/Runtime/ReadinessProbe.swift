import Foundation
import Hummingbird
import LifelineEventBus
import LifelineKafka
import LifelinePersistence

/// `/health/live` answers while the process serves HTTP; `/health/ready` only when the database answers,
/// migrations are done, a broker answers and no consumer or relay reports a problem (an outage it is
/// waiting out, an event it keeps retrying, an outbox backlog older than its limit).
///
/// `/health/ready` is public, so the database query and the broker round trip are cached for a second
/// and shared by concurrent callers: polling it in a loop cannot load the database or the broker.
struct ReadinessProbe: Sendable {
    let gate: StartGate
    let components: [LifelineEventBus.ComponentHealth]
    private let connectivity: CachedCheck<[String: String]>

    init(database: Database, producer: KafkaProducer, gate: StartGate, components: [LifelineEventBus.ComponentHealth]) {
        self.gate = gate
        self.components = components
        connectivity = CachedCheck(maximumAge: .seconds(1)) {
            async let databaseCheck: String = {
                do { try await database.checkReachable(); return "ok" } catch { return "unreachable" }
            }()
            async let brokerCheck: String = {
                do { try await producer.checkBrokers(timeout: .seconds(2)); return "ok" } catch { return "unreachable" }
            }()
            return ["database": await databaseCheck, "broker": await brokerCheck]
        }
    }

    struct Report: Encodable {
        let status: String
        let checks: [String: String]
    }

    func report() async -> (ready: Bool, report: Report) {
        var checks = await connectivity.value()
        checks["migrations"] = gate.isOpen ? "ok" : "pending"
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
