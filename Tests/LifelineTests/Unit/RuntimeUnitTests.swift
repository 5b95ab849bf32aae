import Foundation
import LifelineEventBus
import LifelineRuntime
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
    }
}
