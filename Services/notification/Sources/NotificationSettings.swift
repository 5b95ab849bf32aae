import Foundation
import LifelineRuntime

/// Notification's settings, parsed once at start-up (documented in docs/operations.md).
struct NotificationSettings: Sendable {
    /// The SMS gateway's endpoint (`NOTIFY_SMS_URL`); without it SMS messages fail with
    /// `channel_not_configured` (inboxes work regardless).
    var smsURL: String?
    /// The account and secret the SMS gateway knows us by (`NOTIFY_SMS_ACCOUNT`, `NOTIFY_SMS_SECRET`).
    var smsAccount: String
    var smsSecret: String
    /// The signature every SMS starts with, between 【】 (`NOTIFY_SMS_SIGNATURE`, default 济阳防返贫).
    var smsSignature: String
    /// The WeChat template-message endpoint (`NOTIFY_WECHAT_URL`) and access token (`NOTIFY_WECHAT_TOKEN`).
    var wechatURL: String?
    var wechatToken: String
    /// The SMTP server for offices' e-mail (`NOTIFY_SMTP_HOST`, `NOTIFY_SMTP_PORT`, `NOTIFY_MAIL_FROM`).
    var smtpHost: String?
    var smtpPort: Int
    var mailFrom: String
    /// The insurer's office e-mail (`NOTIFY_INSURER_EMAIL`), when it wants e-mail beside its inbox.
    var insurerEmail: String?
    /// No SMS to households in this window, Beijing time (`NOTIFY_QUIET_HOURS`, default `22:00-07:00`;
    /// `none` for no quiet hours).
    var quietHours: QuietHours?
    /// Tries per message before it is marked failed (`NOTIFY_MAX_ATTEMPTS`, default 10) and the first
    /// back-off (`NOTIFY_RETRY_BASE_SECONDS`, default 30; doubled each try, with jitter, at most 1 hour):
    /// about three hours of an operator's outage are waited out.
    var maxAttempts: Int
    var retryBaseSeconds: Int
    /// Messages per second per channel, across all instances (`NOTIFY_SMS_PER_SECOND` 50,
    /// `NOTIFY_WECHAT_PER_SECOND` 50, `NOTIFY_EMAIL_PER_SECOND` 10).
    var perSecond: [String: Int]
    /// How often the dispatcher looks for due messages when idle (`NOTIFY_POLL_MILLISECONDS`, 100).
    var pollMilliseconds: Int
    /// How long a round's messages stay leased to the instance that took them
    /// (`NOTIFY_LEASE_SECONDS`, 600): after an instance dies mid-round, its messages are sent again
    /// (under the same idempotency key) once this has passed.
    var leaseSeconds: Int
    /// Messages sent at once by one instance (`NOTIFY_SEND_CONCURRENCY`, 16).
    var sendConcurrency: Int
    /// Events older than this are written to inboxes but not sent outside (`NOTIFY_MAX_EVENT_AGE_HOURS`,
    /// 72): a consumer group that starts from the beginning of a topic must not text last year's news.
    var maxEventAgeHours: Int
    /// How long a template version is cached before a new one is read (`NOTIFY_TEMPLATE_CACHE_SECONDS`,
    /// default 10): a version the district saves is in use everywhere within this time.
    var templateCacheSeconds: Int
    /// The district whose offices notification serves (`LIFELINE_DISTRICT_CODE`, default 370115 济阳区):
    /// its office hears what concerns no village.
    var districtCode: String
    /// The shared secret the SMS gateway sends with delivery reports (`NOTIFY_REPORT_SECRET`; reports
    /// are refused without it).
    var reportSecret: String?

    init(settings: ConfigReader) throws {
        smsURL = try Self.url(settings, "NOTIFY_SMS_URL")
        smsAccount = settings.string("NOTIFY_SMS_ACCOUNT", default: "lifeline")
        smsSecret = settings.string("NOTIFY_SMS_SECRET", default: "")
        smsSignature = settings.string("NOTIFY_SMS_SIGNATURE", default: "济阳防返贫")
        guard !smsSignature.isEmpty, smsSignature.count <= 12, !smsSignature.contains("【"), !smsSignature.contains("】") else {
            throw ConfigurationError(variable: "NOTIFY_SMS_SIGNATURE", reason: "must be 1 to 12 characters without 【】")
        }
        wechatURL = try Self.url(settings, "NOTIFY_WECHAT_URL")
        wechatToken = settings.string("NOTIFY_WECHAT_TOKEN", default: "")
        smtpHost = settings.optionalString("NOTIFY_SMTP_HOST")
        smtpPort = try settings.int("NOTIFY_SMTP_PORT", default: 25, range: 1...65535)
        mailFrom = settings.string("NOTIFY_MAIL_FROM", default: "lifeline@jiyang.gov.cn")
        guard mailFrom.contains("@"), !mailFrom.contains(where: { $0 == "\r" || $0 == "\n" || $0 == " " }) else {
            throw ConfigurationError(variable: "NOTIFY_MAIL_FROM", reason: "must be one e-mail address")
        }
        insurerEmail = settings.optionalString("NOTIFY_INSURER_EMAIL")
        if let insurerEmail, !EmailAddress.isValid(insurerEmail) {
            throw ConfigurationError(variable: "NOTIFY_INSURER_EMAIL", reason: "must be one e-mail address")
        }
        let quiet = settings.string("NOTIFY_QUIET_HOURS", default: "22:00-07:00")
        if quiet == "none" {
            quietHours = nil
        } else {
            guard let parsed = QuietHours(parsing: quiet) else {
                throw ConfigurationError(variable: "NOTIFY_QUIET_HOURS", reason: "must be HH:MM-HH:MM in Beijing time (e.g. 22:00-07:00), or none")
            }
            quietHours = parsed
        }
        maxAttempts = try settings.int("NOTIFY_MAX_ATTEMPTS", default: 10, range: 1...50)
        retryBaseSeconds = try settings.int("NOTIFY_RETRY_BASE_SECONDS", default: 30, range: 0...3600)
        perSecond = [
            "sms": try settings.int("NOTIFY_SMS_PER_SECOND", default: 50, range: 1...100_000),
            "wechat": try settings.int("NOTIFY_WECHAT_PER_SECOND", default: 50, range: 1...100_000),
            "email": try settings.int("NOTIFY_EMAIL_PER_SECOND", default: 10, range: 1...100_000),
        ]
        pollMilliseconds = try settings.int("NOTIFY_POLL_MILLISECONDS", default: 100, range: 10...60_000)
        sendConcurrency = try settings.int("NOTIFY_SEND_CONCURRENCY", default: 16, range: 1...256)
        leaseSeconds = try settings.int("NOTIFY_LEASE_SECONDS", default: 600, range: 30...86_400)
        maxEventAgeHours = try settings.int("NOTIFY_MAX_EVENT_AGE_HOURS", default: 72, range: 1...100_000)
        reportSecret = settings.optionalString("NOTIFY_REPORT_SECRET")
        templateCacheSeconds = try settings.int("NOTIFY_TEMPLATE_CACHE_SECONDS", default: 10, range: 0...3600)
        districtCode = settings.string("LIFELINE_DISTRICT_CODE", default: "370115")
        guard districtCode.count == 6, districtCode.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ConfigurationError(variable: "LIFELINE_DISTRICT_CODE", reason: "must be a 6-digit division code")
        }
    }

    private static func url(_ settings: ConfigReader, _ key: String) throws -> String? {
        guard let text = settings.optionalString(key) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError(variable: key, reason: "must be an http(s) URL")
        }
        return text
    }

    /// The settings of a running service (checked at start-up, so they parse).
    static func from(_ dependencies: ServiceDependencies) -> NotificationSettings {
        do {
            return try NotificationSettings(settings: dependencies.configuration.settings)
        } catch {
            preconditionFailure("notification settings were checked at start-up: \(error)")
        }
    }
}

/// E-mail addresses as offices give them: one address, no spaces or line breaks.
enum EmailAddress {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && text.count <= 254
            && text.allSatisfy { $0.isASCII && !$0.isWhitespace && $0 != "<" && $0 != ">" && $0 != "," }
    }
}
