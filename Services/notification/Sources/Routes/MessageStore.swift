import Foundation
import LifelineAuth
import LifelineEventBus
import LifelineEvents
import LifelinePersistence
import Logging

/// Reading messages and their status, the staff inboxes with their read marks, and the gateway's
/// delivery reports.
struct MessageStore: Sendable {
    let database: Database
    let publisher: EventPublisher
    let logger: Logger

    /// A message as officials see it: the address masked.
    struct MessageView: Encodable, Sendable {
        var messageId: String
        var sourceEventId: String
        var sourceEventType: String
        var caseId: String?
        var householdId: String?
        var villageCode: String?
        var recipientKind: String
        var recipient: String
        var channel: String
        var title: String?
        var body: String
        var status: String
        var attempts: Int
        var nextAttemptAt: Date?
        var lastErrorCode: String?
        var lastError: String?
        var templateKey: String?
        var templateVersion: Int?
        var createdAt: Date
        var sentAt: Date?
        var deliveredAt: Date?
        var failedAt: Date?
    }

    /// An inbox entry for one reader.
    struct InboxEntry: Encodable, Sendable {
        var messageId: String
        var title: String?
        var body: String
        var caseId: String?
        var householdId: String?
        var villageCode: String?
        var sourceEventType: String
        var createdAt: Date
        var read: Bool
        var readAt: Date?
    }

    static let columns = """
        id, event_id, event_type, case_id, household_id, village_code, recipient_kind, recipient_address, channel, title, body, status,
        attempts, next_attempt_at, last_error_code, last_error, template_key, template_version, created_at, sent_at, delivered_at, failed_at
        """

    /// Whose messages a query may return.
    enum Reach: Sendable {
        /// Messages of villages (or the district) under a division code's significant prefix.
        case region(String)
        /// The insurer's own.
        case insurer
        /// No limit (the caller's rights are checked on the one message found).
        case all
    }

    /// Messages matching `filter` (a `WHERE …` with its binds) within `reach`, in `order` (and limit).
    func messages(where filter: PostgresQuery, reach: Reach, order: String) async throws -> [MessageView] {
        var binds = filter.binds
        var sql = "SELECT \(Self.columns) FROM messages \(filter.sql)"
        switch reach {
        case .region(let prefix):
            binds.append(DivisionCode.significantPrefix(prefix) + "%")
            sql += " AND village_code LIKE $\(binds.count)"
        case .insurer: sql += " AND recipient_kind = 'insurer'"
        case .all: break
        }
        let query = PostgresQuery(unsafeSQL: sql + " " + order, binds: binds)
        var views: [MessageView] = []
        for try await row in try await database.query(query) {
            let r = row.makeRandomAccess()
            let channel = try r[8].decode(String.self)
            let address = try r[7].decode(String.self)
            views.append(MessageView(
                messageId: try r[0].decode(String.self), sourceEventId: try r[1].decode(String.self), sourceEventType: try r[2].decode(String.self),
                caseId: try r[3].decode(String?.self), householdId: try r[4].decode(String?.self), villageCode: try r[5].decode(String?.self),
                recipientKind: try r[6].decode(String.self), recipient: Self.masked(address, channel: channel), channel: channel,
                title: try r[9].decode(String?.self), body: try r[10].decode(String.self), status: try r[11].decode(String.self),
                attempts: try r[12].decode(Int.self), nextAttemptAt: try r[13].decode(Date?.self), lastErrorCode: try r[14].decode(String?.self),
                lastError: try r[15].decode(String?.self), templateKey: try r[16].decode(String?.self), templateVersion: try r[17].decode(Int?.self),
                createdAt: try r[18].decode(Date.self), sentAt: try r[19].decode(Date?.self), deliveredAt: try r[20].decode(Date?.self),
                failedAt: try r[21].decode(Date?.self)))
        }
        return views
    }

    /// Phones as `138****1234`, e-mail as `d***@example.gov.cn`, openids not at all.
    static func masked(_ address: String, channel: String) -> String {
        switch channel {
        case "sms": return MobileNumber.masked(address)
        case "wechat": return "微信用户"
        case "email":
            let parts = address.split(separator: "@", maxSplits: 1)
            guard parts.count == 2 else { return "***" }
            return String(parts[0].prefix(1)) + "***@" + parts[1]
        default: return address
        }
    }

    /// Whether `user` may see `message`: officials within the village's jurisdiction; messages without a
    /// village (the fund's) to the district; the insurer's own to the insurer.
    static func visible(_ message: MessageView, to user: AuthenticatedUser) -> Bool {
        if user.role == .insurer { return message.recipientKind == Audience.insurer.rawValue }
        guard [.village, .town, .district, .admin].contains(user.role) else { return false }
        if let village = message.villageCode { return user.covers(region: village) }
        return user.role == .district || user.role == .admin
    }

    // MARK: inbox

    /// The inboxes a user reads as their own: their personal one and their office's.
    static func mailboxes(of user: AuthenticatedUser) -> [String] {
        var boxes = ["user:\(user.id)"]
        switch user.role {
        case .village, .town, .district: boxes.append("office:\(DivisionCode.significantPrefix(user.region))")
        case .insurer: boxes.append("office:insurer")
        default: break
        }
        return boxes
    }

    func inbox(_ boxes: [String], reader: String, unreadOnly: Bool, limit: Int) async throws -> (entries: [InboxEntry], unread: Int) {
        var entries: [InboxEntry] = []
        let rows = try await database.query("""
            SELECT m.id, m.title, m.body, m.case_id, m.household_id, m.village_code, m.event_type, m.created_at, r.read_at
            FROM messages m LEFT JOIN inbox_reads r ON r.message_id = m.id AND r.reader = \(reader)
            WHERE m.channel = 'inbox' AND m.recipient_address = ANY(\(boxes)) AND (NOT \(unreadOnly) OR r.read_at IS NULL)
            ORDER BY m.created_at DESC, m.id LIMIT \(limit)
            """)
        for try await (id, title, body, caseId, household, village, type, at, readAt) in rows.decode(
            (String, String?, String, String?, String?, String?, String, Date, Date?).self)
        {
            entries.append(InboxEntry(
                messageId: id, title: title, body: body, caseId: caseId, householdId: household, villageCode: village, sourceEventType: type,
                createdAt: at, read: readAt != nil, readAt: readAt))
        }
        return (entries, try await unreadCount(boxes, reader: reader))
    }

    func unreadCount(_ boxes: [String], reader: String) async throws -> Int {
        try await database.count("""
            SELECT count(*) FROM messages m
            WHERE m.channel = 'inbox' AND m.recipient_address = ANY(\(boxes))
                AND NOT EXISTS (SELECT 1 FROM inbox_reads r WHERE r.message_id = m.id AND r.reader = \(reader))
            """)
    }

    /// Marks one message read for `reader`; not found unless it is in one of `boxes`.
    func markRead(_ id: String, boxes: [String], reader: String) async throws {
        let rows = try await database.query("""
            INSERT INTO inbox_reads (message_id, reader)
            SELECT id, \(reader) FROM messages WHERE id = \(id) AND channel = 'inbox' AND recipient_address = ANY(\(boxes))
            ON CONFLICT DO NOTHING RETURNING 1
            """)
        var marked = false
        for try await _ in rows { marked = true }
        if !marked {
            let known = try await database.count("""
                SELECT count(*) FROM messages WHERE id = \(id) AND channel = 'inbox' AND recipient_address = ANY(\(boxes))
                """)
            guard known > 0 else { throw NotificationError(.notFound, "没有这条消息") }
        }
    }

    /// Marks everything in `boxes` read for `reader`; returns how many were unread.
    func markAllRead(boxes: [String], reader: String) async throws -> Int {
        let rows = try await database.query("""
            INSERT INTO inbox_reads (message_id, reader)
            SELECT id, \(reader) FROM messages WHERE channel = 'inbox' AND recipient_address = ANY(\(boxes))
            ON CONFLICT DO NOTHING RETURNING 1
            """)
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    // MARK: delivery reports

    /// What became of a delivery report.
    enum ReportOutcome: Sendable {
        /// Applied, or a repeat of one applied (changes nothing).
        case taken
        /// The message is not recorded as sent yet (its round still sending): to be reported again.
        case early
    }

    /// The gateway's word on a sent message: delivered, or failed at the operator. A report that
    /// arrives before the message's round recorded it `sent` is not applied, and says so (`early`).
    func report(_ id: String, delivered: Bool, reason: String?) async throws -> ReportOutcome {
        let reason = reason.map { String($0.filter { !$0.isNewline }.prefix(200)) }
        return try await database.transaction { connection -> ReportOutcome in
            let rows = try await connection.query("""
                UPDATE messages SET status = \(delivered ? "delivered" : "failed"),
                    delivered_at = CASE WHEN \(delivered) THEN now() END, failed_at = CASE WHEN \(delivered) THEN NULL ELSE now() END,
                    last_error_code = CASE WHEN \(delivered) THEN NULL ELSE 'operator_failed' END,
                    last_error = CASE WHEN \(delivered) THEN NULL ELSE \(reason ?? "the operator could not deliver it") END
                WHERE id = \(id) AND status = 'sent' AND channel = 'sms'
                RETURNING event_id, event_type, household_id, village_code, recipient_kind, attempts
                """, logger: logger)
            for try await (eventId, eventType, household, village, audience, attempts) in rows.decode(
                (String, String, String?, String?, String, Int).self)
            {
                let reference = MessageReference(
                    messageId: id, sourceEventId: eventId, sourceEventType: eventType, householdId: household, regionCode: village,
                    audience: audience, channel: "sms")
                if delivered {
                    try await publisher.publish(MessageDelivered(message: reference, deliveredAt: Date()), on: connection)
                } else {
                    try await publisher.publish(MessageFailed(
                        message: reference, attempts: attempts, reasonCode: "operator_failed",
                        reason: reason ?? "the operator could not deliver it", failedAt: Date()), on: connection)
                }
                return .taken
            }
            // Already reported (a repeated report changes nothing), or not recorded as sent yet.
            let known = try await connection.query("SELECT status FROM messages WHERE id = \(id) AND channel = 'sms'", logger: logger)
            for try await status in known.decode(String.self) { return status == "queued" ? .early : .taken }
            throw NotificationError(.notFound, "没有这条短信")
        }
    }

    // MARK: offices' e-mail

    func setEmail(_ email: String, of office: String, by user: String) async throws {
        try await database.query("""
            INSERT INTO office_emails (office_code, email, updated_by) VALUES (\(office), \(email), \(user))
            ON CONFLICT (office_code) DO UPDATE SET email = EXCLUDED.email, updated_by = EXCLUDED.updated_by, updated_at = now()
            """)
    }

    func removeEmail(of office: String) async throws {
        try await database.query("DELETE FROM office_emails WHERE office_code = \(office)")
    }

    func email(of office: String) async throws -> String? {
        for try await email in try await database.query("SELECT email FROM office_emails WHERE office_code = \(office)").decode(String.self) {
            return email
        }
        return nil
    }
}
