#!/usr/bin/env python3
"""The gateways notification talks to, as small real servers for local runs and tests (started by
scripts/infra.sh for `make run`, `make test` and `make bench`):

- an SMS gateway:            POST /sms   (HTTP Basic; Idempotency-Key; JSON messageId, phone, text, segments)
- WeChat template messages:  POST /wechat/cgi-bin/message/template/send?access_token=…
- an SMTP server (aiosmtpd) on its own port, for offices' e-mail.

It records what it received and answers GET /received?channel=&address=&since= with it (newest last;
`since` skips the first that many records); a
repeated Idempotency-Key is answered like the first and recorded as a duplicate. It can be told to
fail: POST /control {"address": "13800000001", "status": 503, "times": 2} fails the next two sends
to that address (times -1: always; status 400: a final refusal; for WeChat an errcode instead:
{"errcode": 43004}); {"reset": true} forgets everything.

usage: gateway.py HTTP_PORT SMTP_PORT [ACCOUNT:SECRET]
"""
import asyncio
import base64
import email
import email.header
import email.policy
import json
import signal
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller

# A parent that blocks or ignores SIGTERM (the Swift test runner does) passes that on: `infra.sh down`
# must still stop this process.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
signal.signal(signal.SIGTERM, signal.SIG_DFL)
http_port, smtp_port = int(sys.argv[1]), int(sys.argv[2])
credentials = sys.argv[3] if len(sys.argv) > 3 else "lifeline:standin-secret"
lock = threading.Lock()
received = []          # every accepted message, in order
references = {}        # Idempotency-Key -> reference
failures = {}          # address -> {"status", "times", "errcode"}


def record(entry):
    with lock:
        entry["sequence"] = len(received) + 1
        received.append(entry)


def failure_for(address):
    """The failure to answer for `address` now, counting it down."""
    with lock:
        rule = failures.get(address)
        if not rule or rule["times"] == 0:
            return None
        if rule["times"] > 0:
            rule["times"] -= 1
        return rule


class Request:
    """One parsed HTTP/1.1 request."""

    def __init__(self, method, target, headers, body):
        self.method, self.headers, self.raw_body = method, headers, body
        self.url = urlparse(target)

    def json(self):
        return json.loads(self.raw_body or b"{}")


def handle_get(request):
    url = request.url
    if url.path == "/health":
        return 200, {"status": "ok"}
    if url.path == "/received":
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        since = int(query.get("since", "0"))
        with lock:
            found = [e for e in received[since:]
                     if all(e.get(k) == v for k, v in query.items() if k in ("channel", "address", "messageId"))]
        return 200, {"received": found}
    return 404, {"code": "not_found"}


def handle_post(request):
    url = request.url
    arrived = time.time()
    try:
        body = request.json()
    except ValueError:
        return 400, {"code": "bad_json"}
    if url.path == "/control":
        with lock:
            if body.get("reset"):
                received.clear(); references.clear(); failures.clear()
            else:
                failures[body["address"]] = {"status": body.get("status", 503), "times": body.get("times", 1),
                                             "errcode": body.get("errcode")}
        return 200, {"ok": True}
    if url.path == "/sms":
        expected = "Basic " + base64.b64encode(credentials.encode()).decode()
        if request.headers.get("authorization") != expected:
            return 401, {"code": "bad_credentials"}
        key = request.headers.get("idempotency-key") or ""
        phone = body.get("phone", "")
        rule = failure_for(phone)
        if rule:
            return rule["status"], {"code": "told_to_fail"}
        with lock:
            duplicate = key in references
            reference = references.setdefault(key, "SMS" + uuid.uuid4().hex[:16])
        record({"channel": "sms", "address": phone, "messageId": body.get("messageId"), "idempotencyKey": key,
                "text": body.get("text"), "segments": body.get("segments"), "duplicate": duplicate,
                "reference": reference, "receivedAt": arrived})
        return 200, {"reference": reference}
    if url.path == "/wechat/cgi-bin/message/template/send":
        openid = body.get("touser", "")
        rule = failure_for(openid)
        if rule:
            if rule.get("errcode") is not None:
                return 200, {"errcode": rule["errcode"], "errmsg": "told to fail"}
            return rule["status"], {"errcode": -1}
        msgid = int(time.time() * 1000)
        record({"channel": "wechat", "address": openid, "messageId": body.get("client_msg_id"),
                "template": body.get("template_id"), "title": body["data"]["first"]["value"],
                "text": body["data"]["remark"]["value"], "accessToken": parse_qs(url.query).get("access_token", [""])[0],
                "duplicate": False, "reference": str(msgid), "receivedAt": arrived})
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": msgid}
    return 404, {"code": "not_found"}


REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}


async def serve_connection(reader, writer):
    """HTTP/1.1 with keep-alive on one event loop: the dispatcher's pooled connections each carry many
    sends, and no thread is started per connection (a threaded server tops out near 350 sends/s)."""
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            body = await reader.readexactly(length) if length else b""
            request = Request(method, target, headers, body)
            status, answer = handle_get(request) if method == "GET" else handle_post(request) if method == "POST" else (405, {})
            data = json.dumps(answer, ensure_ascii=False).encode()
            writer.write((f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\n"
                          "Content-Type: application/json; charset=utf-8\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                return
    except (ConnectionError, ValueError):
        return
    finally:
        writer.close()


class Mailbox:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        rule = failure_for(address)
        if rule:
            return "550 told to refuse" if rule["status"] < 500 else "451 told to defer"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_content() if not message.is_multipart() else ""
        for address in envelope.rcpt_tos:
            record({"channel": "email", "address": address, "from": envelope.mail_from, "subject": str(message["subject"]),
                    "messageId": (message["message-id"] or "").strip("<>").split("@")[0], "text": text.strip(),
                    "duplicate": False, "receivedAt": time.time()})
        return "250 Message accepted"


async def main():
    server = await asyncio.start_server(serve_connection, "127.0.0.1", http_port, backlog=1024)
    print(f"stand-in gateway: http://127.0.0.1:{http_port} (sms, wechat), smtp 127.0.0.1:{smtp_port}", flush=True)
    async with server:
        await server.serve_forever()


controller = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port)
controller.start()
try:
    asyncio.run(main())
finally:
    controller.stop()
