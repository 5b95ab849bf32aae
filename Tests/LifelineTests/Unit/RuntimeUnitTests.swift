import Foundation
import LifelineEventBus
import LifelineEvents
import LifelineKafka
import LifelinePersistence
@testable import LifelineRuntime
import Testing

@Suite struct RuntimeUnitTests {
    @Test func configurationErrorsNameTheVariable() {
        let reader = ConfigReader(environment: ["HTTP_PORT": "eighty", "KAFKA_CREATE_TOPICS": "maybe"])
        #expect(throws: ConfigurationError.self) { try reader.int("HTTP_PORT", default: 1) }
        do {
            _ = try reader.bool("KAFKA_CREATE_TOPICS", default: true)
        } catch let error as ConfigurationError {
            #expect(error.variable == "KAFKA_CREATE_TOPICS")
        } catch { Issue.record("unexpected \(error)") }
        #expect((try? reader.int("MISSING", default: 7)) == 7)
    }

    @Test func aServiceRefusesToStartWithoutATokenKey() {
        do {
            _ = try LifelineConfiguration.load(service: "intake", defaultHTTPPort: 8081, reader: ConfigReader(environment: [:]))
            Issue.record("loaded without a key")
        } catch let error as ConfigurationError {
            #expect(error.variable == "AUTH_PUBLIC_KEY_FILE")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func defaultsFollowTheServiceName() throws {
        let configuration = try LifelineConfiguration.load(
            service: "department-screening", defaultHTTPPort: 8082, reader: ConfigReader(environment: ["AUTH_PUBLIC_KEY": "pem"]))
        #expect(configuration.database.schema == "department_screening")
        #expect(configuration.database.username == "svc_department_screening")
        #expect(configuration.httpPort == 8082)
        #expect(configuration.eventSource == "/lifeline/department-screening")
    }

    @Test func kafkaPropertiesReachTheClientConfiguration() throws {
        let configuration = try LifelineConfiguration.load(
            service: "review", defaultHTTPPort: 8084,
            reader: ConfigReader(environment: ["AUTH_PUBLIC_KEY": "pem", "KAFKA_PROPERTIES": "security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512"]))
        #expect(configuration.kafka.extraProperties == ["security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512"])
        do {
            _ = try ConfigReader(environment: ["KAFKA_PROPERTIES": "acks=all,broken"]).properties("KAFKA_PROPERTIES")
            Issue.record("accepted an entry without =")
        } catch let error as ConfigurationError {
            #expect(error.variable == "KAFKA_PROPERTIES")
            #expect(error.reason == "entry 2 is not key=value")
        }
    }

    @Test func retryBackoffDoublesUpToTheCeiling() {
        let policy = RetryPolicy(maximumAttempts: 6, initialBackoff: .milliseconds(100), maximumBackoff: .milliseconds(500))
        #expect(policy.backoff(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 3) == .milliseconds(400))
        #expect(policy.backoff(afterAttempt: 4) == .milliseconds(500))
    }

    @Test func traceparentChildrenStayInTheirTrace() {
        let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let child = TraceContext.child(of: parent)
        #expect(child.hasPrefix("00-0af7651916cd43dd8448eb211c80319c-"))
        #expect(child != parent)
        #expect(TraceContext.newTraceparent().split(separator: "-").map(\.count) == [2, 32, 16, 2])
        let ids = (0..<100).map { _ in TraceContext.newTraceparent().split(separator: "-")[1] }
        #expect(Set(ids).count == 100 && ids.allSatisfy { $0.allSatisfy { "0123456789abcdef".contains($0) } })
    }
}

/// Classification of failures and the dead-letter addresses operators type; no stack needed.
@Suite struct EventBusUnitTests {
    @Test func failuresAreClassifiedSoThatOnlyHopelessEventsAreDeadLettered() {
        #expect(FailureClass.of(EventContractError(code: .invalidPayload, field: "x", reason: "bad")) == .permanent)
        #expect(FailureClass.of(EventHandlingError(code: .ruleViolation, reason: "r", isRetriable: false)) == .permanent)
        #expect(FailureClass.of(EventHandlingError(code: .temporarilyUnavailable, reason: "r", isRetriable: true)) == .retriable)
        #expect(FailureClass.of(KafkaError(code: .delivery, message: "broker down", isRetriable: true)) == .infrastructure)
        #expect(FailureClass.of(DeadlineExceeded(limit: .seconds(30))) == .infrastructure)
        struct Odd: Error {}
        #expect(FailureClass.of(Odd()) == .unexpected)
    }

    func letter(partition: Int32, offset: Int64) -> DeadLetter {
        DeadLetter(KafkaMessage(
            topicPartition: KafkaTopicPartition(topic: "g.deadletter", partition: partition), offset: offset, key: Array("h".utf8),
            value: Array("{}".utf8),
            headers: [
                KafkaHeader(key: "ce_id", text: "e\(offset)"), KafkaHeader(key: "dlq_original_topic", text: "hotline.inbound"),
                KafkaHeader(key: "dlq_original_partition", text: "4"), KafkaHeader(key: "dlq_original_offset", text: "99"),
                KafkaHeader(key: "dlq_error_code", text: "handler.rule_violation"), KafkaHeader(key: "dlq_attempts", text: "1"),
            ]))
    }

    @Test func aDeadLetterKnowsWhereItCameFromAndLosesItsDeadLetterHeaders() {
        let dead = letter(partition: 1, offset: 7)
        #expect(dead.position.description == "1:7")
        #expect(dead.original.topic == "hotline.inbound" && dead.original.partition == 4 && dead.original.offset == 99)
        #expect(dead.original.headers.map(\.key) == ["ce_id"])
        #expect(dead.eventId == "e7")
    }

    @Test func operatorsChooseDeadLettersByPositionOrRange() throws {
        let letters = [letter(partition: 0, offset: 1), letter(partition: 0, offset: 2), letter(partition: 0, offset: 3), letter(partition: 1, offset: 2)]
        func choose(_ arguments: [String]) throws -> [String] {
            try OperatorCommands.choose(from: letters, CommandOptions(arguments[...])).map(\.position.description)
        }
        #expect(try choose(["--at", "1:2"]) == ["1:2"])
        #expect(try choose(["--from", "0:2", "--to", "0:3"]) == ["0:2", "0:3"])
        #expect(try choose(["--all"]).count == 4)
        #expect(throws: (any Error).self) { try choose(["--at", "zero"]) }
        #expect(throws: (any Error).self) { try choose(["--from", "0:3", "--to", "1:1"]) }
        #expect(throws: (any Error).self) { try choose([]) }
    }
}

/// Domain enumerations: strict where people type, lenient where events are read.
@Suite struct OpenEnumerationTests {
    @Test func knownValuesParseAndUnknownOnesDoNotAtTheEdge() {
        #expect(DifficultyType(rawValue: "illness") == .illness)
        #expect(DifficultyType(rawValue: "flood") == nil)
        #expect(DifficultyType.allCases.count == 10)
        #expect(ReviewStage.decided.chineseName == "认定结果")
    }

    @Test func eventsWithAValueFromANewerVersionStillDecode() throws {
        struct Payload: Codable { var road: DiscoveryRoad; var stage: ReviewStage }
        let decoded = try EventJSON.decoder.decode(Payload.self, from: Data(#"{"road":"villageDoctor","stage":"homeVerification"}"#.utf8))
        #expect(!decoded.road.isKnown && decoded.road.rawValue == "villageDoctor")
        #expect(decoded.road.chineseName.contains("villageDoctor"))
        #expect(decoded.stage == .homeVerification && decoded.stage.isKnown)
        let encoded = String(decoding: try EventJSON.encoder.encode(decoded), as: UTF8.self)
        #expect(encoded == #"{"road":"villageDoctor","stage":"homeVerification"}"#)
    }
}

@Suite struct UnknownDomainValueLogTests {
    @Test func aValueThatIsNotACodeIsNeverKeptForTheLog() throws {
        struct Payload: Codable { var channel: HotlineChannel }
        _ = try EventJSON.decoder.decode(Payload.self, from: Data(#"{"channel":"电话13800001234"}"#.utf8))
        // Other suites may take the noted values concurrently; whatever is taken must not carry the text.
        #expect(!UnknownDomainValues.takeNew().contains { $0.contains("13800001234") })
    }
}
