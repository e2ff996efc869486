"""Declared settings: every field has a default and a help text.

Read from the environment (prefix SPENDSCOPE_) only at entry points, then passed down.
The README's configuration table is checked against this class by a test.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator

ENV_PREFIX = "SPENDSCOPE_"


def _home() -> Path:
    return Path.home() / ".spendscope"


class EnvModel(BaseModel):
    """A model whose fields not given are read from the environment: `SPENDSCOPE_<FIELD>` (any letter case), or
    the names of a field's `validation_alias=AliasChoices(...)`, the first one set winning. Values are the
    environment's text, validated like any other input (so `SPENDSCOPE_LOCK_TIMEOUT=abc` is an error naming the
    field). What pydantic-settings did for this class, without its 80 ms of imports at every command's start."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**_from_environment(type(self)), **values})


def _env_names(name: str, alias: object) -> list[str]:
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str)]
    if isinstance(alias, str):
        return [alias]
    return [ENV_PREFIX + name]


def _from_environment(model: type[BaseModel]) -> dict[str, str]:
    env = {k.lower(): v for k, v in os.environ.items()}
    out: dict[str, str] = {}
    for name, field in model.model_fields.items():
        for env_name in _env_names(name, field.validation_alias):
            if env_name.lower() in env:
                out[name] = env[env_name.lower()]
                break
    return out


class Settings(EnvModel):
    db: str = Field(
        default_factory=lambda: str(_home() / "spendscope.duckdb"),
        description="The cost store: a DuckDB file path, or clickhouse://user:password@host:8123/database, "
        "clickhouses://... (TLS) or chdb:PATH (docs/clickhouse.md). `--db` on any command overrides it.",
    )
    demo_db: str = Field(
        default_factory=lambda: str(_home() / "demo.duckdb"),
        description="Store that `spendscope demo` writes when no `--db` is given.",
    )
    prices_file: Path = Field(
        default_factory=lambda: _home() / "prices.yaml",
        description="Local price overrides (negotiated rates, models the bundled catalog lacks).",
    )
    lock_timeout: float = Field(
        default=30.0,
        description="Seconds a command waits for another process's write to finish before giving up.",
    )
    keep_warm: float = Field(
        default=2.0,
        ge=0,
        description="Seconds a server (mcp, slack, web) keeps a store's DuckDB instance open after its last read, "
        "so the next request skips DuckDB's 20-35 ms start; another process's import waits at most this much "
        "longer. 0 turns it off.",
    )
    anthropic_model: str = Field(
        default="claude-sonnet-4-6",
        description="Claude model the agents use when ANTHROPIC_API_KEY is set.",
    )
    state_dir: Path = Field(
        default_factory=_home,
        description="Folder for agent checkpoints, spool files and sync state.",
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "SPENDSCOPE_ANTHROPIC_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"
        ),
        description="Claude API key (also ANTHROPIC_API_KEY): with it the agents use Claude, without it they answer "
        "deterministically.",
    )
    anthropic_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SPENDSCOPE_ANTHROPIC_BASE_URL", "ANTHROPIC_BASE_URL"),
        description="Base URL of the Messages API (also ANTHROPIC_BASE_URL), for proxies and tests.",
    )
    openai_admin_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SPENDSCOPE_OPENAI_ADMIN_KEY", "OPENAI_ADMIN_KEY"),
        description="OpenAI admin key for `spendscope sync openai` (also read as OPENAI_ADMIN_KEY or from keys_file).",
    )
    anthropic_admin_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SPENDSCOPE_ANTHROPIC_ADMIN_KEY", "ANTHROPIC_ADMIN_KEY"),
        description="Anthropic admin key for `spendscope sync anthropic` (also ANTHROPIC_ADMIN_KEY or keys_file).",
    )
    keys_file: Path = Field(
        default_factory=lambda: _home() / "keys.yaml",
        description="YAML file with `openai_admin_key:` / `anthropic_admin_key:` / `cursor_admin_key:` / `github_token:`, "
        "`smtp_*:` and `teams_webhooks:`, used when the environment has none.",
    )
    openai_api_url: str = Field(
        default="https://api.openai.com", description="Base URL of the OpenAI API (syncs)."
    )
    anthropic_api_url: str = Field(
        default="https://api.anthropic.com", description="Base URL of the Anthropic API (syncs)."
    )
    sync_lookback_days: int = Field(
        default=3,
        description="Days before the last synced day that each provider sync re-reads for late data.",
    )
    sync_initial_days: int = Field(
        default=30, description="Days of history the first sync of a provider pulls."
    )
    cursor_admin_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SPENDSCOPE_CURSOR_ADMIN_KEY", "CURSOR_ADMIN_KEY"),
        description="Cursor Admin API key for `spendscope sync cursor` (also CURSOR_ADMIN_KEY or keys_file).",
    )
    cursor_api_url: str = Field(
        default="https://api.cursor.com", description="Base URL of the Cursor Admin API."
    )
    cursor_seat_price: Decimal = Field(
        default=Decimal("40"),
        description="Monthly price of a Cursor seat in USD (Teams list price; set your contract's), for seat fees.",
    )
    cursor_plan: str = Field(default="teams", description="Cursor plan name recorded on seat rows.")
    github_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SPENDSCOPE_GITHUB_TOKEN", "GITHUB_TOKEN"),
        description="GitHub token (manage_billing:copilot, read:org) for `spendscope sync github-copilot` (also "
        "GITHUB_TOKEN or keys_file `github_token:`).",
    )
    github_org: str | None = Field(
        default=None, description="GitHub organization whose Copilot seats and usage to sync."
    )
    github_api_url: str = Field(
        default="https://api.github.com", description="Base URL of the GitHub REST API."
    )
    copilot_seat_prices: str = Field(
        default="business=19,enterprise=39",
        description="Monthly Copilot seat prices in USD per plan_type (list prices; set your contract's).",
    )
    claude_code_seat_price: Decimal | None = Field(
        default=None,
        description="Monthly price of a Claude Code seat in USD; when set, every organization member is a seat "
        "(Admin API users); unset: no seat fees.",
    )
    claude_code_api_costs: Literal["none", "estimate"] = Field(
        default="none",
        description="API-billed Claude Code usage: `none` (its cost is in the Anthropic cost report; tokens and "
        "activity only) or `estimate` (the analytics estimate as cost).",
    )
    mcp_tokens: Path | None = Field(
        default=None,
        description="Bearer tokens file (YAML) for `spendscope mcp --http`; `--tokens FILE` overrides it.",
    )
    triage_default_channel: str | None = Field(
        default=None,
        description="Where the triage router sends anomalies nobody owns (#channel or channel id); unset: they "
        "go out flagged 'unowned'.",
    )
    slack_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SPENDSCOPE_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        description="Slack bot token xoxb-... (also SLACK_BOT_TOKEN) for `spendscope slack`.",
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SPENDSCOPE_SLACK_APP_TOKEN", "SLACK_APP_TOKEN"),
        description="Slack app-level token xapp-... (also SLACK_APP_TOKEN) for Socket Mode.",
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SPENDSCOPE_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"),
        description="Slack signing secret (also SLACK_SIGNING_SECRET): verifies requests in `spendscope slack --http`.",
    )
    slack_api_url: str = Field(
        default="https://slack.com/api/",
        validation_alias=AliasChoices("SPENDSCOPE_SLACK_API_URL", "SLACK_API_URL"),
        description="Base URL of the Slack Web API (also SLACK_API_URL), for proxies and tests.",
    )
    slack_access: Path | None = Field(
        default=None,
        description="Slack access file (YAML): which users and channels see which costs, admins, finance channel "
        "(docs/slack.md); unset: everyone sees all costs.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for email reports and alerts (also keys_file `smtp_host:`); unset: no email "
        "(docs/notifications.md).",
    )
    smtp_port: int | None = Field(
        default=None,
        description="SMTP port (also keys_file `smtp_port:`); unset: 587 with starttls, 465 with ssl, 25 with none.",
    )
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls",
        description="SMTP transport security: `starttls` (upgrade after connecting), `ssl` (TLS from the start, "
        "port 465) or `none` (only to a relay on this machine).",
    )
    smtp_user: str | None = Field(
        default=None, description="SMTP login (also keys_file `smtp_user:`); unset: no AUTH."
    )
    smtp_password: SecretStr | None = Field(
        default=None,
        description="SMTP password (also keys_file `smtp_password:`); never taken from the command line.",
    )
    smtp_from: str | None = Field(
        default=None,
        description="From address of spendscope's email (e.g. `spendscope <finops@example.com>`); unset: the SMTP "
        "user when it is an address.",
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA that signed the SMTP server's certificate, when it is not a public CA.",
    )
    smtp_timeout: float = Field(default=30.0, description="Seconds to wait for the SMTP server.")
    teams_webhooks: SecretStr | None = Field(
        default=None,
        description='Microsoft Teams webhook URLs by name, as JSON `{"finops": "https://..."}` (also keys_file '
        "`teams_webhooks:`); owners name one with `--teams-webhook NAME`.",
    )
    finance_email: str | None = Field(
        default=None,
        description="Email address for the monthly finance summary and for budget alerts and anomalies no owner "
        "takes.",
    )
    finance_teams_webhook: str | None = Field(
        default=None,
        description="Teams webhook name for the monthly finance summary and for budget alerts and anomalies no "
        "owner takes.",
    )
    delivery_attempts: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Tries per email or Teams message within one run when the server answers with a temporary "
        "failure (SMTP 4xx, HTTP 429/5xx, connection refused); what still fails is sent by the next run.",
    )
    delivery_retry_wait: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="Seconds before the second try of an email or Teams message, doubled for each later try "
        "(capped at 30; a Teams Retry-After within that cap wins).",
    )

    @field_validator("db", "demo_db", mode="before")
    @classmethod
    def _store_location(cls, value: object) -> object:
        """A store is a path or a URL (clickhouse://, chdb:): kept as text so a URL's `//` survives."""
        return str(value) if isinstance(value, Path) else value


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; explicit overrides (CLI flags) win. The secrets among them are
    masked in everything the process prints or logs from here on (data/redaction.py)."""
    from spendscope.data import redaction

    clean = {k: v for k, v in overrides.items() if v is not None}
    settings = Settings(**clean)
    values = (getattr(settings, name) for name in type(settings).model_fields)
    redaction.remember(*(v.get_secret_value() for v in values if isinstance(v, SecretStr)))
    redaction.install_log_redaction()
    return settings
