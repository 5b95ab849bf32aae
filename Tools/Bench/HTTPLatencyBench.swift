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
        var initial: [Connection] = []
        for _ in 0..<connections { initial.append(try await connect(host: host, port: port)) }
        let results = await withTaskGroup(of: ConnectionResult.self) { group in
            for channel in initial {
                group.addTask { await work(first: channel, host: host, port: port, queue: queue, request: request) }
            }
            group.addTask {
                // However the schedule ends, the connections waiting for work are let go.
                defer { queue.finish() }
                try? await OpenLoop.run(rate: rate, seconds: warmup + seconds) { index, due in queue.push(Due(index: index, nanos: due)) }
                return ConnectionResult()
            }
            var merged = ConnectionResult()
            for await result in group { merged.add(result) }
            return merged
        }
        let measured = results.answers.filter { $0.index >= firstMeasured }
        let interval = 1_000_000_000 / UInt64(rate)
        let scheduleEnd = (measured.map(\.dueNanos).max() ?? 0) + interval
        var latencies: [Double] = []
        var tail = WindowedTail(rate: rate, firstIndex: firstMeasured, seconds: seconds)
        var statusOK = 0, statusOther = 0, failed = 0, withinSchedule = 0
        for answer in measured {
            guard let status = answer.status else {
                failed += 1
                continue
            }
            latencies.append(answer.latency)
            tail.add(index: answer.index, latency: answer.latency)
            if (200..<300).contains(status) { statusOK += 1 } else { statusOther += 1 }
            if answer.doneNanos <= scheduleEnd { withinSchedule += 1 }
        }
        // Requests due but never sent (every connection failed) count as missing, never as fast.
        let missing = total - firstMeasured - measured.count
        let achieved = Double(withinSchedule) / Double(seconds)
        return "requests=\(total - firstMeasured) answered=\(latencies.count) ok=\(statusOK) other=\(statusOther) "
            + "failed=\(failed) missing=\(missing) reconnects=\(results.reconnects) rate=\(rate) achieved=\(String(format: "%.0f", achieved)) "
            + Percentiles(latencies).fields("latency") + " " + tail.field("latency")
    }

    private struct Due: Sendable {
        var index: Int
        var nanos: UInt64
    }

    /// One request's fate: its status (nil: the connection failed under it), latency from its due
    /// time, and when the answer came.
    private struct Answer: Sendable {
        var index: Int
        var dueNanos: UInt64
        var doneNanos: UInt64
        var status: Int?
        var latency: Double { Double(doneNanos - dueNanos) / 1_000_000 }
    }

    private struct ConnectionResult: Sendable {
        var answers: [Answer] = []
        var reconnects = 0

        mutating func add(_ other: ConnectionResult) {
            answers += other.answers
            reconnects += other.reconnects
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

    /// One connection: takes the next due request, sends it, reads the whole answer, and again. A
    /// connection that fails (or that the server closes) fails the request in flight and is replaced;
    /// after 20 failed connects in a row this worker stops and what it would have sent counts as missing.
    private static func work(
        first: Connection, host: String, port: Int, queue: DueRequests, request: @Sendable (Int) -> Request
    ) async -> ConnectionResult {
        var result = ConnectionResult()
        var next: Connection? = first
        var failedConnects = 0
        while true {
            let channel: Connection
            if let next { channel = next } else {
                do {
                    channel = try await connect(host: host, port: port)
                    failedConnects = 0
                    result.reconnects += 1
                } catch {
                    failedConnects += 1
                    if failedConnects >= 20 { return result }
                    try? await Task.sleep(for: .milliseconds(50))
                    continue
                }
            }
            next = nil
            var inFlight: Due?
            do {
                let drained = try await channel.executeThenClose { inbound, outbound -> Bool in
                    var answers = inbound.makeAsyncIterator()
                    while let due = await queue.next() {
                        inFlight = due
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
                        var status: Int?
                        reading: while let part = try await answers.next() {
                            switch part {
                            case .head(let head): status = Int(head.status.code)
                            case .body: continue
                            case .end: break reading
                            }
                        }
                        guard let status else { return false }  // closed before a whole answer: reconnect
                        result.answers.append(Answer(index: due.index, dueNanos: due.nanos, doneNanos: now(), status: status))
                        inFlight = nil
                    }
                    return true
                }
                if drained { return result }
            } catch {}
            if let due = inFlight {
                result.answers.append(Answer(index: due.index, dueNanos: due.nanos, doneNanos: now(), status: nil))
            }
        }
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
