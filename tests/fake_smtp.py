"""A real SMTP server on 127.0.0.1 for the email tests (aiosmtpd): STARTTLS or TLS from the start with a
certificate from a test CA (trustme), AUTH LOGIN/PLAIN with one user, and every accepted message kept (envelope
and parsed MIME). `fail_next` makes the server refuse the next DATA with a code; `drop_after_data` makes it drop
the connection after the message body, before its answer (an answer lost in transit)."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "reports@example.com", "smtp-test-password-42"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeSMTP:
    def __init__(self, tmp_path: Path, *, implicit_tls: bool = False) -> None:
        self.messages: list[Received] = []
        self.fail_next: list[str] = []
        self.drop_after_data = 0
        self.logins: list[str] = []
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = tmp_path / "smtp-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(server_ctx)
        self.port = _free_port()
        fake = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                if fake.drop_after_data:
                    fake.drop_after_data -= 1
                    fake._keep(envelope)  # the server has the message, the client never hears so
                    server.transport.abort()
                    return "250 OK"
                if fake.fail_next:
                    return fake.fail_next.pop(0)
                fake._keep(envelope)
                return "250 Message accepted for delivery"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
                USER.encode(),
                PASSWORD.encode(),
            )
            if ok:
                fake.logins.append(USER)
            return AuthResult(success=ok)

        kwargs: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
        if implicit_tls:  # aiosmtpd counts only STARTTLS as TLS for AUTH; this socket is TLS from the start
            kwargs.update(ssl_context=server_ctx, auth_require_tls=False, auth_required=False)
        else:
            kwargs.update(tls_context=server_ctx, require_starttls=True)
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)

    def _keep(self, envelope: Any) -> None:
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]

    def __enter__(self) -> FakeSMTP:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.messages if address in r.recipients]

    def env(self, **extra: str) -> dict[str, str]:
        """The environment a spendscope process needs to send through this server."""
        return {
            "SPENDSCOPE_SMTP_HOST": "127.0.0.1",
            "SPENDSCOPE_SMTP_PORT": str(self.port),
            "SPENDSCOPE_SMTP_USER": USER,
            "SPENDSCOPE_SMTP_PASSWORD": PASSWORD,
            "SPENDSCOPE_SMTP_CA_FILE": str(self.ca_file),
            "SPENDSCOPE_SMTP_FROM": f"spendscope <{USER}>",
            **extra,
        }


def parts(msg: EmailMessage) -> dict[str, Any]:
    """The MIME parts by content type: text/plain and text/html as text, image/png as bytes with its headers."""
    out: dict[str, Any] = {}
    for part in msg.walk():
        kind = part.get_content_type()
        if kind.startswith("multipart/"):
            out.setdefault("multipart", []).append(kind)
        elif kind == "image/png":
            out["image/png"] = part.get_content()
            out["image_cid"] = str(part["Content-ID"]).strip("<>")
            out["image_disposition"] = part.get_content_disposition()
        else:
            out[kind] = part.get_content()
    return out
