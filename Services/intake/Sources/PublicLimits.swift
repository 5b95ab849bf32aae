import HTTPTypes
import Foundation
import Hummingbird
import LifelineRuntime

/// The rate limits of intake's public (token-less) endpoints: per client for submissions, queries and
/// pages, and per application number for progress queries whose phone digits did not match, so that
/// guessing the last four digits of someone's phone takes months, not minutes.
struct PublicLimits: Sendable {
    let submissions: RateLimiter
    let queries: RateLimiter
    let guessesPerNumber: RateLimiter
    let pages: RateLimiter
    /// Behind a trusted reverse proxy, the client is the first address of `X-Forwarded-For`.
    let trustProxyHeaders: Bool

    init(settings: ConfigReader) throws {
        submissions = RateLimiter(
            capacity: try settings.int("INTAKE_SUBMISSIONS_PER_10_MINUTES", default: 20, range: 1...1_000_000), period: .seconds(600))
        queries = RateLimiter(
            capacity: try settings.int("INTAKE_QUERIES_PER_10_MINUTES", default: 60, range: 1...1_000_000), period: .seconds(600))
        guessesPerNumber = RateLimiter(
            capacity: try settings.int("INTAKE_WRONG_GUESSES_PER_NUMBER", default: 5, range: 1...1_000_000), period: .seconds(3600))
        pages = RateLimiter(
            capacity: try settings.int("INTAKE_PAGES_PER_MINUTE", default: 120, range: 1...1_000_000), period: .seconds(60))
        trustProxyHeaders = try settings.bool("TRUST_PROXY_HEADERS", default: false)
    }

    /// The client's address: the socket's peer, or, behind a trusted proxy, the address that proxy
    /// appended last to `X-Forwarded-For` (earlier entries are whatever the client chose to send).
    func client(_ request: Request, _ context: LifelineRequestContext) -> String {
        if trustProxyHeaders, let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!] {
            let last = forwarded.split(separator: ",").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            if !last.isEmpty { return last }
        }
        return context.remoteAddress ?? "unknown"
    }

    /// Throws 429 unless `limiter` has a token for `key`.
    static func enforce(_ limiter: RateLimiter, _ key: String, message: String = "操作过于频繁，请稍后再试") throws {
        let decision = limiter.acquire(key)
        guard decision.allowed else { throw APIError.rateLimited(retryAfterSeconds: decision.retryAfterSeconds, message: message) }
    }
}
