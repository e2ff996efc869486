"""Block Kit messages as whole outputs against golden files (tests/golden/slack_*.json; regenerate on purpose
with UPDATE_GOLDEN=1), built from fixed models so a change in wording or layout is always a decision."""

from __future__ import annotations

import datetime as dt
import json

from fake_slack_api import check_golden
from spendscope.agents.billy import BillyAnswer, Table, ToolCall
from spendscope.agents.delivery import Alert, Destination
from spendscope.slack_app import blocks
from spendscope.tools.governance.alert_actions import AnomalyState

NOW = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
ALERT = Alert(
    key="an-3f2a9c1b:high",
    anomaly_id="an-3f2a9c1b",
    severity="high",
    title="Spike in team=search: +$1,234 (+85%) on 2026-10-14",
    summary="Team search cost $2,686.00 on 2026-10-14, "
    "$1,234.00 above the expected $1,452.00 (+85%). Likely cause: gpt-4.1 traffic from the <reranker> feature.",
    dimension="team",
    value="search",
    start_day=dt.date(2026, 10, 14),
    end_day=dt.date(2026, 10, 14),
    actual=2686.0,
    expected=1452.0,
    impact=1234.0,
    drivers=["model gpt-4.1: +$1,100 (89% of the change)", "feature reranker: +$980"],
    budget_impact=["search team: 92% of $15,000 used in October 2026"],
    recent_changes=["commit 07973b24 (reranker)"],
    top_usage=["feature reranker $1,800", "customer acme $600"],
    destination=Destination(slack_channel="C0SEARCH01", owner_key="team", owner_value="search"),
)


def _state(**kw: object) -> AnomalyState:
    base: dict[str, object] = {"anomaly_id": ALERT.anomaly_id, "status": "open", "status_reason": None}
    return AnomalyState(**{**base, **kw})


def test_an_answer_is_a_headline_a_compact_table_and_a_context_line() -> None:
    answer = BillyAnswer(
        answer="The support team spent the most in October 2026: $47,385.16 (36.35% of $130,374.77). Assumed: "
        "cost = effective cost (amortised); period 2026-10-01 to 2026-10-31.",
        value=47385.16,
        table=Table(
            columns=["team", "cost", "share_pct"],
            rows=[["support", 47385.16, 36.35], ["data-science", 26936.95, 20.66], [None, 4525.36, 3.47]],
        ),
        tools=[ToolCall(name="query_costs", input={"group_by": ["team"]})],
    )
    text, body = blocks.answer_blocks(answer, "Which team spent the most last month?", "U0ALICE001")
    assert text == "The support team spent the most in October 2026: $47,385.16 (36.35% of $130,374.77)."
    check_golden("answer", body)


def test_a_single_figure_answer_has_no_table_and_a_long_table_is_cut_to_fit() -> None:
    one = BillyAnswer(
        answer="We spent $10.00 in October 2026.",
        table=Table(columns=["period", "cost"], rows=[["2026-10", 10.0]]),
    )
    assert [b["type"] for b in blocks.answer_blocks(one, "q")[1]] == ["section", "context"]
    rows = [[f"2026-10-{d:02d}", 1000.0 + d] for d in range(1, 32)]
    text = blocks.table_text(["day", "cost"], rows)
    assert "… and 19 more rows" in text and "$1,001.00" in text and len(text) < 3000


def test_an_open_alert_has_its_facts_and_all_four_controls() -> None:
    text, body = blocks.alert_blocks(ALERT, _state(), NOW)
    assert text == "[high] Spike in team=search: +$1,234 (+85%) on 2026-10-14"
    assert "&lt;reranker&gt;" in json.dumps(body)  # user text is escaped
    check_golden("alert", body)


def test_an_acted_on_alert_shows_who_did_what_and_hides_spent_controls() -> None:
    state = _state(
        status="acknowledged",
        status_action="acknowledge",
        status_actor="slack:U0ALICE001",
        assignee="U0BOB00001",
        assigned_by="slack:U0ALICE001",
        snoozed_until=NOW + dt.timedelta(days=1),
        snoozed_by="slack:U0BOB00001",
    )
    check_golden("alert_acknowledged", blocks.alert_blocks(ALERT, state, NOW)[1])
    closed = _state(status="expected", status_reason="reranker launch week", status_actor="slack:U0ALICE001")
    body = blocks.alert_blocks(ALERT, closed, NOW)[1]
    assert body[-1][
        "type"
    ] == "context" and "Marked expected by <@U0ALICE001>: reranker launch week" in json.dumps(body)
    ended = _state(snoozed_until=NOW - dt.timedelta(minutes=1), snoozed_by="slack:U0BOB00001")
    assert "Snoozed" not in json.dumps(blocks.alert_blocks(ALERT, ended, NOW)[1])


def test_the_expected_dialog_asks_for_a_reason_and_a_pattern() -> None:
    check_golden(
        "expected_modal",
        blocks.expected_modal(ALERT, {"a": ALERT.anomaly_id, "k": ALERT.key, "c": "C1", "ts": "1.2"}),
    )
