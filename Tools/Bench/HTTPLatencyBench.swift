import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An open-loop HTTP load generator: requests are due on a fixed schedule whatever the answers, go out
/// on the first idle keep-alive connection of a pool, and their latency is counted from the time they
/// were due. A request that waits for a free connection therefore counts its wait, so an overloaded
/// server shows as a growing latency instead of a lower request rate (the coordinated omission that a
/// closed-loop tool such as wrk hides).
enum HTTPLatencyBench {
    /// What one request sends.
    struct Request: Sendable {
        var method: HTTPMethod
        var path: String
        var body: String?
    }

    /// Runs `rate` requests/s for `warmup + seconds` seconds against `host:port` over `connections`
    /// connections; percentiles come from the requests due after the warm-up only.
    static func run(
        host: String, port: Int, rate: Int, seconds: Int, warmup: Int, connections: Int, request: @escaping @Sendable (Int) -> Request
    ) async throws -> String {
        let queue = DueRequests()
        let firstMeasured = rate * warmup
        let total = rate * (warmup + seconds)
        let results = try await withThrowingTaskGroup(of: ConnectionResult.self) { group in
            for _ in 0..<connections {
                let channel = try await connect(host: host, port: port)
                group.addTask { try await work(channel: channel, host: host, queue: queue, request: request) }
            }
            group.addTask {
                try await OpenLoop.run(rate: rate, seconds: warmup + seconds) { index, due in queue.push(Due(index: index, nanos: due)) }
                queue.finish()
                return ConnectionResult()
            }
            var merged = ConnectionResult()
            for try await result in group { merged.add(result) }
            return merged
        }
        var latencies: [Double] = []
        var tail = WindowedTail(rate: rate, firstIndex: firstMeasured, seconds: seconds)
        var statusOK = 0
        var statusOther = 0
        for answer in results.answers where answer.index >= firstMeasured {
            latencies.append(answer.latency)
            tail.add(index: answer.index, latency: answer.latency)
            if (200..<300).contains(answer.status) { statusOK += 1 } else { statusOther += 1 }
        }
        let achieved = Double(latencies.count) / Double(seconds)
        return "requests=\(total - firstMeasured) answered=\(latencies.count) ok=\(statusOK) other=\(statusOther) "
            + "failed=\(results.failures) rate=\(rate) achieved=\(String(format: "%.0f", achieved)) "
            + Percentiles(latencies).fields("latency") + " " + tail.field("latency")
    }

    private struct Due: Sendable {
        var index: Int
        var nanos: UInt64
    }

    private struct Answer: Sendable {
        var index: Int
        var latency: Double
        var status: Int
    }

    private struct ConnectionResult: Sendable {
        var answers: [Answer] = []
        var failures = 0

        mutating func add(_ other: ConnectionResult) {
            answers += other.answers
            failures += other.failures
        }
    }

    private typealias Connection = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    private static func connect(host: String, port: Int) async throws -> Connection {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// One connection: takes the next due request, sends it, reads the whole answer, and again.
    private static func work(
        channel: Connection, host: String, queue: DueRequests, request: @Sendable (Int) -> Request
    ) async throws -> ConnectionResult {
        var result = ConnectionResult()
        try await channel.executeThenClose { inbound, outbound in
            var answers = inbound.makeAsyncIterator()
            while let due = await queue.next() {
                let request = request(due.index)
                var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path)
                head.headers.add(name: "Host", value: host)
                if let body = request.body {
                    head.headers.add(name: "Content-Type", value: "application/json")
                    head.headers.add(name: "Content-Length", value: String(body.utf8.count))
                }
                try await outbound.write(.head(head))
                if let body = request.body { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
                try await outbound.write(.end(nil))
                var status = 0
                reading: while let part = try await answers.next() {
                    switch part {
                    case .head(let head): status = Int(head.status.code)
                    case .body: continue
                    case .end: break reading
                    }
                }
                if status == 0 {
                    result.failures += 1
                    return
                }
                result.answers.append(Answer(index: due.index, latency: Double(now() - due.nanos) / 1_000_000, status: status))
            }
        }
        return result
    }

    /// Requests that are due and not yet sent, in the order they fell due; connections wait here.
    private final class DueRequests: Sendable {
        private struct State {
            var pending: [Due] = []
            var head = 0
            var waiting: [CheckedContinuation<Due?, Never>] = []
            var finished = false
        }
        private let state = Mutex(State())

        func push(_ due: Due) {
            let waiter: CheckedContinuation<Due?, Never>? = state.withLock { state in
                if !state.waiting.isEmpty { return state.waiting.removeFirst() }
                state.pending.append(due)
                return nil
            }
            waiter?.resume(returning: due)
        }

        func finish() {
            let waiters = state.withLock { state in
                state.finished = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for waiter in waiters { waiter.resume(returning: nil) }
        }

        func next() async -> Due? {
            await withCheckedContinuation { continuation in
                let ready: Due?? = state.withLock { state in
                    if state.head < state.pending.count {
                        defer {
                            state.head += 1
                            if state.head > 4_096 {
                                state.pending.removeFirst(state.head)
                                state.head = 0
                            }
                        }
                        return .some(state.pending[state.head])
                    }
                    if state.finished { return .some(nil) }
                    state.waiting.append(continuation)
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
