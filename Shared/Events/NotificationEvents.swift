import Foundation

/// Notification recorded a message for a recipient. On `notification.messages`, keyed by household id.
/// Carries no content: recipients read messages through notification's API or their channel.
public struct MessageRecorded: DomainEvent, Hashable {
    public static let eventType = "lifeline.notification.MessageRecorded.v1"
    public static let topic = EventTopic.notificationMessages

    /// The message id.
    public var messageId: String
    /// The household the message is about, when known.
    public var householdId: String?
    /// The village concerned (the key when the household is not known).
    public var villageCode: String
    /// The kind of recipient: `applicant`, `village`, `town`, …
    public var recipientKind: String
    /// The channel: `sms` or `inbox`.
    public var channel: String
    /// When it was recorded.
    public var recordedAt: Date

    public var partitionKey: String { householdId ?? villageCode }
    public var subject: String? { messageId }

    /// Creates the event.
    public init(messageId: String, householdId: String?, villageCode: String, recipientKind: String, channel: String, recordedAt: Date) {
        self.messageId = messageId
        self.householdId = householdId
        self.villageCode = villageCode
        self.recipientKind = recipientKind
        self.channel = channel
        self.recordedAt = recordedAt
    }
}

/// What the three delivery events say about a message; carries no content and no address.
public struct MessageReference: Codable, Sendable, Hashable {
    /// The message id.
    public var messageId: String
    /// The id of the event the message is about (the source event's CloudEvents `id`).
    public var sourceEventId: String
    /// The source event's type, e.g. `lifeline.review.CaseOpened.v1`.
    public var sourceEventType: String
    /// The household the message is about, when there is one.
    public var householdId: String?
    /// The village the message concerns, or the district for a message of no village.
    public var regionCode: String?
    /// Who it is for: `household`, `gridMember`, `village`, `town`, `district`, `insurer`.
    public var audience: String
    /// The channel: `inbox`, `sms`, `wechat` or `email`.
    public var channel: String

    /// Creates the reference.
    public init(
        messageId: String, sourceEventId: String, sourceEventType: String, householdId: String?, regionCode: String?, audience: String,
        channel: String
    ) {
        self.messageId = messageId
        self.sourceEventId = sourceEventId
        self.sourceEventType = sourceEventType
        self.householdId = householdId
        self.regionCode = regionCode
        self.audience = audience
        self.channel = channel
    }

    var partitionKey: String { householdId ?? regionCode ?? messageId }
}

/// A channel accepted a message (the SMS or WeChat gateway answered, the SMTP server took it). On
/// `notification.messages`, keyed by household id (else the region, else the message id).
public struct MessageSent: DomainEvent, Hashable {
    public static let eventType = "lifeline.notification.MessageSent.v1"
    public static let topic = EventTopic.notificationMessages

    /// The message.
    public var message: MessageReference
    /// Which try it was (1 for the first).
    public var attempt: Int
    /// The gateway's own id of the message, when it gives one.
    public var gatewayReference: String?
    /// When the channel accepted it.
    public var sentAt: Date

    public var partitionKey: String { message.partitionKey }
    public var subject: String? { message.messageId }

    /// Creates the event.
    public init(message: MessageReference, attempt: Int, gatewayReference: String?, sentAt: Date) {
        self.message = message
        self.attempt = attempt
        self.gatewayReference = gatewayReference
        self.sentAt = sentAt
    }
}

/// A message reached its reader: written into a staff inbox, or confirmed by the SMS gateway's
/// delivery report. On `notification.messages`, keyed like `MessageSent`.
public struct MessageDelivered: DomainEvent, Hashable {
    public static let eventType = "lifeline.notification.MessageDelivered.v1"
    public static let topic = EventTopic.notificationMessages

    /// The message.
    public var message: MessageReference
    /// When it was delivered.
    public var deliveredAt: Date

    public var partitionKey: String { message.partitionKey }
    public var subject: String? { message.messageId }

    /// Creates the event.
    public init(message: MessageReference, deliveredAt: Date) {
        self.message = message
        self.deliveredAt = deliveredAt
    }
}

/// A message could not be delivered: the channel refused it for good, or every try failed. The
/// message stays recorded with the reason. On `notification.messages`, keyed like `MessageSent`.
public struct MessageFailed: DomainEvent, Hashable {
    public static let eventType = "lifeline.notification.MessageFailed.v1"
    public static let topic = EventTopic.notificationMessages

    /// The message.
    public var message: MessageReference
    /// How many tries were made.
    public var attempts: Int
    /// A stable code: `gateway_rejected`, `gateway_unavailable`, `smtp_rejected`, `stale_event`, …
    public var reasonCode: String
    /// The reason in words (never personal data).
    public var reason: String
    /// When it was given up.
    public var failedAt: Date

    public var partitionKey: String { message.partitionKey }
    public var subject: String? { message.messageId }

    /// Creates the event.
    public init(message: MessageReference, attempts: Int, reasonCode: String, reason: String, failedAt: Date) {
        self.message = message
        self.attempts = attempts
        self.reasonCode = reasonCode
        self.reason = reason
        self.failedAt = failedAt
    }
}
