import Foundation
import LifelineEvents
import LifelineKafka
import LifelinePersistence
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Notification's dispatcher under faults, as a real process on the `fault` profile with its stand-in
/// gateway: a PostgreSQL outage in the middle of its rounds, then the process SIGKILLed in the middle of
/// its sends. Every message ends sent; the gateway gets each one under one idempotency key (a resend
/// after the kill is recognised as a duplicate); each message has exactly one `MessageSent`.
extension FaultToleranceTests {
    /// Decisions for `households` (each calls for two SMS: the household's and its grid member's).
    static func decisions(_ households: [String], village: String) -> [KafkaRecord] {
        households.map { household in
            let decided = CaseDecided(
                caseId: TestData.unique("C"), householdId: household, villageCode: village, kind: .identification, outcome: .monitored,
                category: .suddenHardship, reason: "家庭医疗支出大", endedAt: .systemEntry, decidedAt: Date(), applicationNumbers: [], leads: [])
            return KafkaRecord(topic: EventTopic.reviewCases.name, key: household, event: try! decided.cloudEvent(source: "/lifeline/review"))
        }
    }

    /// What the stand-in received by SMS for phones starting with `prefix`, after its first `since`
    /// records (those of earlier runs on the same stand-in).
    static func smsReceived(prefix: String, since: Int = 0, environment: [String: String]) async throws -> [[String: Any]] {
        let standin = environment["STANDIN_URL"] ?? ""
        let all = try await HTTP.get("\(standin)/received?channel=sms&since=\(since)").json["received"] as? [[String: Any]] ?? []
        return all.filter { ($0["address"] as? String)?.hasPrefix(prefix) == true }
    }

    /// How many records the stand-in holds, of every channel.
    static func standinRecords(environment: [String: String]) async throws -> Int {
        let standin = environment["STANDIN_URL"] ?? ""
        return (try await HTTP.get("\(standin)/received").json["received"] as? [[String: Any]] ?? []).count
    }

    @Test func notificationWaitsOutADatabaseOutageAndAKilledDispatcherSendsEachMessageOnce() async throws {
        let environment = try await FaultInfrastructure.up()
        var serviceEnvironment = Self.serviceEnvironment(environment)
        serviceEnvironment["LOG_LEVEL"] = "debug"
        serviceEnvironment["NOTIFY_QUIET_HOURS"] = "none"
        serviceEnvironment["NOTIFY_LEASE_SECONDS"] = "30"
        serviceEnvironment["NOTIFY_SMS_PER_SECOND"] = "40"  // slow enough that both faults land mid-stream
        var notification = try ServiceProcess.start("lifeline-notification", environment: serviceEnvironment)
        defer { Self.stop([notification]) }
        try await notification.waitUntilReady()

        let since = try await Self.standinRecords(environment: environment)
        // The directory as intake would have filled it: one village, its grid member, 120 households.
        let village = TestData.villageCode()
        let prefix = "13" + String(Int.random(in: 100...999))  // this run's phones: 13xxx + 6 digits
        let memberPhone = prefix + "000000"
        let households = (1...120).map { _ in TestData.unique("H").replacingOccurrences(of: "-", with: "") }
        let database = FaultInfrastructure.database(environment, schema: "notification")
        try await TestDatabase.with(database) { database in
            let members = #"[{"id":"GM-\#(prefix)","name":"网格员","duty":"专职网格员","phone":"\#(memberPhone)"}]"#
            try await database.query("""
                INSERT INTO grid_units (code, level, name, parent_code, members, updated_at)
                VALUES (\(village), 'village', '测试村', \(String(village.prefix(9))), \(members)::jsonb, now())
                """)
            try await database.query("""
                INSERT INTO household_contacts (household_id, village_code, register_phone, updated_at)
                SELECT h, \(village), \(prefix) || lpad(n::text, 6, '0'), now()
                FROM unnest(\(households)::text[]) WITH ORDINALITY AS u(h, n)
                """)
        }
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: FaultInfrastructure.kafka(environment)), logger: Logger(label: "fault-producer"))
        defer { Task { await producer.shutdown() } }

        // 1. PostgreSQL goes away for 20 s once the first SMS are out, in the middle of the rounds.
        let first = Array(households.prefix(60))
        for result in await producer.sendAll(Self.decisions(first, village: village)) { _ = try result.get() }
        _ = try await eventually("the first SMS sent", timeout: .seconds(120), interval: .milliseconds(100)) { () -> Bool? in
            try await Self.smsReceived(prefix: prefix, since: since, environment: environment).count >= 10 ? true : nil
        }
        try await FaultInfrastructure.run("pg-stop")
        try await Task.sleep(for: .seconds(20))
        try await FaultInfrastructure.run("pg-start")
        let messageCount = { @Sendable () async throws -> (queued: Int, sent: Int) in
            try await TestDatabase.with(database) { database in
                let queued = try await database.count("SELECT count(*)::bigint FROM messages WHERE village_code = \(village) AND status = 'queued'")
                let sent = try await database.count(
                    "SELECT count(*)::bigint FROM messages WHERE village_code = \(village) AND channel = 'sms' AND status IN ('sent', 'delivered')")
                return (queued, sent)
            }
        }
        // Well within the 30 s lease: the dispatcher recorded what it sent during the outage itself.
        _ = try await eventually("every SMS of the first 60 decisions sent", timeout: .seconds(120), interval: .seconds(1)) { () -> Bool? in
            let counts = try? await messageCount()
            return counts.map { $0.sent == 120 && $0.queued == 0 } == true ? true : nil
        }
        #expect(notification.process.isRunning, "the outage is waited out without a restart")
        // What was sent during the outage was recorded after it, not sent again.
        let afterOutage = try await Self.smsReceived(prefix: prefix, since: since, environment: environment)
        #expect(afterOutage.count == 120 && afterOutage.allSatisfy { ($0["duplicate"] as? Bool) == false }, "\(afterOutage.count) requests")

        // 2. The process is killed in the middle of its sends; a new one finishes after the lease.
        let second = Array(households.suffix(60))
        for result in await producer.sendAll(Self.decisions(second, village: village)) { _ = try result.get() }
        _ = try await eventually("the second run's SMS going out", timeout: .seconds(120), interval: .milliseconds(100)) { () -> Bool? in
            try await Self.smsReceived(prefix: prefix, since: since, environment: environment).filter { ($0["duplicate"] as? Bool) == false }.count >= 140 ? true : nil
        }
        kill(notification.process.processIdentifier, SIGKILL)
        notification = try ServiceProcess.start("lifeline-notification", environment: serviceEnvironment)
        try await notification.waitUntilReady()
        _ = try await eventually("every SMS sent after the kill", timeout: .seconds(180), interval: .seconds(1)) { () -> Bool? in
            let counts = try? await messageCount()
            return counts.map { $0.sent == 240 && $0.queued == 0 } == true ? true : nil
        }

        let received = try await Self.smsReceived(prefix: prefix, since: since, environment: environment)
        let firstTimes = received.filter { ($0["duplicate"] as? Bool) == false }
        let keys = Set(received.compactMap { $0["idempotencyKey"] as? String })
        print("reliability: notification: 240 SMS through a 20 s PostgreSQL outage and a SIGKILL; gateway got \(received.count) requests, \(received.count - firstTimes.count) recognised resends")
        #expect(firstTimes.count == 240, "each message reaches the gateway once as new")
        #expect(keys.count == 240, "one idempotency key per message, resends included")
        let sentEvents = try await TestDatabase.with(database) { database in
            try await database.count("""
                SELECT count(DISTINCT convert_from(payload, 'UTF8')::jsonb #>> '{message,messageId}')::bigint FROM outbox
                WHERE headers->>'ce_type' = \(MessageSent.eventType)
                  AND convert_from(payload, 'UTF8')::jsonb #>> '{message,regionCode}' = \(village)
                """)
        }
        let sentEventRows = try await TestDatabase.with(database) { database in
            try await database.count("""
                SELECT count(*)::bigint FROM outbox WHERE headers->>'ce_type' = \(MessageSent.eventType)
                  AND convert_from(payload, 'UTF8')::jsonb #>> '{message,regionCode}' = \(village)
                """)
        }
        #expect(sentEvents == 240 && sentEventRows == 240, "one MessageSent per message (\(sentEventRows) rows for \(sentEvents) messages)")
    }
}
