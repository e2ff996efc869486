"""Secrets never reach output (issue 19): one redaction helper (data/redaction.py) behind every error message,
every log record, the Slack start-up error and the sync errors; a world-readable keys file is warned about."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from fake_slack_api import FakeSlack, fake_fixture  # noqa: F401 - fake_fixture is the `fake` fixture
from spendscope.data import redaction
from spendscope.data.errors import SourceError, SpendscopeError
from spendscope.data.redaction import exposed_to_others, install_log_redaction, redact, remember
from spendscope.data.settings import Settings, load_settings
from spendscope.data.store import Store


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET http://analyst:hunter2-pass@proxy.internal:8080/v1/costs failed", "hunter2-pass"),
        ("https://token-abcdef123@github.com/org/repo.git", "token-abcdef123"),
        ("https://api.example.com/v1/usage?team=search&api_key=k3y-v4lue-123", "k3y-v4lue-123"),
        ("/mcp?access_token=abcdefgh12345678", "abcdefgh12345678"),
        ("Authorization: Bearer opaque-token-0123456789", "opaque-token-0123456789"),
        ("headers {'authorization': 'Basic dXNlcjpwYXNz'}", "dXNlcjpwYXNz"),
        ("invalid_auth for xoxb-1234-5678-abcdefABCDEF", "xoxb-1234-5678-abcdefABCDEF"),
        ("socket mode xapp-1-A0123-456-abcdef", "xapp-1-A0123-456-abcdef"),
        ("key sk-admin-0123456789abcdefghij rejected", "sk-admin-0123456789abcdefghij"),
        ("key sk-ant-admin01-0123456789abcdefghij rejected", "sk-ant-admin01-0123456789abcdefghij"),
        ("AKIAABCDEFGHIJKLMNOP in the log", "AKIAABCDEFGHIJKLMNOP"),
        ("jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQ", "eyJzdWIiOiJ4In0"),
    ],
)
def test_credentials_in_urls_headers_and_known_token_formats_are_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out and redaction.MASK in out


def test_ordinary_text_is_left_alone() -> None:
    for text in (
        "team=search spent $1,234.56 on claude-sonnet-4-6",
        "https://api.openai.com/v1/organization/costs 2026-10-01..2026-10-31",
        "the key of alert an-3f2a9c1b:high",
        "this server requires a bearer token (Authorization: Bearer <token>)",
        '--header "Authorization: Bearer $SPENDSCOPE_TOKEN"',
    ):
        assert redact(text) == text


def test_configured_secrets_are_masked_wherever_they_appear() -> None:
    remember("a-very-custom-secret-value")
    assert redact("echo: a-very-custom-secret-value!") == "echo: ***!"


def test_load_settings_remembers_every_secret_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPENDSCOPE_SLACK_SIGNING_SECRET", "signing-secret-of-the-test-app")
    load_settings()
    assert "signing-secret" not in redact("signature made with signing-secret-of-the-test-app")


def test_every_spendscope_error_is_redacted_at_construction() -> None:
    exc = SourceError(
        "OpenAI API at http://me:p4ssw0rd-x@10.0.0.1/v1 answered 401", url="http://me:p4ssw0rd-x@h/"
    )
    assert "p4ssw0rd-x" not in exc.message and "p4ssw0rd-x" not in str(exc)
    assert "p4ssw0rd-x" not in str(exc.to_dict())
    assert isinstance(exc, SpendscopeError)


def test_a_sync_error_never_prints_the_credentials_of_its_base_url(store: Store, tmp_path: Path) -> None:
    from spendscope.data.sync_openai import sync_openai

    settings = Settings(
        db=store.path,
        state_dir=tmp_path,
        keys_file=tmp_path / "none.yaml",
        openai_api_url="http://finops:s3cr3t-pw@127.0.0.1:9",
        OPENAI_ADMIN_KEY="sk-admin-0123456789abcdefghij",
    )
    waits: list[float] = []  # the backoff between attempts, recorded instead of slept (~19 s for real)
    with pytest.raises(SourceError) as info:
        sync_openai(
            store, settings, since=dt.date(2026, 10, 1), until=dt.date(2026, 10, 1), sleep=waits.append
        )
    shown = f"{info.value.message} {info.value.to_dict()}"
    assert "s3cr3t-pw" not in shown and "127.0.0.1:9" in shown
    assert (
        len(waits) == 5 and "after 6 attempts" in shown
    )  # the refused connection was retried, then reported


def test_log_records_are_redacted_in_message_arguments_and_tracebacks() -> None:
    install_log_redaction()
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    log = logging.getLogger("spendscope.test.redaction")
    handler = Keep()
    log.addHandler(handler)
    try:
        log.warning("posting with %s to %s", "xoxb-1111-2222-abcdefghij", "http://u:pw-12345@h/")
        try:
            raise RuntimeError("answer echoed Authorization: Bearer opaque-0123456789")
        except RuntimeError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    text = "\n".join(seen)
    assert "xoxb-1111" not in text and "pw-12345" not in text and "opaque-0123456789" not in text
    assert "RuntimeError" in text  # the traceback is kept, only the secret goes


def test_a_keys_file_readable_by_others_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from spendscope.data.syncing import admin_key

    keys = tmp_path / "keys.yaml"
    keys.write_text("openai_admin_key: sk-admin-0123456789abcdefghij\n", encoding="utf-8")
    keys.chmod(0o644)
    settings = Settings(keys_file=keys, OPENAI_ADMIN_KEY=None)
    with caplog.at_level(logging.WARNING, logger="spendscope.security"):
        assert admin_key(settings, "openai") == "sk-admin-0123456789abcdefghij"
    assert any("chmod 600" in r.getMessage() and "everyone" in r.getMessage() for r in caplog.records)
    caplog.clear()
    keys.chmod(0o600)
    assert exposed_to_others(keys) is None
    with caplog.at_level(logging.WARNING, logger="spendscope.security"):
        admin_key(settings, "openai")
    assert not caplog.records


def test_slack_start_up_never_prints_what_an_echoing_api_sent_back(
    fake: FakeSlack, tmp_path: Path, store: Store
) -> None:
    from spendscope.slack_app.app import build_app

    fake.fail["auth.test"] = "invalid_auth; request was Authorization: Bearer xoxb-9999-echoed-token"
    settings = Settings(
        db=store.path,
        state_dir=tmp_path,
        SLACK_BOT_TOKEN="xoxb-9999-echoed-token",
        SLACK_SIGNING_SECRET="0123456789abcdef",
        SLACK_API_URL=fake.url,
        slack_access=None,
    )
    with pytest.raises(SourceError) as info:
        build_app(store, settings)
    assert "xoxb-9999" not in info.value.message and "Authorization" not in info.value.message
    assert "unexpected_response" in info.value.message
