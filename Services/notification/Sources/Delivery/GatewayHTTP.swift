import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The dispatcher's HTTP client, made on first use with as many connections per gateway as the
/// dispatcher sends at once (AsyncHTTPClient's shared client keeps 8, which capped sending), and shut
/// down when the dispatcher stops.
final class GatewayConnections: Sendable {
    private let connections: Int
    private let client = Mutex<HTTPClient?>(nil)

    init(connections: Int) {
        self.connections = connections
    }

    var http: HTTPClient {
        client.withLock { client in
            if let client { return client }
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
            let made = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
            client = made
            return made
        }
    }

    func shutdown() async {
        let made = client.withLock { client -> HTTPClient? in
            defer { client = nil }
            return client
        }
        try? await made?.shutdown()
    }
}

/// Posts JSON to an outside gateway and reads its answer; a connection problem or a timeout is a
/// temporary failure, as are 408, 429 and 5xx; other 4xx answers are final.
struct GatewayHTTP: Sendable {
    let connections: GatewayConnections
    var timeout: TimeAmount = .seconds(10)

    struct Answer: Sendable {
        var status: Int
        var body: Data
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    func post(_ url: String, json: [String: Any], headers: [(String, String)]) async throws(DeliveryFailure) -> Answer {
        let body: Data
        do {
            body = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        } catch {
            throw .permanent("encoding_failed", "the message could not be encoded")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let answer: Answer
        do {
            let response = try await connections.http.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 1 << 20)
            answer = Answer(status: Int(response.status.code), body: Data(bytes.readableBytesView))
        } catch {
            throw .temporary("gateway_unreachable", "the gateway did not answer (\(type(of: error)))")
        }
        switch answer.status {
        case 200..<300: return answer
        case 408, 429, 500...599:
            throw .temporary("gateway_unavailable", "the gateway answered HTTP \(answer.status)")
        default:
            let code = (answer.json?["code"] as? String).map { " (\($0.prefix(40)))" } ?? ""
            throw .permanent("gateway_rejected", "the gateway refused the message: HTTP \(answer.status)\(code)")
        }
    }
}
