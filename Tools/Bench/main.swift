// lifeline-bench: one measurement per call, as `scripts/bench/eventbus.sh` asks for it (five runs of
// each, interleaved with the ceilings measured by other tools: the Python client, pgbench). Run through
// `make bench`, which starts PostgreSQL and Tansu on the bench ports and exports their addresses.
//
//   produce-raw TOPIC RECORDS        fill a 6-partition topic with 200-byte records; prints msg/s
//   consume-raw TOPIC RECORDS        read them back with one group member, from the first message; msg/s
//   hop EVENTS                       one consumer instance drains EVENTS through one event hop; events/s
//   hop-latency RATE SECONDS WARMUP  the same hop fed open loop at RATE/s; latency percentiles per stage
//   floor-latency RATE SECONDS WARMUP [STREAMS]  bare produce → consume on the same broker, same
//                                    settings; STREAMS (1) such streams side by side, pooled
//   http-latency RATE SECONDS WARMUP URL [apply RUN]  open-loop HTTP at RATE/s over 64 keep-alive
//                                    connections: GET URL, or with `apply RUN` a new self-application
//                                    POSTed to URL/v1/applications per request; latency percentiles
//
// Each prints one line `key=value …` that the script collects.
import Foundation
import LifelineKafka
import Logging

func environment(_ name: String) -> String {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
        FileHandle.standardError.write(Data("lifeline-bench: \(name) is not set; run `make bench`\n".utf8))
        exit(2)
    }
    return value
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = ProcessInfo.processInfo.environment["BENCH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    return logger
}()
let client = KafkaClientConfiguration(bootstrapServers: environment("KAFKA_BOOTSTRAP_SERVERS"), clientId: "lifeline-bench")
let arguments = Array(CommandLine.arguments.dropFirst())
func argument(_ index: Int, default value: Int) -> Int { arguments.count > index ? Int(arguments[index]) ?? value : value }

switch arguments.first {
case "produce-raw":
    print(try await RawBench.produce(topic: arguments[1], records: argument(2, default: 200_000)))
case "consume-raw":
    print(try await RawBench.consume(topic: arguments[1], records: argument(2, default: 200_000)))
case "hop":
    print(try await HopBench.throughput(events: argument(1, default: 20_000)))
case "hop-latency":
    print(try await HopBench.latency(rate: argument(1, default: 200), seconds: argument(2, default: 60), warmup: argument(3, default: 10)))
case "floor-latency":
    print(try await RawBench.floorLatency(
        rate: argument(1, default: 200), seconds: argument(2, default: 60), warmup: argument(3, default: 10), streams: argument(4, default: 1)))
case "http-latency":
    guard arguments.count >= 5, let url = URLComponents(string: arguments[4]), let host = url.host, let port = url.port else {
        FileHandle.standardError.write(Data("usage: lifeline-bench http-latency RATE SECONDS WARMUP http://HOST:PORT/PATH [apply RUN]\n".utf8))
        exit(2)
    }
    let path = url.path.isEmpty ? "/" : url.path
    let request: @Sendable (Int) -> HTTPLatencyBench.Request
    if arguments.count >= 6, arguments[5] == "apply" {
        request = SelfApplicationRequests.request(run: argument(6, default: 0))
    } else {
        request = { _ in HTTPLatencyBench.Request(method: .GET, path: path) }
    }
    print(try await HTTPLatencyBench.run(
        host: host, port: port, rate: argument(1, default: 1_000), seconds: argument(2, default: 20), warmup: argument(3, default: 5),
        connections: 64, request: request))
default:
    FileHandle.standardError.write(Data("usage: lifeline-bench produce-raw|consume-raw|hop|hop-latency|floor-latency|http-latency …\n".utf8))
    exit(2)
}
