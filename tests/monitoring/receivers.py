"""Receivers of AlertManager's notifications that the alert tests run on loopback: a webhook and an SMTP
server (aiosmtpd), each recording what arrived."""

import json
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.run_env import free_port


class Webhook:
    """Collects AlertManager's notifications: (Authorization header, JSON body)."""

    def __init__(self):
        self.received: list[tuple[str, dict]] = []
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                webhook.received.append((self.headers.get("Authorization", ""), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alert(self, alertname: str, status: str) -> dict | None:
        """The last notified alert of that name and status, with the notification's receiver."""
        for auth, body in reversed(self.received):
            for alert in body["alerts"]:
                if alert["labels"]["alertname"] == alertname and alert["status"] == status:
                    return {**alert, "receiver": body["receiver"], "authorization": auth}
        return None


class Mailbox:
    """A real SMTP server (aiosmtpd) on loopback that requires AUTH (over plain SMTP, as on loopback Go's
    client agrees to) and keeps every message with its envelope and the credentials it came with."""

    def __init__(self, username: str, password: str):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[dict] = []
        self.logins: list[tuple[str, str]] = []
        mailbox = self

        def authenticate(server, session, envelope, mechanism, auth_data):
            login, secret = auth_data.login.decode(), auth_data.password.decode()
            mailbox.logins.append((login, secret))
            return AuthResult(success=(login, secret) == (username, password), auth_data=auth_data)

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                mailbox.messages.append({"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
                                         "content": envelope.content, "login": session.auth_data.login.decode()})
                return "250 OK"

        class LoopbackController(Controller):
            def factory(self):
                with warnings.catch_warnings():  # AUTH without TLS: on loopback, on purpose
                    warnings.simplefilter("ignore", UserWarning)
                    server = super().factory()
                # The LOGIN prompts most servers send; aiosmtpd's own ("User Name\0") make Go's client give up.
                server.AuthLoginUsernameChallenge, server.AuthLoginPasswordChallenge = "Username:", "Password:"
                return server

        self.controller = LoopbackController(Handler(), hostname="127.0.0.1", port=free_port(),
                                             authenticator=authenticate, auth_required=True, auth_require_tls=False)
        self.controller.start()
        self.address = f"127.0.0.1:{self.controller.port}"

    def stop(self):
        self.controller.stop()

    def message(self, subject_part: str) -> dict | None:
        """The first message whose Subject contains subject_part, parsed, with its envelope."""
        from email import message_from_bytes, policy

        for message in self.messages:
            parsed = message_from_bytes(message["content"], policy=policy.default)
            if subject_part in parsed["Subject"]:
                return {**message, "parsed": parsed}
        return None
