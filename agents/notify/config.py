"""Where email and Teams messages go: the SMTP server and the Teams webhook URLs, from the environment
(Settings) first, then the keys file. Credentials are never taken from the command line, and every secret read
here is masked in whatever spendscope prints or logs from then on (data/redaction.py)."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, SecretStr
from spendscope.data.errors import InvalidArgument
from spendscope.data.redaction import remember, warn_if_exposed
from spendscope.data.settings import Settings

DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def keys_file_values(settings: Settings) -> dict[str, Any]:
    """The keys file as a mapping ({} when there is none); warns when others can read it."""
    path = Path(settings.keys_file).expanduser()
    if not path.is_file():
        return {}
    warn_if_exposed(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise InvalidArgument(f"{path}: not valid YAML", file=str(path)) from None
    if not isinstance(doc, dict):
        raise InvalidArgument(f"{path}: expected `key: value` lines at the top level", file=str(path))
    return doc


class SmtpConfig(BaseModel):
    host: str
    port: int
    security: str
    user: str | None
    password: SecretStr | None
    sender: str
    ca_file: Path | None
    timeout: float

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP server to send through, or None when no host is configured (email is off)."""
    keys = keys_file_values(settings)
    host = settings.smtp_host or _text(keys.get("smtp_host"))
    if not host:
        return None
    user = settings.smtp_user or _text(keys.get("smtp_user"))
    password = settings.smtp_password
    if password is None and _text(keys.get("smtp_password")):
        password = SecretStr(_text(keys.get("smtp_password")) or "")
        remember(password.get_secret_value())
    port = settings.smtp_port or _port(keys.get("smtp_port")) or DEFAULT_PORTS[settings.smtp_security]
    sender = settings.smtp_from or _text(keys.get("smtp_from")) or (user if user and "@" in user else None)
    if not sender:
        raise InvalidArgument(
            "email needs a From address: set SPENDSCOPE_SMTP_FROM (e.g. 'spendscope <finops@example.com>')",
            argument="SPENDSCOPE_SMTP_FROM",
        )
    if password is not None and settings.smtp_security == "none" and not is_loopback(host):
        raise InvalidArgument(
            f"SPENDSCOPE_SMTP_SECURITY=none would send the SMTP password to {host} unencrypted; use starttls or "
            "ssl (or a relay on this machine)",
            argument="SPENDSCOPE_SMTP_SECURITY",
        )
    return SmtpConfig(
        host=host,
        port=port,
        security=settings.smtp_security,
        user=user,
        password=password,
        sender=sender,
        ca_file=settings.smtp_ca_file,
        timeout=settings.smtp_timeout,
    )


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _port(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidArgument(
            f"keys file smtp_port {value!r} is not a number", argument="smtp_port"
        ) from None


def teams_webhooks(settings: Settings) -> dict[str, str]:
    """Teams webhook URLs by name: SPENDSCOPE_TEAMS_WEBHOOKS (a JSON object) over the keys file's
    `teams_webhooks:` mapping. Each URL must be https (http only to this machine, for tests and proxies)."""
    found: dict[str, Any] = {}
    keys = keys_file_values(settings).get("teams_webhooks")
    if keys is not None and not isinstance(keys, dict):
        raise InvalidArgument(
            "keys file teams_webhooks: expected a mapping of NAME: URL", argument="teams_webhooks"
        )
    found.update(keys or {})
    if settings.teams_webhooks is not None:
        try:
            env = json.loads(settings.teams_webhooks.get_secret_value())
        except json.JSONDecodeError:
            env = None
        if not isinstance(env, dict):
            raise InvalidArgument(
                'SPENDSCOPE_TEAMS_WEBHOOKS: expected a JSON object {"NAME": "https://..."}',
                argument="SPENDSCOPE_TEAMS_WEBHOOKS",
            )
        found.update(env)
    out: dict[str, str] = {}
    for name, url in found.items():
        url = str(url).strip()
        remember(url)
        parts = urlsplit(url)
        if not (parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or ""))):
            raise InvalidArgument(
                f"Teams webhook {name!r}: the URL must start with https:// (http only to this machine)",
                argument="teams_webhooks",
            )
        out[str(name).strip().lower()] = url
    return out
