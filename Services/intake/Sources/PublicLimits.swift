import HTTPTypes
import Foundation
import Hummingbird
import LifelinePersistence
import LifelineRuntime

/// The rate limits of intake's public (token-less) endpoints, shared by every instance through
/// `rate_limit_buckets` in intake's schema:
/// - per client (an IPv4 address or an IPv6 /64) for submissions, progress queries and pages;
/// - per (application number, client) for progress queries, refunded when the phone digits match, so
///   one client guessing the last four digits of someone's phone is stopped after a few tries;
/// - per application number over all clients, a ceiling on wrong guesses: once it is spent the number
///   answers each client only `INTAKE_GUESSES_PER_CLIENT_PER_DAY_OVER_CEILING` times a day. A botnet
///   cannot guess on at full speed, and nobody can lock a household out of its own progress page: the
///   household's first (right) try from any client still gets through.
struct PublicLimits: Sendable {
    struct Settings: Sendable {
        var submissionsPer10Minutes: Int
        var queriesPer10Minutes: Int
        var wrongGuessesPerNumberAndClient: Int
        var wrongGuessesPerNumber: Int
        var guessesPerClientPerDayOverCeiling: Int
        var pagesPerMinute: Int
        var clients: ClientAddressResolver

        init(settings: ConfigReader) throws {
            submissionsPer10Minutes = try settings.int("INTAKE_SUBMISSIONS_PER_10_MINUTES", default: 20, range: 1...1_000_000)
            queriesPer10Minutes = try settings.int("INTAKE_QUERIES_PER_10_MINUTES", default: 60, range: 1...1_000_000)
            wrongGuessesPerNumberAndClient = try settings.int("INTAKE_WRONG_GUESSES_PER_NUMBER", default: 5, range: 1...1_000_000)
            wrongGuessesPerNumber = try settings.int("INTAKE_WRONG_GUESSES_PER_NUMBER_ALL_CLIENTS", default: 30, range: 1...1_000_000)
            guessesPerClientPerDayOverCeiling = try settings.int(
                "INTAKE_GUESSES_PER_CLIENT_PER_DAY_OVER_CEILING", default: 2, range: 1...1_000)
            pagesPerMinute = try settings.int("INTAKE_PAGES_PER_MINUTE", default: 120, range: 1...1_000_000)
            if settings.string("TRUST_PROXY_HEADERS", default: "") != "" {
                throw ConfigurationError(
                    variable: "TRUST_PROXY_HEADERS", reason: "replaced by TRUSTED_PROXIES (the proxies' addresses or networks, e.g. 10.0.0.0/8)")
            }
            clients = try ClientAddressResolver(settings: settings)
        }
    }

    let submissions: SharedRateLimiter
    let queries: SharedRateLimiter
    let guessesPerNumberAndClient: SharedRateLimiter
    let wrongGuessesPerNumber: SharedRateLimiter
    let guessesOverCeiling: SharedRateLimiter
    let pages: SharedRateLimiter
    let clients: ClientAddressResolver

    init(settings: Settings, database: Database) {
        submissions = SharedRateLimiter(scope: "submissions", capacity: settings.submissionsPer10Minutes, period: .seconds(600), database: database)
        queries = SharedRateLimiter(scope: "queries", capacity: settings.queriesPer10Minutes, period: .seconds(600), database: database)
        guessesPerNumberAndClient = SharedRateLimiter(
            scope: "guesses", capacity: settings.wrongGuessesPerNumberAndClient, period: .seconds(3600), database: database)
        wrongGuessesPerNumber = SharedRateLimiter(
            scope: "wrong-guesses-per-number", capacity: settings.wrongGuessesPerNumber, period: .seconds(86_400), database: database)
        guessesOverCeiling = SharedRateLimiter(
            scope: "guesses-over-ceiling", capacity: settings.guessesPerClientPerDayOverCeiling, period: .seconds(86_400), database: database)
        pages = SharedRateLimiter(scope: "pages", capacity: settings.pagesPerMinute, period: .seconds(60), database: database)
        clients = settings.clients
    }

    /// The client's rate-limit key (see `ClientAddressResolver`).
    func client(_ request: Request, _ context: LifelineRequestContext) -> String {
        clients.clientKey(peer: context.remoteAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!])
    }

    /// Throws 429 unless `limiter` has a token for `key`.
    static func enforce(_ limiter: SharedRateLimiter, _ key: String, message: String = "操作过于频繁，请稍后再试") async throws {
        let decision = try await limiter.acquire(key)
        guard decision.allowed else { throw APIError.rateLimited(retryAfterSeconds: decision.retryAfterSeconds, message: message) }
    }

    /// Looks up an application's progress behind the guess limits: `lookup` runs only when the
    /// client may guess, and its answer (nil: the digits did not match) decides what is charged.
    func guarded<Answer: Sendable>(
        number: String, client: String, lookup: () async throws -> Answer?
    ) async throws -> Answer? {
        let pairKey = number + "|" + client
        let refused = "该申请编号查询错误次数过多，请稍后再试"
        // The guess costs a token before the lookup, so parallel guesses cannot all pass a check.
        let pair = try await guessesPerNumberAndClient.acquire(pairKey)
        guard pair.allowed else { throw APIError.rateLimited(retryAfterSeconds: pair.retryAfterSeconds, message: refused) }
        let ceilingSpent = try await !wrongGuessesPerNumber.check(number)
        if ceilingSpent {
            let slow = try await guessesOverCeiling.acquire(pairKey)
            guard slow.allowed else { throw APIError.rateLimited(retryAfterSeconds: slow.retryAfterSeconds, message: refused) }
        }
        guard let answer = try await lookup() else {
            try await wrongGuessesPerNumber.penalize(number)
            return nil
        }
        try await guessesPerNumberAndClient.refund(pairKey)
        if ceilingSpent { try await guessesOverCeiling.refund(pairKey) }
        return answer
    }
}
