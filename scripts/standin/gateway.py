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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


class Gateway(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/health":
            return self.answer(200, {"status": "ok"})
        if url.path == "/received":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            since = int(query.get("since", "0"))
            with lock:
                found = [e for e in received[since:]
                         if all(e.get(k) == v for k, v in query.items() if k in ("channel", "address", "messageId"))]
            return self.answer(200, {"received": found})
        self.answer(404, {"code": "not_found"})

    def do_POST(self):
        url = urlparse(self.path)
        arrived = time.time()
        try:
            body = self.body()
        except ValueError:
            return self.answer(400, {"code": "bad_json"})
        if url.path == "/control":
            with lock:
                if body.get("reset"):
                    received.clear(); references.clear(); failures.clear()
                else:
                    failures[body["address"]] = {"status": body.get("status", 503), "times": body.get("times", 1),
                                                 "errcode": body.get("errcode")}
            return self.answer(200, {"ok": True})
        if url.path == "/sms":
            expected = "Basic " + base64.b64encode(credentials.encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self.answer(401, {"code": "bad_credentials"})
            key = self.headers.get("Idempotency-Key") or ""
            phone = body.get("phone", "")
            rule = failure_for(phone)
            if rule:
                return self.answer(rule["status"], {"code": "told_to_fail"})
            with lock:
                duplicate = key in references
                reference = references.setdefault(key, "SMS" + uuid.uuid4().hex[:16])
            record({"channel": "sms", "address": phone, "messageId": body.get("messageId"), "idempotencyKey": key,
                    "text": body.get("text"), "segments": body.get("segments"), "duplicate": duplicate,
                    "reference": reference, "receivedAt": arrived})
            return self.answer(200, {"reference": reference})
        if url.path == "/wechat/cgi-bin/message/template/send":
            openid = body.get("touser", "")
            rule = failure_for(openid)
            if rule:
                if rule.get("errcode") is not None:
                    return self.answer(200, {"errcode": rule["errcode"], "errmsg": "told to fail"})
                return self.answer(rule["status"], {"errcode": -1})
            msgid = int(time.time() * 1000)
            record({"channel": "wechat", "address": openid, "messageId": body.get("client_msg_id"),
                    "template": body.get("template_id"), "title": body["data"]["first"]["value"],
                    "text": body["data"]["remark"]["value"], "accessToken": parse_qs(url.query).get("access_token", [""])[0],
                    "duplicate": False, "reference": str(msgid), "receivedAt": arrived})
            return self.answer(200, {"errcode": 0, "errmsg": "ok", "msgid": msgid})
        self.answer(404, {"code": "not_found"})


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


controller = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port)
controller.start()
server = ThreadingHTTPServer(("127.0.0.1", http_port), Gateway)
server.daemon_threads = True
print(f"stand-in gateway: http://127.0.0.1:{http_port} (sms, wechat), smtp 127.0.0.1:{smtp_port}", flush=True)
try:
    server.serve_forever()
finally:
    controller.stop()
