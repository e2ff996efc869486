"""Secrets out of everything spendscope prints, logs or returns: one helper, used everywhere.

`redact(text)` removes
- credentials in URLs (`https://user:pass@host` -> `https://***@host`) and secret-looking query parameters
  (`?token=...`, `api_key=`, `X-Amz-Signature=`, ...);
- bearer/basic credentials (`Authorization: Bearer ...`) and well-known token formats: Slack (`xoxb-`, `xapp-`),
  OpenAI and Anthropic (`sk-...`), GitHub (`ghp_...`), AWS access key ids, JWTs;
- every secret value the running process was configured with (`remember`, called by
  `data.settings.load_settings` for each SecretStr setting and by the MCP token table for its tokens).

Where it applies: every SpendscopeError message and detail (data/errors.py), every log record once
`install_log_redaction()` ran (load_settings does it; uvicorn access lines also lose their query strings), and the
error texts the Slack app shows. See docs/security.md.
"""

from __future__ import annotations

import logging
import re
import stat
import threading
from pathlib import Path
from typing import Any

MASK = "***"
_MIN_SECRET = 8  # shorter configured values are not scrubbed one by one (they would mask ordinary words)

_URL_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<userinfo>[^/\s@?#]+)@")
_SECRET_PARAMS = (
    r"access_token|refresh_token|id_token|token|api[_-]?key|apikey|key|secret|client_secret|password|passwd|pwd|"
    r"signature|sig|auth|authorization|code|x-amz-signature|x-amz-credential|x-amz-security-token|sas|sv"
)
_QUERY_SECRET = re.compile(rf"(?P<head>[?&;](?:{_SECRET_PARAMS})=)[^&;#\s\"'<>]+", re.IGNORECASE)
_AUTH_HEADER = re.compile(
    r"(?P<head>\b(?:authorization|proxy-authorization|x-api-key|api-key|x-slack-signature)\b[\"']?\s*[:=]\s*[\"']?)"
    # the scheme word and its credentials, or a bare credential; `<token>` and `$TOKEN` are placeholders, kept
    r"(?:(?:bearer|basic|token|digest)\s+(?![<$])[^\s\"',;)]+|(?!(?:bearer|basic|token|digest)\s)(?![<$])[^\s\"',;)]+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(?P<head>bearer\s+)[A-Za-z0-9._~+/=\-]{8,}", re.IGNORECASE)
_TOKEN_FORMATS = re.compile(
    r"\b(?:"
    r"xox[abposre]-[A-Za-z0-9\-]{6,}"  # Slack bot/user/... tokens
    r"|xapp-[A-Za-z0-9\-]{6,}"  # Slack app-level tokens
    r"|sk-(?:ant-|proj-|admin-|svcacct-)?[A-Za-z0-9_\-]{16,}"  # OpenAI, Anthropic
    r"|gh[pousr]_[A-Za-z0-9]{20,}"  # GitHub
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"  # AWS access key ids
    r"|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"  # JWTs
    r")"
)

_known: set[str] = set()
_known_lock = threading.Lock()
_installed = False


def remember(*values: str | None) -> None:
    """Scrub these exact values from now on (API keys, bot tokens, signing secrets, bearer tokens)."""
    with _known_lock:
        for value in values:
            if value and len(value.strip()) >= _MIN_SECRET:
                _known.add(value.strip())


def redact(text: str) -> str:
    """`text` without credentials: see the module docstring for what is removed."""
    if not text:
        return text
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _QUERY_SECRET.sub(lambda m: f"{m['head']}{MASK}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m['head']}{MASK}", text)
    text = _BEARER.sub(lambda m: f"{m['head']}{MASK}", text)
    return _TOKEN_FORMATS.sub(MASK, text)


def redact_value(value: Any) -> Any:
    """A detail value with its text redacted (strings, and strings inside lists and dicts)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value


def without_query(path: str) -> str:
    """A request path as it may be logged: the query string is dropped (it may carry a token)."""
    head, sep, _ = path.partition("?")
    return f"{head}?{MASK}" if sep else head


# --------------------------------------------------------------------------------------------------- logging


def _redacted_arg(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def _scrub(record: logging.LogRecord) -> None:
    if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
        client, method, path, version, status = record.args
        record.args = (client, method, redact(without_query(str(path))), version, status)
    elif isinstance(record.args, dict):
        record.args = {k: _redacted_arg(v) for k, v in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_redacted_arg(a) for a in record.args)
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    elif record.msg is not None:
        record.msg = redact(str(record.msg))
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_log_redaction() -> None:
    """Redact every log record this process creates, whatever logger or handler (idempotent)."""
    global _installed
    with _known_lock:
        if _installed:
            return
        _installed = True
    factory = logging.getLogRecordFactory()

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            _scrub(record)
        except Exception:  # noqa: BLE001 - a record that cannot be scrubbed is replaced, never dropped
            record.msg, record.args, record.exc_info, record.exc_text = (
                "(log message withheld)",
                (),
                None,
                None,
            )
        return record

    logging.setLogRecordFactory(make)


# ------------------------------------------------------------------------------------------------ key files


def exposed_to_others(path: Path) -> str | None:
    """Why the secrets file `path` is readable by other users (None: only its owner can read it, or it is
    absent, or the platform has no POSIX modes)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not (mode & (stat.S_IRWXG | stat.S_IRWXO)):
        return None
    who = "everyone" if mode & stat.S_IROTH else "its group"
    return f"{path} holds secrets and can be read by {who} (mode {stat.S_IMODE(mode):04o}); run `chmod 600 {path}`"


def warn_if_exposed(path: Path, logger: logging.Logger | None = None) -> str | None:
    """Log a warning when the secrets file `path` is readable by others; returns the warning."""
    problem = exposed_to_others(Path(path).expanduser())
    if problem is not None:
        (logger or logging.getLogger("spendscope.security")).warning("%s", problem)
    return problem
