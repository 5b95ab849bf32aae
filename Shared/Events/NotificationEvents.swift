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
