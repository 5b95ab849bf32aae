import LifelinePersistence
import ServiceLifecycle

/// Runs `service` only after `gate` opened; ends quietly if shutdown comes first.
struct GatedService: Service {
    let gate: StartGate
    let service: any Service

    func run() async throws {
        let gate = self.gate
        let opened = await cancelWhenGracefulShutdown { await gate.wait() }
        guard opened, !Task.isCancelled else { return }
        try await service.run()
    }
}
