import Foundation

/// SMS through the operator's HTTP gateway (docs/notification.md, "SMS gateway"): `POST <url>` with
/// HTTP Basic credentials, an `Idempotency-Key` per message so a retry is never sent twice, and the
/// text with its signature and its 70-character segments. The gateway answers with its reference; a
/// delivery report may follow at `POST /v1/delivery-reports`.
struct SMSGateway: DeliveryChannel {
    let url: String
    let account: String
    let secret: String
    let http: GatewayHTTP

    var name: String { "sms" }

    func send(_ message: OutgoingMessage) async throws(DeliveryFailure) -> DeliveryReceipt {
        let credentials = Data("\(account):\(secret)".utf8).base64EncodedString()
        let answer = try await http.post(
            url,
            json: ["messageId": message.id, "phone": message.address, "text": message.body, "segments": SMSText.segments(message.body)],
            headers: [("Authorization", "Basic \(credentials)"), ("Idempotency-Key", message.id)])
        return DeliveryReceipt(reference: answer.json?["reference"] as? String)
    }
}

/// WeChat template messages through the official account's HTTP API (`POST
/// <url>?access_token=…`), for households that follow the account: errcode 0 is accepted; -1 (busy),
/// 45009 (over the daily limit), 40001 and 42001 (the access token expired) are temporary; anything
/// else (43004: no longer following) final.
struct WeChatGateway: DeliveryChannel {
    let url: String
    let accessToken: String
    let http: GatewayHTTP

    var name: String { "wechat" }

    func send(_ message: OutgoingMessage) async throws(DeliveryFailure) -> DeliveryReceipt {
        let separator = url.contains("?") ? "&" : "?"
        let token = accessToken.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let answer = try await http.post(
            url + separator + "access_token=" + token,
            json: [
                "touser": message.address, "template_id": message.templateKey, "client_msg_id": message.id,
                "data": ["first": ["value": message.title], "remark": ["value": message.body]],
            ],
            headers: [("Idempotency-Key", message.id)])
        let code = answer.json?["errcode"] as? Int ?? -1
        switch code {
        case 0: return DeliveryReceipt(reference: (answer.json?["msgid"]).map { "\($0)" })
        // Busy, over the daily limit, or the access token expired or was replaced (the operator renews it).
        case -1, 45009, 40001, 42001: throw .temporary("wechat_busy", "WeChat answered errcode \(code)")
        default: throw .permanent("wechat_rejected", "WeChat refused the message: errcode \(code)")
        }
    }
}
