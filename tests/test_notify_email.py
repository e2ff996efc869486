"""Email reports through a real SMTP server on 127.0.0.1 (aiosmtpd, STARTTLS or TLS, AUTH): one email per owner
holding only that owner's figures, HTML and plain text with the chart inline, each sent once; failures retried,
answers lost in transit handled, credentials only from the environment or the keys file."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from fake_smtp import PASSWORD, USER, FakeSMTP, parts
from notify_support import (  # noqa: F401 - the *_fixture names are pytest fixtures
    AS_OF,
    TEAMS,
    WEEK,
    cli,
    money,
    notify_master_fixture,
    notify_store_fixture,
    team_cost,
)
from spendscope.agents.notify.channels import Channels, Target
from spendscope.agents.notify.config import smtp_config
from spendscope.agents.notify.reports import send_report
from spendscope.data.errors import InvalidArgument
from spendscope.data.settings import Settings
from spendscope.data.store import Store
from spendscope.tools.allocation.showback import ShowbackInput, showback
from spendscope.tools.costs.breakdown import Filter
from spendscope.tools.governance.budgets import BudgetInput, set_budget
from spendscope.tools.reports.content import ReportContent
from spendscope.tools.triage import post_ledger


def _settings(store: Store, smtp: FakeSMTP, tmp_path: Path, **extra: object) -> Settings:
    env = {k.removeprefix("SPENDSCOPE_").lower(): v for k, v in smtp.env().items()}
    return Settings(
        db=store.path,
        keys_file=tmp_path / "none.yaml",
        state_dir=tmp_path / "state",
        **{**env, "delivery_retry_wait": 0, **extra},
    )


def test_a_team_owner_set_to_an_email_receives_the_weekly_showback_with_only_their_teams_figures(
    notify_store: Store, tmp_path: Path
) -> None:
    with FakeSMTP(tmp_path) as smtp:
        args = ("report", "send", "weekly", "--as-of", str(AS_OF), "--db", str(notify_store.path))
        res = cli(*args, "--json", env=smtp.env(), tmp_path=tmp_path)
        assert res.returncode == 0, res.stderr
        run = json.loads(res.stdout)
        sent = {(o["channel"], o["target"]): o for o in run["outcomes"] if o["channel"] == "email"}
        assert {k: o["status"] for k, o in sent.items()} == {
            ("email", "search-leads@example.com"): "sent",
            ("email", "support@example.com"): "sent",
        }
        assert sorted((r.recipients, r.sender) for r in smtp.messages) == [
            (["search-leads@example.com"], USER),
            (["support@example.com"], USER),
        ]
        assert smtp.logins == [USER, USER]

        (msg,) = smtp.to("search-leads@example.com")
        got = parts(msg)
        assert got["multipart"] == ["multipart/alternative", "multipart/related"]
        assert got["image/png"][:8] == b"\x89PNG\r\n\x1a\n" and got["image_disposition"] == "inline"
        assert f'src="cid:{got["image_cid"]}"' in got["text/html"]
        total = team_cost(notify_store, "search", *WEEK)
        before = team_cost(notify_store, "search", WEEK[0] - dt.timedelta(days=7), WEEK[0])
        for body in (got["text/plain"], got["text/html"], str(msg["Subject"])):
            assert money(total) in body
        assert money(before) in got["text/plain"] and money(before) in got["text/html"]
        assert msg["Subject"].startswith("team search: ") and msg["X-Spendscope-Scope"] == "team=search"
        for other in TEAMS:
            if other == "search":
                continue
            other_total = team_cost(notify_store, other, *WEEK)
            for body in (got["text/plain"], got["text/html"]):
                assert f"team {other}" not in body and money(other_total) not in body

        again = cli(*args, "--json", env=smtp.env(), tmp_path=tmp_path)
        assert again.returncode == 0 and len(smtp.messages) == 2
        outcomes = json.loads(again.stdout)["outcomes"]
        assert {o["status"] for o in outcomes if o["channel"] == "email"} == {"already_sent"}

    listed = cli(
        "deliveries",
        "--channel",
        "email",
        "--json",
        "--db",
        str(notify_store.path),
        env={},
        tmp_path=tmp_path,
    )
    rows = json.loads(listed.stdout)["deliveries"]
    assert {(d["target"], d["kind"], d["status"], d["scope"]) for d in rows} == {
        ("search-leads@example.com", "report", "sent", "team=search"),
        ("support@example.com", "report", "sent", "team=support"),
    }
    assert {d["ref"] for d in rows} == {str(m.message["Message-ID"]) for m in smtp.messages}
    assert PASSWORD not in listed.stdout + res.stdout + res.stderr


def test_a_dry_run_lists_the_emails_and_sends_and_records_nothing(
    notify_store: Store, tmp_path: Path
) -> None:
    with FakeSMTP(tmp_path) as smtp:
        res = cli(
            "report",
            "send",
            "monthly",
            "--dry-run",
            "--as-of",
            str(AS_OF),
            "--db",
            str(notify_store.path),
            "--json",
            env=smtp.env(SPENDSCOPE_FINANCE_EMAIL="cfo@example.com"),
            tmp_path=tmp_path,
        )
        assert res.returncode == 0, res.stderr
        run = json.loads(res.stdout)
        assert {(o["target"], o["status"]) for o in run["outcomes"] if o["channel"] == "email"} == {
            ("search-leads@example.com", "would_send"),
            ("support@example.com", "would_send"),
            ("cfo@example.com", "would_send"),
        }
        assert smtp.messages == [] and post_ledger.get_post(notify_store, run["outcomes"][0]["key"]) is None


def test_monthly_sends_each_team_its_showback_row_and_finance_the_whole_month_with_the_chart(
    notify_store: Store, tmp_path: Path
) -> None:
    rows = {r.value: r for r in showback(notify_store, ShowbackInput(month="2026-10")).rows}
    with FakeSMTP(tmp_path) as smtp:
        run = send_report(
            "monthly",
            notify_store,
            Channels(notify_store, _settings(notify_store, smtp, tmp_path, finance_email="cfo@example.com")),
            as_of=AS_OF,
        )
        assert {o.status for o in run.outcomes if o.channel == "email"} == {"sent"}
        (search,) = smtp.to("search-leads@example.com")
        text = parts(search)["text/plain"]
        assert money(float(rows["search"].total)) in text
        assert not [t for t in TEAMS if t != "search" and money(float(rows[t].total)) in text]
        (finance,) = smtp.to("cfo@example.com")
        got = parts(finance)
        assert all(t in got["text/html"] for t in TEAMS) and got["image/png"][:4] == b"\x89PNG"
        assert money(float(sum(r.total for r in rows.values()))) in got["text/plain"]


def test_tls_from_the_start_works_and_an_untrusted_certificate_is_refused_then_sent_once_when_trusted(
    notify_store: Store, tmp_path: Path
) -> None:
    content = ReportContent(kind="weekly", scope="team=search", subject="s", title="t", summary="x")
    target = Target(channel="email", address="search-leads@example.com")
    with FakeSMTP(tmp_path, implicit_tls=True) as smtp:
        untrusted = Channels(
            notify_store, _settings(notify_store, smtp, tmp_path, smtp_security="ssl", smtp_ca_file=None)
        )
        first = untrusted.send(target, "report:test", "report", content)
        assert first.status == "failed" and "SPENDSCOPE_SMTP_CA_FILE" in (first.error or "")
        trusted = Channels(notify_store, _settings(notify_store, smtp, tmp_path, smtp_security="ssl"))
        assert trusted.send(target, "report:test", "report", content).status == "sent"
        assert trusted.send(target, "report:test", "report", content).status == "already_sent"
        assert len(smtp.messages) == 1 and smtp.logins == [USER]


def test_a_refused_email_is_retried_by_the_next_run_and_sent_once(
    notify_store: Store, tmp_path: Path
) -> None:
    with FakeSMTP(tmp_path) as smtp:
        smtp.fail_next = ["451 4.3.0 mailbox busy, try later"]
        channels = Channels(notify_store, _settings(notify_store, smtp, tmp_path, delivery_attempts=1))
        first = send_report("weekly", notify_store, channels, as_of=AS_OF)
        failed = [o for o in first.not_sent]
        assert len(failed) == 1 and "451" in (failed[0].error or "") and len(smtp.messages) == 1
        second = send_report("weekly", notify_store, channels, as_of=AS_OF)
        assert sorted(o.status for o in second.outcomes if o.channel == "email") == ["already_sent", "sent"]
        assert len(smtp.messages) == 2
        assert len({r.recipients[0] for r in smtp.messages}) == 2


def test_a_temporary_smtp_refusal_is_tried_again_in_the_same_run_and_a_permanent_one_is_not(
    notify_store: Store, tmp_path: Path
) -> None:
    content = ReportContent(kind="weekly", scope="team=search", subject="s", title="t", summary="x")
    target = Target(channel="email", address="search-leads@example.com")
    with FakeSMTP(tmp_path) as smtp:
        smtp.fail_next = ["451 4.3.0 mailbox busy, try later", "421 4.3.2 closing, try later"]
        channels = Channels(notify_store, _settings(notify_store, smtp, tmp_path))
        sent = channels.send(target, "report:temp", "report", content)
        assert (sent.status, sent.tries, len(smtp.messages)) == ("sent", 3, 1)
        assert (
            _attempts(notify_store, sent.key) == 0
        )  # failures healed within the run are not failed attempts

        smtp.fail_next = ["554 5.7.1 rejected by policy"]
        refused = channels.send(target, "report:perm", "report", content)
        assert (refused.status, refused.tries, len(smtp.messages)) == ("failed", 1, 1)
        assert "554" in (refused.error or "") and _attempts(notify_store, refused.key) == 1

        smtp.fail_next = ["452 4.2.2 mailbox full"] * 3
        exhausted = channels.send(target, "report:full", "report", content)
        assert (exhausted.status, exhausted.tries) == ("failed", 3) and "452" in (exhausted.error or "")
        assert channels.send(target, "report:full", "report", content).status == "sent"  # the next run


def _attempts(store: Store, key: str) -> int:
    from spendscope.tools.triage.deliveries import DeliveriesInput, list_deliveries

    return next(d.attempts for d in list_deliveries(store, DeliveriesInput()).deliveries if d.key == key)


def test_an_answer_lost_after_the_message_is_in_doubt_held_five_minutes_then_sent_again_with_the_same_message_id(
    notify_store: Store, tmp_path: Path
) -> None:
    content = ReportContent(kind="weekly", scope="team=search", subject="s", title="t", summary="x")
    target = Target(channel="email", address="search-leads@example.com")
    with FakeSMTP(tmp_path) as smtp:
        smtp.drop_after_data = 1
        channels = Channels(notify_store, _settings(notify_store, smtp, tmp_path))
        first = channels.send(target, "report:doubt", "report", content)
        assert first.status == "in_doubt" and len(smtp.messages) == 1  # the server had it
        assert channels.send(target, "report:doubt", "report", content).status == "in_progress"
        listed = _status(notify_store, first.key)
        assert listed == "sending"
        with notify_store.writer() as con:  # five minutes later
            con.execute(
                "UPDATE _slack_posts SET updated_at = updated_at - INTERVAL 6 MINUTE WHERE key = ?",
                [first.key],
            )
        assert _status(notify_store, first.key) == "in_doubt"
        again = channels.send(target, "report:doubt", "report", content)
        assert again.status == "sent" and len(smtp.messages) == 2
        assert smtp.messages[0].message["Message-ID"] == smtp.messages[1].message["Message-ID"]
        assert channels.send(target, "report:doubt", "report", content).status == "already_sent"


def _status(store: Store, key: str) -> str:
    from spendscope.tools.triage.deliveries import DeliveriesInput, list_deliveries

    return next(d.status for d in list_deliveries(store, DeliveriesInput()).deliveries if d.key == key)


def test_budget_alerts_are_emailed_to_the_team_owner_queued_first_and_retried_from_the_ledger(
    notify_store: Store, tmp_path: Path
) -> None:
    set_budget(
        notify_store,
        BudgetInput(name="search team", amount=15000, filters=[Filter(dimension="team", values=["search"])]),
    )
    set_budget(notify_store, BudgetInput(name="All AI", amount=100000, owner="ai-budget@example.com"))
    day = dt.date(2026, 10, 25)
    with FakeSMTP(tmp_path) as smtp:
        smtp.fail_next = ["554 5.7.1 rejected", "554 5.7.1 rejected"]
        channels = Channels(notify_store, _settings(notify_store, smtp, tmp_path))
        first = send_report("budgets", notify_store, channels, as_of=day)
        assert sorted(o.status for o in first.outcomes) == ["failed", "failed"]
        retried = send_report(
            "budgets", notify_store, channels, as_of=day
        )  # no new alerts: the ledger retries
        assert sorted((o.target, o.status) for o in retried.outcomes) == [
            ("ai-budget@example.com", "sent"),
            ("search-leads@example.com", "sent"),
        ]
        (search,) = smtp.to("search-leads@example.com")
        assert "search team" in str(search["Subject"]) and "All AI" not in parts(search)["text/plain"]
        assert send_report("budgets", notify_store, channels, as_of=day).outcomes == []
        assert len(smtp.messages) == 2


def test_smtp_settings_come_from_the_keys_file_and_never_from_the_command_line(
    notify_store: Store, tmp_path: Path
) -> None:
    with FakeSMTP(tmp_path) as smtp:
        keys = tmp_path / "keys.yaml"
        keys.write_text(
            f"smtp_host: 127.0.0.1\nsmtp_port: {smtp.port}\nsmtp_user: {USER}\nsmtp_password: {PASSWORD}\n",
            encoding="utf-8",
        )
        keys.chmod(0o600)
        cfg = smtp_config(Settings(db=notify_store.path, keys_file=keys, smtp_ca_file=smtp.ca_file))
        assert cfg is not None and (cfg.host, cfg.port, cfg.user, cfg.sender) == (
            "127.0.0.1",
            smtp.port,
            USER,
            USER,
        )
        assert cfg.password is not None and cfg.password.get_secret_value() == PASSWORD
    help_text = cli("report", "send", "--help", env={}, tmp_path=tmp_path).stdout
    assert not re.search(r"--(smtp|password|user|host)", help_text)
    with pytest.raises(InvalidArgument) as err:
        smtp_config(
            Settings(
                db=notify_store.path,
                keys_file=keys,
                smtp_host="mail.example.com",
                smtp_security="none",
                smtp_user=USER,
                smtp_password="x" * 12,
            )
        )
    assert err.value.code == "invalid_argument" and "unencrypted" in err.value.message


def test_without_an_smtp_host_email_owners_are_reported_not_configured_and_nothing_is_recorded(
    notify_store: Store, tmp_path: Path
) -> None:
    res = cli(
        "report",
        "send",
        "weekly",
        "--as-of",
        str(AS_OF),
        "--db",
        str(notify_store.path),
        "--json",
        env={},
        tmp_path=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    run = json.loads(res.stdout)
    email = [o for o in run["outcomes"] if o["channel"] == "email"]
    assert {o["status"] for o in email} == {"not_configured"} and len(email) == 2
    assert "SPENDSCOPE_SMTP_HOST" in email[0]["error"]
    assert any("Slack is off" in n for n in run["notes"])
    assert post_ledger.get_post(notify_store, email[0]["key"]) is None
