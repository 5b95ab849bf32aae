import AsyncHTTPClient
import Foundation
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix

/// A service's public HTTP API as the console calls it, with the official's own token, like any other
/// client. Answers are JSON objects read into dictionaries for the templates.
struct Backend: Sendable {
    let name: String
    let baseURL: String

    /// One answer: the status and the JSON object (empty when the body was not an object).
    struct Answer: @unchecked Sendable {
        var status: Int
        var json: [String: Any]
        var body: Data

        var ok: Bool { (200..<300).contains(status) }
        /// The service's error (`{"error": {"code", "message", "field", "details"}}`), empty when none.
        var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }
        /// The service's error code (`account_locked`, `validation_failed`, …).
        var code: String { error["code"] as? String ?? "" }
        /// The service's message.
        var message: String { error["message"] as? String ?? "" }
        /// Field problems (`details`) by field name.
        var fieldProblems: [(field: String, message: String)] {
            (error["details"] as? [[String: Any]] ?? []).compactMap { problem in
                guard let field = problem["field"] as? String, let message = problem["message"] as? String else { return nil }
                return (field, message)
            }
        }
    }

    /// The service could not be reached (or did not answer in time).
    struct Unreachable: Error, CustomStringConvertible {
        let service: String
        var description: String { "\(service) unreachable" }
    }

    /// `timeout` bounds the whole call; a service that refuses the connection fails it at once.
    func get(_ path: String, token: String?, timeout: TimeAmount = .seconds(20)) async throws -> Answer {
        try await send(.GET, path, token: token, body: nil, timeout: timeout)
    }

    /// A large file (a district's poster ZIP): read up to `maximumBytes` instead of the 8 MiB of an answer.
    func getFile(_ path: String, token: String?, maximumBytes: Int, timeout: TimeAmount = .seconds(120)) async throws -> Answer {
        try await send(.GET, path, token: token, body: nil, timeout: timeout, maximumBytes: maximumBytes)
    }

    /// `forwardedFor` is the `X-Forwarded-For` to send (the client's chain with the console's peer
    /// appended); `headers` are more request headers (e.g. `Idempotency-Key`).
    func post(
        _ path: String, json: [String: Any], token: String?, forwardedFor: String? = nil, headers: [String: String] = [:], timeout: TimeAmount = .seconds(20)
    ) async throws -> Answer {
        try await send(
            .POST, path, token: token, body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)), forwardedFor: forwardedFor, headers: headers,
            timeout: timeout)
    }

    /// Posts a file's bytes as they are (department screening's monthly file).
    func upload(_ path: String, bytes: ByteBuffer, contentType: String, token: String?) async throws -> Answer {
        try await send(.POST, path, token: token, body: bytes, contentType: contentType, timeout: .seconds(120))
    }

    func put(_ path: String, json: [String: Any], token: String?) async throws -> Answer {
        try await send(.PUT, path, token: token, body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)))
    }

    func patch(_ path: String, json: [String: Any], token: String?, forwardedFor: String? = nil) async throws -> Answer {
        try await send(.PATCH, path, token: token, body: ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)), forwardedFor: forwardedFor)
    }

    private func send(
        _ method: HTTPMethod, _ path: String, token: String?, body: ByteBuffer?, contentType: String = "application/json", forwardedFor: String? = nil,
        headers: [String: String] = [:], timeout: TimeAmount = .seconds(20), maximumBytes: Int = 8 * 1024 * 1024
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let forwardedFor { request.headers.add(name: "X-Forwarded-For", value: forwardedFor) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(body)
        }
        let started = ContinuousClock.now
        do {
            let response = try await Self.client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: maximumBytes)
            let data = Data(buffer: buffer)
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            record(method, outcome: "\(response.status.code / 100)xx", since: started)
            return Answer(status: Int(response.status.code), json: json, body: data)
        } catch {
            record(method, outcome: "unreachable", since: started)
            throw Unreachable(service: name)
        }
    }

    /// Times one call by service, method and outcome (status class or `unreachable`).
    private func record(_ method: HTTPMethod, outcome: String, since started: ContinuousClock.Instant) {
        Metrics.Timer(
            label: "lifeline_console_backend_call_seconds",
            dimensions: [("service", name), ("method", method.rawValue), ("outcome", outcome)], preferredDisplayUnit: .seconds
        ).record(duration: ContinuousClock.now - started)
    }
}

extension Backend {
    /// The console's one HTTP client, alive as long as the process (like AsyncHTTPClient's shared
    /// client). Unlike the shared client it does not retry a refused or timed-out connection until the
    /// call's deadline: a service that is down makes its page say 服务暂不可用 within the connect timeout
    /// instead of holding the official's page for 20 s. An answering service is not affected.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup, configuration: configuration)
    }()
}

/// The services the console talks to.
struct Backends: Sendable {
    let accounts: Backend
    let intake: Backend
    let review: Backend
    let notification: Backend
    let insurance: Backend
    let departmentScreening: Backend
    let hotline: Backend

    init(settings: ConsoleSettings) {
        accounts = Backend(name: "accounts", baseURL: settings.accountsURL)
        intake = Backend(name: "intake", baseURL: settings.intakeURL)
        review = Backend(name: "review", baseURL: settings.reviewURL)
        notification = Backend(name: "notification", baseURL: settings.notificationURL)
        insurance = Backend(name: "insurance", baseURL: settings.insuranceURL)
        departmentScreening = Backend(name: "department-screening", baseURL: settings.departmentScreeningURL)
        hotline = Backend(name: "hotline", baseURL: settings.hotlineURL)
    }
}

/// Remembers for a while that a backend did not answer, so that a page's optional extra (the unread
/// count) does not wait for it on every page while it is down.
final class QuietPeriod: @unchecked Sendable {
    private let lock = NSLock()
    private var until = Date.distantPast
    let length: TimeInterval

    init(length: TimeInterval) { self.length = length }

    var isQuiet: Bool { lock.withLock { until > Date() } }
    func start() { lock.withLock { until = Date().addingTimeInterval(length) } }
}
