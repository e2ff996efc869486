"""Sending one email through the configured SMTP server (stdlib smtplib): STARTTLS (the default, port 587), TLS
from the start (`ssl`, port 465) or plain (`none`, only to a relay on this machine when a password is set); the
server's certificate is always verified (against SPENDSCOPE_SMTP_CA_FILE when set).

The server's `250` after the message's final `.` is the moment the email is sent. An error before the message
body has fully gone out means it was not sent (recorded as failed; the next run sends it again); a lost answer
after it (the connection dropped, a timeout) means it may have been: `InDoubt` (agents/notify/once.py).
Temporary failures are marked `transient=True` (tried again within the run): a 4xx answer (RFC 5321's transient
negative replies: 421 closing, 450/451 busy, 452 storage) and a network error before the body went out.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr

from spendscope.agents.notify.config import SmtpConfig
from spendscope.agents.notify.once import InDoubt
from spendscope.data.errors import SourceError

_END_OF_DATA = b"\r\n.\r\n"
# RFC 5322 allows 998 characters a line; folding a long Subject at 78 puts it on a continuation line, which some
# readers show with a leading space (the bodies are quoted-printable or base64 either way, lines under 78)
_POLICY = SMTP_POLICY.clone(max_line_length=998)


class _Tracking:
    """Mixin: remembers whether the whole message body (ending in CRLF.CRLF) was written to the server."""

    body_sent = False

    def send(self, s: bytes | str) -> None:
        super().send(s)  # type: ignore[misc]
        if isinstance(s, bytes) and s.endswith(_END_OF_DATA):
            self.body_sent = True


class _SMTP(_Tracking, smtplib.SMTP):
    pass


class _SMTPSSL(_Tracking, smtplib.SMTP_SSL):
    pass


def _connect(cfg: SmtpConfig, context: ssl.SSLContext) -> smtplib.SMTP:
    if cfg.security == "ssl":
        return _SMTPSSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
    return _SMTP(cfg.host, cfg.port, timeout=cfg.timeout)


def _where(cfg: SmtpConfig) -> str:
    return f"SMTP server {cfg.host}:{cfg.port}"


def send_email(cfg: SmtpConfig, msg: EmailMessage) -> str:
    """Send `msg` to its To address; returns its Message-ID. Raises SourceError (not sent) or InDoubt."""
    to = parseaddr(str(msg["To"]))[1]
    sender = parseaddr(cfg.sender)[1]
    context = ssl.create_default_context(cafile=str(cfg.ca_file) if cfg.ca_file else None)
    smtp: smtplib.SMTP | None = None
    try:
        smtp = _connect(cfg, context)
        smtp.ehlo()
        if cfg.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise SourceError(
                    f"{_where(cfg)} does not offer STARTTLS; set SPENDSCOPE_SMTP_SECURITY=ssl (port 465) or use a "
                    "server that does",
                    reason="no_starttls",
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if cfg.user and cfg.password is not None:
            smtp.login(cfg.user, cfg.password.get_secret_value())
        smtp.sendmail(sender, [to], msg.as_bytes(policy=_POLICY))
    except SourceError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise SourceError(
            f"{_where(cfg)} refused the login of {cfg.user} ({exc.smtp_code}); check SPENDSCOPE_SMTP_USER and "
            "SPENDSCOPE_SMTP_PASSWORD",
            reason="auth",
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (0, b""))
        raise SourceError(
            f"{_where(cfg)} refused the recipient {to}: {code} {_text(text)}",
            reason="recipient",
            transient=400 <= code < 500,
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise SourceError(
            f"{_where(cfg)} answered {exc.smtp_code} {_text(exc.smtp_error)}",
            reason="refused",
            transient=400 <= exc.smtp_code < 500,
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise SourceError(
            f"{_where(cfg)}: its TLS certificate is not trusted ({exc.verify_message}); set "
            "SPENDSCOPE_SMTP_CA_FILE to the CA that signed it",
            reason="tls",
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        if smtp is not None and getattr(smtp, "body_sent", False):
            raise InDoubt(
                f"{_where(cfg)} had the whole message but its answer was lost ({type(exc).__name__}); it may "
                "have been sent",
                reason="answer_lost",
            ) from None
        what = "timed out" if isinstance(exc, socket.timeout | TimeoutError) else type(exc).__name__
        raise SourceError(
            f"{_where(cfg)} unreachable or dropped the connection: {what}", reason="network", transient=True
        ) from None
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    return str(msg["Message-ID"])


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return " ".join(text.split())[:200]
