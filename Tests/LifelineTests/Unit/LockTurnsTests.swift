@testable import DepartmentScreening
import LifelineEvents
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

    /// Records a batch deferred (their households busy) go to the next batch that takes its turn, in
    /// file order, skipping a batch that ended early; only the first attempt of a batch to pass its turn
    /// hands records on, and its retries learn which.
    @Test func deferredRecordsGoToTheNextBatchThatTakesItsTurn() async throws {
        func incoming(_ id: String) -> RecordScreening.Incoming {
            .init(record: DepartmentRecordPushed(
                department: "民政", recordId: id, period: "2026-11", idNumber: "370125199001011234", name: "王建国", kind: .minimumLivingAllowance,
                date: "2026-11-02", amountFen: nil, details: nil), source: "file:test")
        }
        let turns = LockTurns()
        #expect(await turns.wait(0).isEmpty)
        #expect(await turns.deferredBy(0) == nil)
        #expect(await turns.pass(0, deferring: [incoming("a"), incoming("b")], at: [3, 7]))
        // A second attempt of batch 0 (the first abandoned as hung but still running) hands nothing on.
        #expect(await turns.pass(0, deferring: [incoming("again")], at: [1]) == false)
        #expect(await turns.deferredBy(0) == [3, 7])
        #expect(await turns.wait(1).map(\.record.recordId) == ["a", "b"])
        let (zeroPassed, onePassed) = (await turns.isPassed(0), await turns.isPassed(1))
        #expect(zeroPassed && !onePassed)
        await turns.pass(2)  // ended early: nothing to screen
        await turns.pass(1, deferring: [incoming("c")])
        #expect(await turns.wait(3).map(\.record.recordId) == ["c"])
        await turns.pass(3)
        #expect(await turns.wait(4).isEmpty)
    }

    private static func eventually(_ condition: () async -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
