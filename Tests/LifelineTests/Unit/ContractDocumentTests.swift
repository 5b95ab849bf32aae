import Accounts
import DepartmentScreening
import Foundation
import Hotline
import Hummingbird
import Insurance
import Intake
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
@testable import LifelineRuntime
import Logging
import Notification
import OpenAPIKit
import Review
import Testing
import Yams

/// docs/asyncapi.yaml and docs/openapi.yaml against the code: a topic, event type, consumer group or
/// HTTP route that exists on one side only fails the test, whichever side it is on. The documents are
/// read with Yams and OpenAPIKit, not by hand.
@Suite struct ContractDocumentTests {
    static let definitions = [
        IntakeService.definition, DepartmentScreeningService.definition, HotlineService.definition, ReviewService.definition,
        InsuranceService.definition, NotificationService.definition, AccountsService.definition,
    ]

    static var docs: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs")
    }

    /// The AsyncAPI document as a plain YAML tree.
    static func asyncAPI() throws -> [String: Any] {
        let text = try String(contentsOf: docs.appendingPathComponent("asyncapi.yaml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// Every value under `key` anywhere in `tree`.
    static func values(of key: String, in tree: Any) -> [Any] {
        var found: [Any] = []
        if let map = tree as? [String: Any] {
            for (name, value) in map {
                if name == key { found.append(value) }
                found += values(of: key, in: value)
            }
        } else if let list = tree as? [Any] {
            for value in list { found += values(of: key, in: value) }
        }
        return found
    }

    @Test func everyTopicOfTheCodeIsInTheEventCatalogueAndNoOther() throws {
        let document = try Self.asyncAPI()
        let channels = try #require(document["channels"] as? [String: Any])
        let documented = Set(channels.values.compactMap { ($0 as? [String: Any])?["address"] as? String }.filter { !$0.contains("{") })
        var inCode = Set(Self.definitions.flatMap { $0.producedTopics.map(\.name) + $0.consumers.flatMap { $0.topics.map(\.name) } })
        inCode.formUnion(EventCatalog.all.map { $0.topic.name })
        #expect(documented == inCode, "only in the document: \(documented.subtracting(inCode)); only in code: \(inCode.subtracting(documented))")
    }

    @Test func everyEventTypeOfTheCodeIsInTheEventCatalogueAndNoOther() throws {
        let document = try Self.asyncAPI()
        // Each binary-mode message's headers schema pins its CloudEvents type: `ce_type: {const: …}`.
        var documented = Set(Self.values(of: "ce_type", in: document["components"] ?? [:]).compactMap { ($0 as? [String: Any])?["const"] as? String })
        // A structured-mode event (hotline.inbound) pins it in its payload schema: `type: {const: …}`.
        documented.formUnion(Self.values(of: "type", in: document["components"] ?? [:]).compactMap {
            (($0 as? [String: Any])?["const"] as? String).flatMap { $0.hasPrefix("lifeline.") ? $0 : nil }
        })
        let inCode = Set(EventCatalog.all.map { $0.eventType })
        #expect(documented == inCode, "only in the document: \(documented.subtracting(inCode)); only in code: \(inCode.subtracting(documented))")
    }

    @Test func everyConsumerGroupOfTheCodeIsInTheEventCatalogueAndNoOther() throws {
        let document = try Self.asyncAPI()
        var documented = Set<String>()
        for groupId in Self.values(of: "groupId", in: document["operations"] ?? [:]) {
            for name in (groupId as? [String: Any])?["enum"] as? [Any] ?? [] { if let name = name as? String { documented.insert(name) } }
        }
        let inCode = Set(Self.definitions.flatMap { definition in definition.consumers.map { "\(definition.name).\($0.name)" } })
        #expect(documented == inCode, "only in the document: \(documented.subtracting(inCode)); only in code: \(inCode.subtracting(documented))")
        let deadLetterGroups = Set(
            ((((document["channels"] as? [String: Any])?["deadLetter"] as? [String: Any])?["parameters"] as? [String: Any])?["group"] as? [String: Any])?["enum"]
                as? [String] ?? [])
        #expect(deadLetterGroups == inCode, "the dead-letter channel's group list")
    }

    /// A service's routes as the service assembles them, without starting it.
    static func routes(of definition: ServiceDefinition, dependencies: ServiceDependencies) -> Set<String> {
        let router = Router(context: LifelineRequestContext.self)
        definition.routes(router, dependencies)
        return Set(router.routes.map { "\($0.method.rawValue.uppercased()) \(normalised("\($0.path)"))" })
    }

    /// `/v1/cases/:id` and `/v1/cases/{id}` both become `/v1/cases/{}`.
    static func normalised(_ path: String) -> String {
        let parts = path.split(separator: "/").map { part -> String in
            part.hasPrefix(":") || (part.hasPrefix("{") && part.hasSuffix("}")) ? "{}" : String(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func privateKeyFile(_ pem: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).pem")
        try pem.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func everyHTTPRouteOfTheCodeIsInTheHTTPDocumentAndNoOther() async throws {
        let text = try String(contentsOf: Self.docs.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let document = try YAMLDecoder().decode(OpenAPI.Document.self, from: text)
        var documented = Set<String>()
        for (path, item) in document.paths {
            guard let item = item.pathItemValue else { continue }
            for endpoint in item.endpoints {
                documented.insert("\(endpoint.method.rawValue.uppercased()) \(Self.normalised(path.rawValue))")
            }
        }
        let keys = TokenKeys.generateKeyPair()
        var inCode: Set<String> = ["GET /health/live", "GET /health/ready", "GET /metrics"]  // every service's (ReadinessProbe)
        for definition in Self.definitions {
            var environment = ["AUTH_PUBLIC_KEY": keys.publicKeyPEM, "HTTP_PORT": "0"]
            environment["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:1"
            // Insurance's routes seal bank accounts with a key of its settings (any 32 bytes will do here).
            environment["INSURANCE_ACCOUNT_KEY"] = Data(repeating: 1, count: 32).base64EncodedString()
            // Accounts signs tokens with a private key file of its settings.
            environment["AUTH_PRIVATE_KEY_FILE"] = try Self.privateKeyFile(keys.privateKeyPEM)
            let configuration = try LifelineConfiguration.load(
                service: definition.name, defaultHTTPPort: 0, reader: ConfigReader(environment: environment))
            let logger = Logger(label: "contract")
            let database = Database(configuration: configuration.database, logger: logger)
            let dependencies = ServiceDependencies(
                configuration: configuration, database: database,
                publisher: EventPublisher(source: configuration.eventSource, outbox: OutboxStore(database: database, logger: logger)),
                tokenKeys: try await TokenKeys.verifying(publicKeyPEM: keys.publicKeyPEM, audience: definition.name), logger: logger)
            inCode.formUnion(Self.routes(of: definition, dependencies: dependencies))
        }
        #expect(documented == inCode, "only in the document: \(documented.subtracting(inCode).sorted()); only in code: \(inCode.subtracting(documented).sorted())")
    }
}
