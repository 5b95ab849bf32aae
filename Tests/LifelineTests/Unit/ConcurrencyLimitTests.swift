import Foundation
@testable import Intake
@testable import LifelineRuntime
import Synchronization
import Testing

/// Bounds on work that a public or district-wide request can start.
@Suite struct ConcurrencyLimitTests {
    final class Counter: Sendable {
        let state = Mutex((now: 0, peak: 0, calls: 0))
        func enter() { state.withLock { $0.now += 1; $0.calls += 1; $0.peak = max($0.peak, $0.now) } }
        func leave() { state.withLock { $0.now -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
        var calls: Int { state.withLock { $0.calls } }
    }

    @Test func posterRenderingsRunAtMostTheLimitAtOnceAndTheQueueIsBounded() async throws {
        let gate = RenderingGate(limit: 2, maximumWaiting: 3)
        let counter = Counter()
        let outcomes = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        return try await gate.run {
                            counter.enter()
                            try? await Task.sleep(for: .milliseconds(200))
                            counter.leave()
                            return 200
                        }
                    } catch let error as APIError {
                        return Int(error.status.code)
                    } catch {
                        return 0
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counter.peak == 2)
        #expect(outcomes.filter { $0 == 200 }.count == 5, "2 running + 3 waiting")
        #expect(outcomes.filter { $0 == 503 }.count == 3)
        #expect(await gate.runningCount == 0)
    }

    @Test func readinessChecksAreSharedAndReusedForASecond() async throws {
        let counter = Counter()
        let check = CachedCheck<Int>(maximumAge: .seconds(1)) {
            counter.enter()
            try? await Task.sleep(for: .milliseconds(100))
            counter.leave()
            return 1
        }
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<50 { group.addTask { await check.value() } }
            for await _ in group {}
        }
        #expect(counter.calls == 1, "50 concurrent callers, one check")
        _ = await check.value()
        #expect(counter.calls == 1)
        try await Task.sleep(for: .milliseconds(1100))
        _ = await check.value()
        #expect(counter.calls == 2, "checked again once the result is a second old")
    }
}
