@testable import DepartmentScreening
import Testing

/// The turns in which a file's concurrent batches begin screening.
@Suite struct LockTurnsTests {
    private actor Order {
        var events: [String] = []
        func note(_ event: String) { events.append(event) }
    }

    /// A later batch waits for the earlier ones; a batch that ends before its turn (all its rows
    /// refused) is skipped when its turn comes instead of holding up every batch after it.
    @Test func turnsGoInFileOrderAndSkipABatchThatEndedEarly() async throws {
        let turns = LockTurns()
        let order = Order()
        await turns.wait(0)  // the first batch never waits
        await turns.pass(1)  // batch 1 had nothing to screen and ended first
        // Waiters are left running rather than awaited: a turn that never comes fails the test, not hangs it.
        Task {
            await turns.wait(2)
            await order.note("batch 2 begins")
        }
        try await Task.sleep(for: .milliseconds(200))
        await order.note("batch 0 passes")
        await turns.pass(0)
        #expect(try await Self.eventually { await order.events.count == 2 })
        #expect(await order.events == ["batch 0 passes", "batch 2 begins"])

        await turns.wait(1)  // a retried batch whose turn has gone does not wait
        await turns.pass(0)  // nor does passing a turn twice move the turns on
        await turns.pass(2)
        Task {
            await turns.wait(4)
            await order.note("batch 4 begins")
        }
        try await Task.sleep(for: .milliseconds(200))
        await order.note("batch 3 passes")
        await turns.pass(3)
        #expect(try await Self.eventually { await order.events.count == 4 })
        #expect(await order.events.suffix(2) == ["batch 3 passes", "batch 4 begins"])
    }

    private static func eventually(_ condition: () async -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
