import Foundation

/// The self-applications that `http-latency … apply RUN` posts: each a new person with a valid ID number
/// (GB 11643 check digit), as `scripts/bench/apply.lua` makes them for wrk, in a range of its own so that
/// no request repeats a person of wrk's runs (below 12,000,000) or of another run (RUN 0–19, up to
/// 200,000 requests each; a repeat is answered "you already applied", which is not what is measured).
enum SelfApplicationRequests {
    static func request(run: Int) -> @Sendable (Int) -> HTTPLatencyBench.Request {
        { index in
            let person = 12_000_000 + run * 200_000 + index
            let body = #"{"villageCode":"370115101201","applicantName":"压测","idNumber":"\#(idNumber(person))","#
                + #""phone":"139\#(String(format: "%08d", person % 100_000_000))","householdSize":3,"#
                + #""difficulties":["illness"],"statement":"bench","consent":true}"#
            return HTTPLatencyBench.Request(method: .POST, path: "/v1/applications", body: body)
        }
    }

    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checks = Array("10X98765432")
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
    private static let firstBirthDate = calendar.date(from: DateComponents(year: 1941, month: 1, day: 1, hour: 12))!

    /// A 济南市章丘区 (370125) number: born `person / 1000` days after 1941-01-01, sequence `person % 1000`.
    static func idNumber(_ person: Int) -> String {
        let birth = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: person / 1000, to: firstBirthDate)!)
        let body = "370125" + String(format: "%04d%02d%02d%03d", birth.year!, birth.month!, birth.day!, person % 1000)
        let sum = zip(body, weights).reduce(0) { $0 + $1.0.wholeNumberValue! * $1.1 }
        return body + String(checks[sum % 11])
    }
}
