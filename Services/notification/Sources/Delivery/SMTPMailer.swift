import Foundation
import NIOCore
import NIOPosix

/// E-mail to offices over SMTP (RFC 5321): one connection per message, EHLO, MAIL FROM, RCPT TO,
/// DATA, QUIT. The text goes as UTF-8 in base64, the subject RFC 2047-encoded. A 4xx reply or a
/// connection problem is temporary; a 5xx reply is final. The relay is the district's own, inside its
/// network (no TLS or authentication here; see docs/notification.md).
struct SMTPMailer: DeliveryChannel {
    let host: String
    let port: Int
    let from: String
    let heloName: String
    var timeout: Duration = .seconds(30)

    var name: String { "email" }

    func send(_ message: OutgoingMessage) async throws(DeliveryFailure) -> DeliveryReceipt {
        let document = Self.document(message, from: from, date: Date())
        do {
            return try await withThrowingTaskGroup(of: DeliveryReceipt.self) { group in
                group.addTask { try await deliver(document, to: message.address) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw DeliveryFailure.temporary("smtp_timeout", "the SMTP server did not finish in time")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch let failure as DeliveryFailure {
            throw failure
        } catch {
            throw .temporary("smtp_unreachable", "the SMTP conversation broke off (\(type(of: error)))")
        }
    }

    private func deliver(_ document: String, to address: String) async throws -> DeliveryReceipt {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplies(inbound.makeAsyncIterator())
            func command(_ line: String, expect: Int) async throws -> String {
                if !line.isEmpty { try await outbound.write(ByteBuffer(string: line + "\r\n")) }
                let (code, text) = try await replies.next()
                guard code == expect else {
                    let reason = "the SMTP server answered \(code) to \(line.split(separator: " ").first ?? "the greeting")"
                    throw code >= 500 ? DeliveryFailure.permanent("smtp_rejected", reason) : DeliveryFailure.temporary("smtp_deferred", reason)
                }
                return text
            }
            _ = try await command("", expect: 220)
            _ = try await command("EHLO \(heloName)", expect: 250)
            _ = try await command("MAIL FROM:<\(from)>", expect: 250)
            _ = try await command("RCPT TO:<\(address)>", expect: 250)
            _ = try await command("DATA", expect: 354)
            let accepted = try await command(document + "\r\n.", expect: 250)
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
            return DeliveryReceipt(reference: String(accepted.prefix(80)))
        }
    }

    /// The message as RFC 5322 text with CRLF line ends; the body in base64 never starts a line with
    /// a dot, so no dot-stuffing is needed.
    static func document(_ message: OutgoingMessage, from: String, date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let body = Data(message.body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let domain = from.split(separator: "@").last.map(String.init) ?? "lifeline"
        return [
            "From: \(encodedWord("防返贫监测帮扶平台")) <\(from)>",
            "To: <\(message.address)>",
            "Subject: \(encodedWord(message.title))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(message.id)@\(domain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "",
            body,
        ].joined(separator: "\r\n")
    }

    static func encodedWord(_ text: String) -> String { "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?=" }
}

/// Reads SMTP replies (`250-…` continuation lines up to `250 …`) from the connection's bytes.
struct SMTPReplies {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var pending: [UInt8] = []

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    mutating func next() async throws -> (code: Int, text: String) {
        var text = ""
        while true {
            let line = try await nextLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw DeliveryFailure.temporary("smtp_protocol", "the SMTP server sent something that is not a reply")
            }
            text += String(line.dropFirst(4)) + " "
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " { return (code, text) }
        }
    }

    private mutating func nextLine() async throws -> String {
        while true {
            if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<end])
                pending.removeSubrange(...end)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard var buffer = try await iterator.next() else {
                throw DeliveryFailure.temporary("smtp_closed", "the SMTP server closed the connection")
            }
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
            if pending.count > 64 * 1024 { throw DeliveryFailure.temporary("smtp_protocol", "the SMTP reply is too long") }
        }
    }
}
