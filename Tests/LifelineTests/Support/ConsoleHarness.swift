import Console
import Foundation
import LifelineAuth
import LifelineRuntime
import Logging
import ServiceLifecycle

/// The console started in-process on a free port, pointed at in-process services.
final class InProcessConsole: @unchecked Sendable {
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// `services` names each service's base URL (`accounts`, `intake`, `review`, `notification`, `insurance`,
    /// `department_screening`).
    static func start(services: [String: String]) async throws -> InProcessConsole {
        var environment = ["HTTP_PORT": "0", "CONSOLE_SESSION_KEY_FILE": try TestEnvironment.require("CONSOLE_SESSION_KEY_FILE"), "LOG_LEVEL": "warning"]
        for (name, url) in services { environment["CONSOLE_\(name.uppercased())_URL"] = url }
        let settings = try ConsoleSettings(reader: ConfigReader(environment: environment))
        let bound = BoundPort()
        let logger = Logger(label: "console")
        let application = try await ConsoleService.makeApplication(settings: settings, logger: logger) { bound.set($0) }
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        let port = try await eventually("console listening", timeout: .seconds(30)) { bound.value }
        return InProcessConsole(port: port, group: group, task: task)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        await waitAtMost(.seconds(10)) { [task] in _ = try? await task.value }
    }

    private final class BoundPort: @unchecked Sendable {
        private let lock = NSLock()
        private var port: Int?
        func set(_ value: Int) { lock.withLock { port = value } }
        var value: Int? { lock.withLock { port } }
    }
}

/// Accounts' HTTP API as an administrator or an official would call it.
struct AccountsClient {
    let baseURL: String

    /// A platform administrator's token (district-level reach).
    static func adminToken() async throws -> String { try await TestEnvironment.token(role: .admin, region: "370115", user: "test-admin") }

    /// Creates an account; answers its id and initial password.
    func create(
        name: String, mobile: String, role: Role, region: String, gridMemberId: String? = nil, department: String? = nil, administrator: Bool = false
    ) async throws
        -> (id: String, password: String)
    {
        var body: [String: Any] = ["name": name, "mobile": mobile, "role": role.rawValue, "region": region, "administrator": administrator]
        if let gridMemberId { body["gridMemberId"] = gridMemberId }
        if let department { body["department"] = department }
        let result = try await HTTP.request("POST", "\(baseURL)/v1/accounts", json: body, headers: ["Authorization": "Bearer \(try await Self.adminToken())"])
        guard result.status == 201, let account = result.json["account"] as? [String: Any], let id = account["id"] as? String,
            let password = result.json["initialPassword"] as? String
        else { throw ReviewDriver.Unexpected(what: "create account", result: result) }
        return (id, password)
    }

    /// Signs in with the initial password and changes it to `newPassword`, as a new official would.
    func activate(mobile: String, initialPassword: String, newPassword: String) async throws {
        let signedIn = try await HTTP.request("POST", "\(baseURL)/v1/sign-in", json: ["mobile": mobile, "password": initialPassword])
        guard signedIn.status == 200, let session = signedIn.json["sessionToken"] as? String else {
            throw ReviewDriver.Unexpected(what: "sign in", result: signedIn)
        }
        let changed = try await HTTP.request(
            "POST", "\(baseURL)/v1/session/password", json: ["sessionToken": session, "currentPassword": initialPassword, "newPassword": newPassword])
        guard changed.status == 200 else { throw ReviewDriver.Unexpected(what: "change password", result: changed) }
    }

    /// A new official who has signed in once and set the tests' password (`EndToEndTests.consolePassword`);
    /// answers the mobile number to sign in with.
    func official(name: String, role: Role, region: String, department: String? = nil) async throws -> String {
        let mobile = TestData.phone()
        let (_, initial) = try await create(name: name, mobile: mobile, role: role, region: region, department: department)
        try await activate(mobile: mobile, initialPassword: initial, newPassword: EndToEndTests.consolePassword)
        return mobile
    }

    func update(_ id: String, _ body: [String: Any]) async throws -> HTTPResult {
        try await HTTP.request("PATCH", "\(baseURL)/v1/accounts/\(id)", json: body, headers: ["Authorization": "Bearer \(try await Self.adminToken())"])
    }

    func audit(_ id: String) async throws -> [[String: Any]] {
        try await HTTP.get("\(baseURL)/v1/accounts/\(id)/audit", token: try await Self.adminToken()).json["entries"] as? [[String: Any]] ?? []
    }
}
