"""Who is asking: bearer tokens (the MCP tokens file), login sessions, CSRF tokens for the write actions.

The web layer does not read the tokens file itself: the command that starts it hands over an `Authenticate`
function (token -> `tools.access.Caller`, or None for an unknown token), built from the same TokenTable the MCP
HTTP server uses, so a token means the same identity, write permission and row scope on both surfaces.

- `Authorization: Bearer <token>` on any request (scripts, curl, CSV downloads);
- or the login form: the token is checked once and the browser gets a random session id in an HttpOnly,
  SameSite=Strict cookie (Secure over https). The server keeps session id -> token and looks the token up again
  on every request, so a token removed from the file stops working for its sessions too;
- without a tokens file (loopback only) every request is the local user, read-only.

Writes (anomaly acknowledge/expected) need a caller with write permission, a POST carrying the CSRF token of its
session (HMAC of the session id under a per-process secret) and, when the browser sends one, an Origin header of
this host.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from spendscope.tools.access import Caller
from starlette.requests import Request

Authenticate = Callable[[str], Caller | None]

COOKIE = "spendscope_session"
SESSION_IDLE_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000
LOCAL_READ_ONLY = Caller("local", can_write=False)


@dataclass
class _Session:
    token: str
    last_seen: float


@dataclass(frozen=True)
class Who:
    """The caller of one request and how it proved it (for CSRF: bearer requests carry no cookie to forge)."""

    caller: Caller
    session_id: str | None = None
    bearer: bool = False


class WebAuth:
    """Tokens, sessions and CSRF tokens of one running dashboard."""

    def __init__(self, authenticate: Authenticate | None) -> None:
        self.authenticate = authenticate
        self._secret = secrets.token_bytes(32)
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        return self.authenticate is not None

    def who(self, request: Request) -> Who | None:
        """The caller of `request`, or None when it has no valid token or session."""
        if self.authenticate is None:
            return Who(LOCAL_READ_ONLY)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            caller = self.authenticate(token.strip())
            return Who(caller, bearer=True) if caller is not None else None
        sid = request.cookies.get(COOKIE)
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is None or time.monotonic() - session.last_seen > SESSION_IDLE_SECONDS:
                self._sessions.pop(sid, None)
                return None
            session.last_seen = time.monotonic()
            self._sessions.move_to_end(sid)
            token = session.token
        caller = self.authenticate(token)
        if caller is None:  # the token left the file: the session ends with it
            self.logout(sid)
            return None
        return Who(caller, session_id=sid)

    def login(self, token: str) -> tuple[str, Caller] | None:
        """A new session for a valid token: (session id, caller); None for an unknown token."""
        if self.authenticate is None:
            return None
        caller = self.authenticate(token.strip())
        if caller is None:
            return None
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = _Session(token.strip(), time.monotonic())
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return sid, caller

    def logout(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._sessions.pop(sid, None)

    def csrf_token(self, who: Who) -> str:
        """The token a write form of this session must send back (empty where no forgery is possible)."""
        if who.session_id is None:
            return ""
        return hmac.new(self._secret, who.session_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def csrf_ok(self, who: Who, sent: str | None) -> bool:
        """Whether a write request is the session's own: bearer requests cannot be forged by another site."""
        if who.bearer:
            return True
        expected = self.csrf_token(who)
        return bool(expected) and hmac.compare_digest(expected, sent or "")


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site (Origin, else Sec-Fetch-Site)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        return origin.split("://", 1)[-1].rstrip("/") == host
    if origin == "null":
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
