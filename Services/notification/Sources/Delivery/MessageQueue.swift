import Foundation
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Turns an event's notices into messages, in the consumer's transaction: each audience resolved to
/// people and channels, each text rendered from the template in use, each message written once per
/// source event, recipient and channel (a redelivered event adds nothing). Inbox messages are
/// delivered by being written; the others wait in `messages` for the dispatcher, SMS to households
/// outside quiet hours.
struct MessageQueue: Sendable {
    let directory: NotificationDirectory
    let templates: TemplateStore
    let publisher: EventPublisher
    let settings: NotificationSettings
    let logger: Logger
    /// The clock (tests set it; quiet hours and the age of events are judged by it).
    var now: @Sendable () -> Date = { Date() }

    /// One person on one channel.
    struct Recipient: Sendable, Hashable {
        /// Stable identity: `household:<id>`, `member:<id>`, `office:<code>`.
        var id: String
        /// Phone, openid, e-mail address or inbox (`office:<code>`, `user:<id>`).
        var address: String
        var channel: String
    }

    /// The audit events of the messages one event caused, published together (one statement per type).
    private struct AuditEvents {
        var recorded: [MessageRecorded] = []
        var delivered: [MessageDelivered] = []
        var failed: [MessageFailed] = []
    }

    func enqueue(_ notices: [Notice], cause: CloudEvent, on connection: PostgresConnection) async throws {
        var events = AuditEvents()
        for notice in notices {
            try await enqueue(notice, cause: cause, into: &events, on: connection)
        }
        try await publisher.publishAll(events.recorded, on: connection, causedBy: cause)
        try await publisher.publishAll(events.delivered, on: connection, causedBy: cause)
        try await publisher.publishAll(events.failed, on: connection, causedBy: cause)
    }

    private func enqueue(_ notice: Notice, cause: CloudEvent, into events: inout AuditEvents, on connection: PostgresConnection) async throws {
        let recipients = try await recipients(of: notice, on: connection)
        guard !recipients.isEmpty else { return }
        var fields = notice.fields
        if let village = notice.villageCode {
            let names = try await directory.placeNames(of: village, on: connection)
            fields["villageName"] = names.village
            fields["townName"] = names.town
        }
        guard let rendered = try await render(notice.template, fields) else { return }
        let (version, title, body) = rendered
        let moment = self.now()
        // Messages of no village (the fund's) belong to the district: its officials see them, and all
        // of a message's events share one partition key.
        let region = notice.villageCode ?? settings.districtCode
        let stale = moment.timeIntervalSince(cause.time) > Double(settings.maxEventAgeHours) * 3600
        for recipient in recipients {
            let text = recipient.channel == "sms" ? SMSText.signed(body, signature: settings.smsSignature) : body
            var status = "queued", due = moment
            if recipient.channel == "inbox" {
                status = "delivered"
            } else if stale {
                status = "failed"
            } else if recipient.channel == "sms", notice.audience == .household, let quiet = settings.quietHours {
                due = quiet.nextAllowed(after: moment)
            }
            let id = "MSG" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
            let rows = try await connection.query("""
                INSERT INTO messages (id, event_id, event_type, case_id, household_id, village_code, recipient_kind, recipient, recipient_address,
                    channel, title, body, status, template_key, template_version, next_attempt_at, created_at, delivered_at, failed_at,
                    last_error_code, last_error)
                VALUES (\(id), \(cause.id), \(cause.type), \(notice.caseId), \(notice.householdId), \(region),
                    \(notice.audience.rawValue), \(recipient.id), \(recipient.address), \(recipient.channel), \(title), \(text), \(status),
                    \(notice.template), \(version), \(due), \(moment), \(status == "delivered" ? moment : nil), \(status == "failed" ? moment : nil),
                    \(status == "failed" ? "stale_event" : nil),
                    \(status == "failed" ? "the event is older than \(settings.maxEventAgeHours) hours; written to inboxes only" : nil))
                ON CONFLICT (event_id, recipient, channel) DO NOTHING RETURNING id
                """, logger: logger)
            var inserted = false
            for try await _ in rows { inserted = true }
            guard inserted else { continue }
            let reference = MessageReference(
                messageId: id, sourceEventId: cause.id, sourceEventType: cause.type, householdId: notice.householdId,
                regionCode: region, audience: notice.audience.rawValue, channel: recipient.channel)
            events.recorded.append(MessageRecorded(
                messageId: id, householdId: notice.householdId, villageCode: region,
                recipientKind: notice.audience.rawValue, channel: recipient.channel, recordedAt: moment))
            switch status {
            case "delivered":
                events.delivered.append(MessageDelivered(message: reference, deliveredAt: moment))
            case "failed":
                events.failed.append(MessageFailed(
                    message: reference, attempts: 0, reasonCode: "stale_event",
                    reason: "the event is older than \(settings.maxEventAgeHours) hours; written to inboxes only", failedAt: moment))
            default: break
            }
        }
    }

    /// The text in use for `key` filled with `fields`; version 1 when a newer version cannot be
    /// filled (it was checked when saved, so only a field an older event lacks can cause it).
    private func render(_ key: String, _ fields: [String: String]) async throws -> (Int, String, String)? {
        if let current = try await templates.current(key), let body = try? current.template.render(fields) {
            return (current.version, current.title, body)
        }
        guard let entry = TemplateCatalog.entries[key], let body = try? MessageTemplate(entry.body).render(fields) else {
            logger.error("no template can render this notice", metadata: ["template": "\(key)"])
            return nil
        }
        return (1, entry.title, body)
    }

    /// The people an audience means for this notice, on their channels.
    func recipients(of notice: Notice, on connection: PostgresConnection) async throws -> [Recipient] {
        let village = notice.villageCode
        switch notice.audience {
        case .household:
            guard let household = notice.householdId else { return [] }
            var phone = notice.contact?.phone, openId = notice.wechatOpenId
            if phone == nil || openId == nil, let known = try await directory.contact(of: household, on: connection) {
                phone = phone ?? known.phone
                openId = openId ?? known.wechatOpenId
            }
            // WeChat for a household that follows the account, SMS otherwise.
            if let openId { return [Recipient(id: "household:\(household)", address: openId, channel: "wechat")] }
            if let phone, MobileNumber.isValid(phone) { return [Recipient(id: "household:\(household)", address: phone, channel: "sms")] }
            return []
        case .gridMember:
            return try await directory.gridMembers(of: notice.householdId, village: village, on: connection).flatMap { member in
                // Every grid member has a personal inbox; an SMS only with a mobile number.
                [Recipient(id: "member:\(member.id)", address: "user:\(member.id)", channel: "inbox")]
                    + (MobileNumber.isValid(member.phone) ? [Recipient(id: "member:\(member.id)", address: member.phone, channel: "sms")] : [])
            }
        case .village:
            guard let village else { return [] }
            return [Recipient(id: "office:\(village)", address: "office:\(village)", channel: "inbox")]
        case .town:
            guard let village, village.count >= 9 else { return try await office(settings.districtCode, on: connection) }
            return try await office(String(village.prefix(9)), on: connection)
        case .district:
            return try await office(village.map { String($0.prefix(6)) } ?? settings.districtCode, on: connection)
        case .insurer:
            var recipients = [Recipient(id: "office:insurer", address: "office:insurer", channel: "inbox")]
            if let email = settings.insurerEmail { recipients.append(Recipient(id: "office:insurer", address: email, channel: "email")) }
            return recipients
        }
    }

    /// An office's inbox, and its e-mail when it gave one.
    private func office(_ code: String, on connection: PostgresConnection) async throws -> [Recipient] {
        var recipients = [Recipient(id: "office:\(code)", address: "office:\(code)", channel: "inbox")]
        if let email = try await directory.email(of: code, on: connection) {
            recipients.append(Recipient(id: "office:\(code)", address: email, channel: "email"))
        }
        return recipients
    }
}
