import Foundation

/// A way to reach people (SMS, WeChat, e-mail). The staff inbox is not one: writing the message is
/// delivering it. Each channel says whether a failure is temporary (tried again later) or final.
protocol DeliveryChannel: Sendable {
    /// `sms`, `wechat` or `email`, as stored in `messages.channel`.
    var name: String { get }
    /// Hands the message to the channel; the receipt tells whether the channel already confirmed
    /// delivery or only accepted it.
    func send(_ message: OutgoingMessage) async throws(DeliveryFailure) -> DeliveryReceipt
}

/// A message as a channel sends it.
struct OutgoingMessage: Sendable, Hashable {
    /// Also the idempotency key toward the gateway: a retry of the same message is recognised.
    var id: String
    /// The phone number, openid or e-mail address.
    var address: String
    var title: String
    /// The text as recorded (an SMS with its 【】 signature).
    var body: String
    /// The template's key (WeChat names its template by it).
    var templateKey: String
    /// Which try this is (1 for the first).
    var attempt: Int
}

/// What the channel answered.
struct DeliveryReceipt: Sendable, Hashable {
    /// The gateway's id of the message, when it gives one.
    var reference: String?
    /// Whether the channel confirmed delivery already (otherwise a delivery report may follow).
    var delivered: Bool = false
}

/// A failed send: a stable code, a reason without personal data, and whether trying again may help.
struct DeliveryFailure: Error, Sendable, Hashable, CustomStringConvertible {
    var code: String
    var reason: String
    var temporary: Bool

    static func temporary(_ code: String, _ reason: String) -> DeliveryFailure { DeliveryFailure(code: code, reason: reason, temporary: true) }
    static func permanent(_ code: String, _ reason: String) -> DeliveryFailure { DeliveryFailure(code: code, reason: reason, temporary: false) }

    var description: String { "\(code): \(reason)" }
}

/// SMS wording: the 【signature】 in front, and the text in segments of at most 70 characters (the
/// length of one SMS in Chinese), in order.
enum SMSText {
    static let segmentLength = 70

    static func signed(_ body: String, signature: String) -> String { "【\(signature)】" + body }

    static func segments(_ text: String) -> [String] {
        var segments: [String] = []
        var current = ""
        for character in text {
            if current.count == segmentLength {
                segments.append(current)
                current = ""
            }
            current.append(character)
        }
        if !current.isEmpty { segments.append(current) }
        return segments
    }
}
