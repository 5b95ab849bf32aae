import Foundation
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Outages of PostgreSQL and of the broker while work orders stream through two real service processes
/// (hotline → `hotline.leads` → review): every order becomes exactly one lead, nothing is dead-lettered,
/// no process is restarted, and readiness is false during the outage and true after it. Runs on the
/// `fault` profile's own PostgreSQL and Tansu. docs/reliability.md records the results.
@Suite(.tags(.faultTolerance), .serialized, .timeLimit(.minutes(8))) struct FaultToleranceTests {
    /// Outage lengths; the issue asks for 45 s of PostgreSQL and 30 s of a frozen broker.
    static let databaseOutage = Duration.seconds(Int(ProcessInfo.processInfo.environment["LIFELINE_FAULT_PG_SECONDS"] ?? "") ?? 45)
    static let brokerFreeze = Duration.seconds(Int(ProcessInfo.processInfo.environment["LIFELINE_FAULT_BROKER_SECONDS"] ?? "") ?? 30)
    static let orders = 100

    /// Readiness answers seen while the test ran.
    final class ReadinessLog: Sendable {
        let statuses = Mutex<[Int]>([])
        func record(_ status: Int) { statuses.withLock { $0.append(status) } }
        var notReadyCount: Int { statuses.withLock { $0.filter { $0 != 200 }.count } }
    }

    @Test func aDatabaseOutageIsWaitedOutAndEveryOrderBecomesOneCase() async throws {
        try await runStream(fault: "PostgreSQL stopped") {
            try await FaultInfrastructure.run("pg-stop")
            try await Task.sleep(for: Self.databaseOutage)
            try await FaultInfrastructure.run("pg-start")
        }
    }

    @Test func aFrozenBrokerIsWaitedOutAndEveryOrderBecomesOneCase() async throws {
        try await runStream(fault: "Tansu frozen") {
            try FaultInfrastructure.signalBroker(SIGSTOP)
            try await Task.sleep(for: Self.brokerFreeze)
            try FaultInfrastructure.signalBroker(SIGCONT)
        }
    }

    /// Starts hotline and review as processes, streams `orders` work orders at 10 per second, applies
    /// `fault` two seconds in, then checks the outcome.
    func runStream(fault name: String, _ fault: @escaping @Sendable () async throws -> Void) async throws {
        let environment = try await FaultInfrastructure.up()
        var serviceEnvironment = environment
        serviceEnvironment["LOG_LEVEL"] = "debug"
        serviceEnvironment["OUTBOX_STALL_SECONDS"] = "10"
        let hotline = try ServiceProcess.start("lifeline-hotline", environment: serviceEnvironment)
        let review = try ServiceProcess.start("lifeline-review", environment: serviceEnvironment)
        defer { Self.stop([hotline, review]) }
        try await hotline.waitUntilReady()
        try await review.waitUntilReady()

        let village = TestData.villageCode()
        var producerConfiguration = KafkaProducerConfiguration(client: FaultInfrastructure.kafka(environment))
        producerConfiguration.messageTimeoutMilliseconds = 300_000  // the test's own sends wait out the fault too
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: Logger(label: "fault-producer"))
        let readiness = ReadinessLog()
        let watching = Task {
            while !Task.isCancelled {
                readiness.record((try? await HTTP.get("\(hotline.baseURL)/health/ready").status) ?? 0)
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: .seconds(2))
                try await fault()
            }
            for index in 0..<Self.orders {
                let order = WorkOrderPushed(
                    orderNumber: "\(village)-\(index)", channel: index.isMultiple(of: 2) ? .hotline12345 : .petition, villageCode: village,
                    householdId: nil, summary: "群众反映家中困难", receivedAt: Date())
                let event = try order.cloudEvent(source: "/gov/jinan/\(order.channel.rawValue)")
                let record = KafkaRecord(topic: EventTopic.hotlineInbound.name, key: order.partitionKey, event: event)
                group.addTask { try await producer.send(record) }
                try await Task.sleep(for: .milliseconds(100))
            }
            try await group.waitForAll()
        }
        await producer.shutdown()

        let cases: Int
        do {
            cases = try await eventually("\(Self.orders) cases after \(name)", timeout: .seconds(150), interval: .seconds(1)) { () -> Int? in
                let count = try? await countCases(village: village, environment: environment)
                return count == Self.orders ? count : nil
            }
        } catch {
            // How far it got tells a slow recovery from a lost event.
            let reached = try? await countCases(village: village, environment: environment)
            let orders = try? await countOrders(village: village, environment: environment)
            Issue.record("after \(name): \(reached.map(String.init) ?? "?") cases and \(orders.map(String.init) ?? "?") orders of \(Self.orders) when the wait ended")
            throw error
        }
        do {
            _ = try await eventually("ready again after \(name)", timeout: .seconds(60)) {
                (try? await HTTP.get("\(hotline.baseURL)/health/ready").status) == 200 ? true : nil
            }
        } catch {
            // Which check was still failing.
            Issue.record("hotline's readiness after \(name): \((try? await HTTP.get("\(hotline.baseURL)/health/ready").text) ?? "no answer")")
            throw error
        }
        watching.cancel()
        print("reliability: \(name): \(Self.orders) orders at 10/s, \(cases) cases, readiness false \(readiness.notReadyCount) of \(readiness.statuses.withLock { $0.count }) probes")
        #expect(cases == Self.orders)
        #expect(try await countOrders(village: village, environment: environment) == Self.orders)
        #expect(readiness.notReadyCount > 0, "readiness should have been false during the fault")
        #expect(hotline.process.isRunning && review.process.isRunning, "no service was restarted")
        for group in ["hotline.work-order-intake", "review.case-opener"] {
            let dead = try await FaultInfrastructure.count(topic: EventTopic.deadLetter(forGroup: group).name, environment: environment)
            #expect(dead == 0, "\(group) dead-lettered \(dead) messages during \(name)")
        }
    }

    func countCases(village: String, environment: [String: String]) async throws -> Int {
        try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "review")) { database in
            try await database.count("SELECT count(*)::bigint FROM leads WHERE village_code = \(village)")
        }
    }

    func countOrders(village: String, environment: [String: String]) async throws -> Int {
        try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "hotline")) { database in
            try await database.count("SELECT count(DISTINCT order_number)::bigint FROM work_orders WHERE village_code = \(village)")
        }
    }

    /// The instance holding `schema`'s relay lease, as `host/pid/random`.
    func relayHolder(schema: String, environment: [String: String]) async throws -> String? {
        try await TestDatabase.with(FaultInfrastructure.database(environment, schema: schema)) { database in
            try await RelayLease(database: database, holder: "observer").currentHolder()
        }
    }

    func orderRecords(villages: [String], count: Int) throws -> [KafkaRecord] {
        try (0..<count).map { index in
            let village = villages[index % villages.count]
            let order = WorkOrderPushed(
                orderNumber: "\(village)-\(index)", channel: .hotline12345, villageCode: village, householdId: nil,
                summary: "群众反映家中困难", receivedAt: Date())
            return KafkaRecord(topic: EventTopic.hotlineInbound.name, key: order.partitionKey, event: try order.cloudEvent(source: "/gov/jinan/12345"))
        }
    }

    func countCases(villages: [String], environment: [String: String]) async throws -> Int {
        try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "review")) { database in
            try await database.count("SELECT count(*)::bigint FROM leads WHERE village_code = ANY(\(villages))")
        }
    }

    /// The fault profile's environment for a service process: info logs (the tests read assignments
    /// from them) and a 3 s relay lease.
    static func serviceEnvironment(_ environment: [String: String]) -> [String: String] {
        var serviceEnvironment = environment
        serviceEnvironment["LOG_LEVEL"] = "info"
        serviceEnvironment["OUTBOX_LEASE_SECONDS"] = "3"
        return serviceEnvironment
    }

    /// review and two hotline instances (a 3 s relay lease), all ready and owning partitions.
    func startReviewAndTwoHotlines(_ environment: [String: String]) async throws -> (ServiceProcess, ServiceProcess, ServiceProcess) {
        let serviceEnvironment = Self.serviceEnvironment(environment)
        let review = try ServiceProcess.start("lifeline-review", environment: serviceEnvironment)
        let first = try ServiceProcess.start("lifeline-hotline", environment: serviceEnvironment)
        let second = try ServiceProcess.start("lifeline-hotline", environment: serviceEnvironment)
        do {
            for process in [review, first, second] { try await process.waitUntilReady() }
        } catch {
            Self.stop([review, first, second])
            throw error
        }
        return (review, first, second)
    }

    /// One service process on the fault profile, ready, that accepts the tokens the test signs with the
    /// test profile's key (the fault profile has keys of its own). The caller stops it.
    static func startAcceptingTestTokens(_ executable: String, _ environment: [String: String]) async throws -> ServiceProcess {
        var serviceEnvironment = serviceEnvironment(environment)
        serviceEnvironment["AUTH_PUBLIC_KEY_FILE"] = try TestEnvironment.require("AUTH_PUBLIC_KEY_FILE")
        let process = try ServiceProcess.start(executable, environment: serviceEnvironment)
        do {
            try await process.waitUntilReady()
        } catch {
            stop([process])
            throw error
        }
        return process
    }

    /// Thaws (in case a test froze one) and stops the processes. Waits up to 20 s for them to exit, so
    /// that the next test does not meet them still leaving their consumer groups or holding the lease.
    static func stop(_ processes: [ServiceProcess]) {
        for process in processes where process.process.isRunning {
            kill(process.process.processIdentifier, SIGCONT)
            process.process.terminate()
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while processes.contains(where: { $0.process.isRunning }) && ContinuousClock.now < deadline {
            usleep(100_000)
        }
    }

    @Test func aFrozenRelayLeaderIsReplacedWithinTheLeaseAndTwoInstancesShareTheWork() async throws {
        let environment = try await FaultInfrastructure.up()
        let (review, first, second) = try await startReviewAndTwoHotlines(environment)
        defer { Self.stop([first, second, review]) }
        // The lease may still be held by an instance an earlier test stopped (a killed one keeps it until
        // it expires), so wait until one of this test's two instances leads.
        let ours = [first.process.processIdentifier, second.process.processIdentifier]
        let leaderPid = try await eventually("one of the two hotline instances leads the relay", timeout: .seconds(45)) { () -> pid_t? in
            guard let holder = try await relayHolder(schema: "hotline", environment: environment) else { return nil }
            let parts = holder.split(separator: "/")
            guard parts.count > 1, let pid = pid_t(parts[1]), ours.contains(pid) else { return nil }
            return pid
        }
        let standby = first.process.processIdentifier == leaderPid ? second : first

        kill(leaderPid, SIGSTOP)
        let frozenAt = ContinuousClock.now
        let villages = (0..<4).map { _ in TestData.villageCode() }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: FaultInfrastructure.kafka(environment)), logger: Logger(label: "fault-producer"))
        for result in await producer.sendAll(try orderRecords(villages: villages, count: 60)) { _ = try result.get() }
        await producer.shutdown()
        let newHolder = try await eventually("the standby takes the relay over", timeout: .seconds(30)) { () -> String? in
            let current = try await relayHolder(schema: "hotline", environment: environment)
            return current.map { $0.contains("/\(standby.process.processIdentifier)/") ? $0 : nil } ?? nil
        }
        let takeover = ContinuousClock.now - frozenAt
        print("reliability: relay leader frozen: standby leads after \(takeover) (lease 3 s)")
        #expect(takeover < .seconds(3 + 2 * 2 + 3), "took \(takeover) with a 3 s lease")
        #expect(newHolder.contains("/\(standby.process.processIdentifier)/"))
        let cases = try await eventually("60 cases with the leader frozen", timeout: .seconds(90), interval: .seconds(1)) { () -> Int? in
            let count = try? await countCases(villages: villages, environment: environment)
            return count == 60 ? count : nil
        }
        kill(leaderPid, SIGCONT)
        try await Task.sleep(for: .seconds(8))  // the old leader wakes, finds its lease gone, and must not duplicate anything
        #expect(cases == 60)
        #expect(try await countCases(villages: villages, environment: environment) == 60)
        #expect(first.process.isRunning && second.process.isRunning)
    }

    @Test func twoInstancesShareABacklogAndWhenTheLeaderIsKilledTheOtherFinishesItExactlyOnce() async throws {
        let environment = try await FaultInfrastructure.up()
        var review: ServiceProcess?
        var hotlines: [ServiceProcess] = []
        defer { Self.stop(hotlines + [review].compactMap { $0 }) }
        // Both instances own partitions of the intake group before the backlog is sent (on Tansu a
        // group of two new members can take a minute or more to form while the other groups form).
        let groupLines = { (process: ServiceProcess) in
            process.log.split(separator: "\n").filter { $0.contains("kafka.group=hotline.work-order-intake") }
        }
        let inGroup = { (process: ServiceProcess) in groupLines(process).contains { $0.contains("partitions assigned") } }
        // Up to three tries, each on a freshly started broker with fresh processes: Tansu was seen (on a
        // loaded machine) never to answer the members' JoinGroup, twice in a row even for a member
        // started afresh beside the stalled one; a restarted broker has no group state left to stall on.
        // Apache Kafka has no such stall. docs/reliability.md.
        for attempt in 1...3 {
            try await FaultInfrastructure.run("broker-restart")
            let (started, firstStarted, secondStarted) = try await startReviewAndTwoHotlines(environment)
            review = started
            hotlines = [firstStarted, secondStarted]
            let current = hotlines
            do {
                _ = try await eventually("both hotlines in the work-order group", timeout: .seconds(100), interval: .seconds(1)) { () -> Bool? in
                    current.allSatisfy(inGroup) ? true : nil
                }
                break
            } catch {
                for process in current {
                    print("hotline \(process.process.processIdentifier) work-order group log:\n" + groupLines(process).suffix(40).joined(separator: "\n"))
                }
                guard attempt < 3 else { throw error }
                print("reliability: the hotlines got no partitions in 100 s; restarting the broker and the services (try \(attempt + 1) of 3)")
                for process in current + [started] { await process.terminate() }
                hotlines = []
                review = nil
            }
        }
        let (first, second) = (hotlines[0], hotlines[1])
        let holder = try await eventually("a hotline relay leads") { try await relayHolder(schema: "hotline", environment: environment) }
        let leaderPid = pid_t(holder.split(separator: "/")[1]) ?? 0
        let (doomed, survivor) = first.process.processIdentifier == leaderPid ? (first, second) : (second, first)

        let villages = (0..<10).map { _ in TestData.villageCode() }
        let total = 10_000
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: FaultInfrastructure.kafka(environment)), logger: Logger(label: "fault-producer"))
        for result in await producer.sendAll(try orderRecords(villages: villages, count: total)) { _ = try result.get() }
        await producer.shutdown()
        let countOrders = { @Sendable () async throws -> Int in
            try await TestDatabase.with(FaultInfrastructure.database(environment, schema: "hotline")) { database in
                try await database.count("SELECT count(*)::bigint FROM work_orders WHERE village_code = ANY(\(villages))")
            }
        }
        _ = try await eventually("hotline in the middle of the run", timeout: .seconds(120), interval: .milliseconds(50)) { () -> Bool? in
            try await countOrders() >= 1_500 ? true : nil
        }
        // Both instances took part: each owns partitions of the group.
        #expect(first.log.contains("partitions assigned") && second.log.contains("partitions assigned"))
        kill(doomed.process.processIdentifier, SIGKILL)  // the relay leader and a consumer, in the middle of its batches
        let killedAt = try await countOrders()
        #expect(killedAt < total, "the kill must come before the end of the run")
        _ = try await eventually("every order recorded by the survivor", timeout: .seconds(240), interval: .seconds(1)) { () -> Bool? in
            try await countOrders() == total ? true : nil
        }
        let cases = try await eventually("a case for every order", timeout: .seconds(240), interval: .seconds(1)) { () -> Int? in
            let count = try await countCases(villages: villages, environment: environment)
            return count >= total ? count : nil
        }
        try await Task.sleep(for: .seconds(3))
        let newHolder = try await relayHolder(schema: "hotline", environment: environment)
        print("reliability: relay leader SIGKILLed after \(killedAt) of \(total) orders; survivor finished with \(cases) cases")
        #expect(newHolder?.contains("/\(survivor.process.processIdentifier)/") == true, "the survivor took the relay over")
        #expect(survivor.process.isRunning)
        #expect(cases == total)
        #expect(try await countCases(villages: villages, environment: environment) == total, "no order may become two cases")
        for group in ["hotline.work-order-intake", "review.case-opener"] {
            let dead = try await FaultInfrastructure.count(topic: EventTopic.deadLetter(forGroup: group).name, environment: environment)
            #expect(dead == 0, "\(group) dead-lettered \(dead) messages")
        }
    }
}
