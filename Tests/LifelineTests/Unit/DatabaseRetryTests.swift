import LifelinePersistence
import Logging
import NIOCore
import Synchronization
import Testing

/// `DatabaseRetry` without a database: which failures it waits out and which it passes on at once.
/// (Against a real PostgreSQL outage: `FaultToleranceTests.anImportAndAPosterRunInFlightWaitOutADatabaseOutage`.)
@Suite(.timeLimit(.minutes(1))) struct DatabaseRetryTests {
    struct ConstraintLikeFailure: Error {}

    final class Attempts: Sendable {
        private let value = Mutex(0)
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
        var count: Int { value.withLock { $0 } }
    }

    let retry = DatabaseRetry(logger: Logger(label: "retry-test"), maximumPause: .milliseconds(20))

    @Test func anUnavailableDatabaseIsWaitedOutUntilTheWorkGoesThrough() async throws {
        let attempts = Attempts()
        let result = try await retry.run("test") { () -> String in
            let attempt = attempts.next()
            // What a connection cut or refused looks like from below PostgresNIO.
            if attempt < 4 { throw ChannelError.ioOnClosedChannel }
            return "done"
        }
        #expect(result == "done")
        #expect(attempts.count == 4)
    }

    @Test func anyOtherFailureIsThrownAtOnce() async throws {
        let attempts = Attempts()
        await #expect(throws: ConstraintLikeFailure.self) {
            try await retry.run("test") { () -> Int in
                _ = attempts.next()
                throw ConstraintLikeFailure()
            }
        }
        #expect(attempts.count == 1)
    }

    @Test func withPatienceTheLastFailureIsThrownAfterIt() async throws {
        var patient = retry
        patient.patience = .milliseconds(300)
        let attempts = Attempts()
        // Without patience this would wait for ever (the suite's time limit would end it).
        await #expect(throws: ChannelError.self) {
            try await patient.run("test") { () -> Int in
                _ = attempts.next()
                throw ChannelError.ioOnClosedChannel
            }
        }
        #expect(attempts.count >= 1)
    }

    @Test func aTryThatKeepsTimingOutIsGivenUpAfterTheTenth() async throws {
        var quick = retry
        quick.attemptLimit = .milliseconds(20)
        let attempts = Attempts()
        await #expect(throws: DeadlineExceeded.self) {
            try await quick.run("test") { () -> Int in
                _ = attempts.next()
                try? await Task.sleep(for: .seconds(5))
                return 1
            }
        }
        #expect(attempts.count == 10)
    }

    @Test func onlyAnUnavailableDatabaseIsWaitedOut() {
        #expect(!DatabaseRetry.isPassing(CancellationError()))
        #expect(DatabaseRetry.isPassing(ChannelError.ioOnClosedChannel))
        #expect(DatabaseRetry.isPassing(DeadlineExceeded(limit: .seconds(1))))
        #expect(!DatabaseRetry.isPassing(ConstraintLikeFailure()))
    }

    @Test func cancellationEndsTheWaiting() async throws {
        let retry = self.retry
        let task = Task {
            try await retry.run("test") { () -> Int in throw DeadlineExceeded(limit: .seconds(1)) }
        }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: (any Error).self) { try await task.value }
    }
}
