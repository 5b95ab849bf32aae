import Foundation
import Hummingbird

/// The notification inbox (消息): the official's messages from notification, newest first, with the
/// unread ones marked and a way to mark them read.
extension Console {
    func addInboxRoutes(to router: Router<ConsoleRequestContext>) {
        router.get("inbox") { request, context in
            try await respond(request, context) { signedIn in
                let answer = try await backends.notification.get("/v1/inbox?limit=100", token: signedIn.token)
                let messages = (answer.json["messages"] as? [[String: Any]] ?? []).map { message -> [String: Any] in
                    [
                        "messageId": message["messageId"] as? String ?? "", "title": message["title"] as? String ?? "", "body": message["body"] as? String ?? "",
                        "caseId": message["caseId"] as? String ?? "", "createdAt": Display.time(message["createdAt"]),
                        "unread": !(message["read"] as? Bool ?? false),
                    ]
                }
                return .page(template: "inbox", title: "消息", values: [
                    "messages": messages, "unread": answer.json["unread"] as? Int ?? 0, "hasUnread": (answer.json["unread"] as? Int ?? 0) > 0,
                ])
            }
        }
        router.post("inbox/read-all") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, form: form) { signedIn in
                _ = try await backends.notification.post("/v1/inbox/read-all", json: [:], token: signedIn.token)
                return .redirect("/inbox")
            }
        }
        router.post("inbox/:id/read") { request, context in
            let form = try await FormData.read(request)
            return try await respond(request, context, form: form) { signedIn in
                _ = try await backends.notification.post("/v1/inbox/\(Self.pathSafe(context.parameters.get("id") ?? ""))/read", json: [:], token: signedIn.token)
                return .redirect("/inbox")
            }
        }
    }
}
