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

    /// One message to write.
    private struct Row {
        var id: String
        var cause: CloudEvent
        var notice: Notice
        var region: String
        var recipient: Recipient
        var title: String
        var body: String
        var status: String
        var templateVersion: Int
        var due: Date
    }

    /// Queues the notices of a run of events (each with the event that caused it) with a few statements
    /// for the whole run: the directory read once, the messages written with one statement, their audit
    /// events with one statement per type.
    func enqueue(_ caused: [Notifier.Caused], on connection: PostgresConnection) async throws {
        let notices = caused.flatMap(\.notices)
        guard !notices.isEmpty else { return }
        var households = Set<String>(), villages = Set<String>(), offices = Set<String>()
        for notice in notices {
            if let village = notice.villageCode { villages.insert(village) }
            if let office = office(of: notice) { offices.insert(office) }
            if notice.audience == .household || notice.audience == .gridMember, let household = notice.householdId {
                households.insert(household)
            }
        }
        let known = try await directory.lookUp(households: households, villages: villages, offices: offices, on: connection)
        let moment = self.now()
        var rows: [Row] = []
        for (eventNotices, cause) in caused {
            let stale = moment.timeIntervalSince(cause.time) > Double(settings.maxEventAgeHours) * 3600
            for notice in eventNotices {
                rows += try await messages(for: notice, cause: cause, stale: stale, at: moment, known: known)
            }
        }
        guard !rows.isEmpty else { return }
        let inserted = try await insert(rows, at: moment, on: connection)
        var recorded: [(payload: MessageRecorded, cause: CloudEvent?)] = []
        var delivered: [(payload: MessageDelivered, cause: CloudEvent?)] = []
        var failed: [(payload: MessageFailed, cause: CloudEvent?)] = []
        for row in rows where inserted.contains(row.id) {
            let notice = row.notice, channel = row.recipient.channel
            let reference = MessageReference(
                messageId: row.id, sourceEventId: row.cause.id, sourceEventType: row.cause.type, householdId: notice.householdId,
                regionCode: row.region, audience: notice.audience.rawValue, channel: channel)
            recorded.append((MessageRecorded(
                messageId: row.id, householdId: notice.householdId, villageCode: row.region,
                recipientKind: notice.audience.rawValue, channel: channel, recordedAt: moment), row.cause))
            switch row.status {
            case "delivered":
                delivered.append((MessageDelivered(message: reference, deliveredAt: moment), row.cause))
            case "failed":
                failed.append((MessageFailed(message: reference, attempts: 0, reasonCode: "stale_event", reason: staleReason, failedAt: moment), row.cause))
            default: break
            }
        }
        try await publisher.publishAll(recorded, on: connection)
        try await publisher.publishAll(delivered, on: connection)
        try await publisher.publishAll(failed, on: connection)
    }

    private var staleReason: String { "the event is older than \(settings.maxEventAgeHours) hours; written to inboxes only" }

    /// The messages one notice calls for: its audience's people on their channels, the text rendered
    /// once. An inbox message is delivered by being written; a stale event's others fail at once.
    private func messages(for notice: Notice, cause: CloudEvent, stale: Bool, at moment: Date, known: Known) async throws -> [Row] {
        let recipients = recipients(of: notice, known: known)
        guard !recipients.isEmpty else { return [] }
        var fields = notice.fields
        if let village = notice.villageCode, let names = known.placeNames[village] {
            fields["villageName"] = names.village
            fields["townName"] = names.town
        }
        guard let (version, title, body) = try await render(notice.template, fields) else { return [] }
        // Messages of no village (the fund's) belong to the district: its officials see them, and all
        // of a message's events share one partition key.
        let region = notice.villageCode ?? settings.districtCode
        return recipients.map { recipient in
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
            return Row(
                id: id, cause: cause, notice: notice, region: region, recipient: recipient, title: title, body: text, status: status,
                templateVersion: version, due: due)
        }
    }

    /// Writes the rows with one statement; returns the ids written (a message already written for its
    /// source event, recipient and channel, by a redelivery, is left out).
    private func insert(_ rows: [Row], at moment: Date, on connection: PostgresConnection) async throws -> Set<String> {
        let result = try await connection.query("""
            INSERT INTO messages (id, event_id, event_type, case_id, household_id, village_code, recipient_kind, recipient, recipient_address,
                channel, title, body, status, template_key, template_version, next_attempt_at, created_at, delivered_at, failed_at,
                last_error_code, last_error)
            SELECT id, event_id, event_type, NULLIF(case_id, ''), NULLIF(household_id, ''), village_code, kind, recipient, address,
                channel, title, body, status, template_key, template_version, due, \(moment),
                CASE WHEN status = 'delivered' THEN \(moment)::timestamptz END, CASE WHEN status = 'failed' THEN \(moment)::timestamptz END,
                CASE WHEN status = 'failed' THEN 'stale_event' END, CASE WHEN status = 'failed' THEN \(staleReason) END
            FROM unnest(\(rows.map(\.id))::text[], \(rows.map(\.cause.id))::text[], \(rows.map(\.cause.type))::text[],
                \(rows.map { $0.notice.caseId ?? "" })::text[], \(rows.map { $0.notice.householdId ?? "" })::text[], \(rows.map(\.region))::text[],
                \(rows.map(\.notice.audience.rawValue))::text[], \(rows.map(\.recipient.id))::text[], \(rows.map(\.recipient.address))::text[],
                \(rows.map(\.recipient.channel))::text[], \(rows.map(\.title))::text[], \(rows.map(\.body))::text[], \(rows.map(\.status))::text[],
                \(rows.map(\.notice.template))::text[], \(rows.map(\.templateVersion))::int8[], \(rows.map(\.due))::timestamptz[])
                AS m(id, event_id, event_type, case_id, household_id, village_code, kind, recipient, address, channel, title, body, status,
                    template_key, template_version, due)
            ON CONFLICT (event_id, recipient, channel) DO NOTHING RETURNING id
            """, logger: logger)
        var inserted = Set<String>()
        for try await id in result.decode(String.self) { inserted.insert(id) }
        return inserted
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

    /// The office whose e-mail a notice may go to: the town's or the district's.
    private func office(of notice: Notice) -> String? {
        switch notice.audience {
        case .town:
            guard let village = notice.villageCode, village.count >= 9 else { return settings.districtCode }
            return String(village.prefix(9))
        case .district:
            return notice.villageCode.map { String($0.prefix(6)) } ?? settings.districtCode
        case .household, .gridMember, .village, .insurer:
            return nil
        }
    }

    /// The people an audience means for this notice, on their channels.
    func recipients(of notice: Notice, known: Known) -> [Recipient] {
        switch notice.audience {
        case .household:
            guard let household = notice.householdId else { return [] }
            let contact = known.contacts[household]
            let phone = notice.contact?.phone ?? contact?.phone, openId = notice.wechatOpenId ?? contact?.wechatOpenId
            // WeChat for a household that follows the account, SMS otherwise.
            if let openId { return [Recipient(id: "household:\(household)", address: openId, channel: "wechat")] }
            if let phone, MobileNumber.isValid(phone) { return [Recipient(id: "household:\(household)", address: phone, channel: "sms")] }
            return []
        case .gridMember:
            return known.gridMembers(of: notice.householdId, village: notice.villageCode).flatMap { member in
                // Every grid member has a personal inbox; an SMS only with a mobile number.
                [Recipient(id: "member:\(member.id)", address: "user:\(member.id)", channel: "inbox")]
                    + (MobileNumber.isValid(member.phone) ? [Recipient(id: "member:\(member.id)", address: member.phone, channel: "sms")] : [])
            }
        case .village:
            guard let village = notice.villageCode else { return [] }
            return [Recipient(id: "office:\(village)", address: "office:\(village)", channel: "inbox")]
        case .town, .district:
            guard let code = office(of: notice) else { return [] }
            return [Recipient(id: "office:\(code)", address: "office:\(code)", channel: "inbox")]
                + (known.emails[code].map { [Recipient(id: "office:\(code)", address: $0, channel: "email")] } ?? [])
        case .insurer:
            var recipients = [Recipient(id: "office:insurer", address: "office:insurer", channel: "inbox")]
            if let email = settings.insurerEmail { recipients.append(Recipient(id: "office:insurer", address: email, channel: "email")) }
            return recipients
        }
    }
}
