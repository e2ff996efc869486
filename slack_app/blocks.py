"""Block Kit for answers, errors and anomaly alerts. Pure functions from models to (fallback text, blocks):
no Slack calls, no store access, so every message can be compared with a golden file.

Slack limits kept here: a section's text at most 3000 characters, a header 150, a context 10 elements, 50
blocks per message, a block_id 255 characters.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from spendscope.agents.delivery import Alert
from spendscope.tools import money_text

Blocks = list[dict[str, Any]]

MAX_TABLE_ROWS = 12
MAX_CELL = 36
SEVERITY_EMOJI = {
    "low": ":large_blue_circle:",
    "medium": ":large_yellow_circle:",
    "high": ":large_orange_circle:",
    "critical": ":red_circle:",
}
SNOOZE_CHOICES = (("4 hours", "4"), ("1 day", "24"), ("3 days", "72"), ("1 week", "168"))
EXPECT_PATTERNS = (
    ("similar", "Similar changes for 30 days"),
    ("once", "Only this one"),
    ("weekly", "The same every week"),
    ("monthly", "The same every month"),
)
ACTION_PREFIX = "alert"


# ---------------------------------------------------------------------------------------------- text pieces


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Text safe inside mrkdwn (Slack's three control characters)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def money(value: float | int | None, signed: bool = False) -> str:
    """An amount in the billing currency (tools.money_text); empty for no value."""
    return "" if value is None else money_text.money(value, signed=signed, digits=2)


def percent(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "n/a"
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def who(actor: str | None) -> str:
    """An actor or assignee as Slack shows it: slack:U123 / U123 -> a mention, C123 -> a channel link."""
    if not actor:
        return "someone"
    a = actor.removeprefix("slack:")
    if a[:1] in ("U", "W") and a[1:].isalnum() and a[1:].isupper():
        return f"<@{a}>"
    if a[:1] in ("C", "G") and a[1:].isalnum() and a[1:].isupper():
        return f"<#{a}>"
    return escape(a)


def when(ts: dt.datetime) -> str:
    """A time every reader sees in their own time zone (Slack date formatting), UTC as the fallback."""
    fallback = ts.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(ts.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}}


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(t, 3000)} for t in texts[:10]]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150), "emoji": True}}


def _is_money(column: str) -> bool:
    low = column.lower()
    return any(k in low for k in ("cost", "spend", "amount", "price", "impact", "saving", "budget", "usd"))


def _is_pct(column: str) -> bool:
    low = column.lower()
    return "pct" in low or "percent" in low or low.startswith("share")


def cell(value: Any, column: str, money_row: bool = False) -> str:
    """One table cell: money in money columns (or in a row whose measure is money), percentages, counts."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if _is_pct(column):
            return f"{float(value):.2f}%"
        if _is_money(column) or money_row:
            return money(value)
        if isinstance(value, int) or float(value).is_integer():
            return f"{int(value):,}"
        return f"{float(value):,.4f}".rstrip("0").rstrip(".")
    return clip(str(value), MAX_CELL)


def table_text(columns: Sequence[str], rows: Sequence[Sequence[Any]], max_rows: int = MAX_TABLE_ROWS) -> str:
    """A compact monospace table (a code block), numbers right-aligned; at most `max_rows` rows."""
    measure = columns.index("measure") if "measure" in columns else None
    numeric = [
        all(isinstance(r[i], int | float) or r[i] is None for r in rows[:max_rows] if i < len(r))
        for i in range(len(columns))
    ]
    shown = []
    for r in rows[:max_rows]:
        money_row = measure is not None and measure < len(r) and _is_money(str(r[measure]))
        shown.append(
            [
                ("(none)" if v is None and not numeric[i] else cell(v, c, money_row))
                for i, (v, c) in enumerate(zip(r, columns, strict=False))
            ]
        )
    heads = [c.replace("_", " ") for c in columns]
    widths = [max([len(heads[i])] + [len(r[i]) for r in shown if i < len(r)]) for i in range(len(columns))]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i]) for i, v in enumerate(values)]
        return "  ".join(parts).rstrip()

    out = [line(heads)] + [line(r + [""] * (len(columns) - len(r))) for r in shown]
    if len(rows) > max_rows:
        out.append(f"… and {len(rows) - max_rows} more rows")
    text = "\n".join(out)
    while len(text) > 2990 and len(out) > 2:  # a section holds 3000 characters
        out.pop(-1 if not out[-1].startswith("…") else -2)
        text = "\n".join(out)
    return f"```\n{text}\n```"


# ---------------------------------------------------------------------------------------------- answers


def split_answer(answer: str) -> tuple[str, str | None]:
    """Billy's sentence without its trailing 'Assumed: ...' note, and the note."""
    head, sep, note = answer.partition(" Assumed: ")
    return head.strip(), (note.strip().rstrip(".") if sep else None)


def answer_blocks(answer: Any, question: str, asker: str | None = None) -> tuple[str, Blocks]:
    """Billy's answer: the headline sentence, a compact table, and a context line (assumptions, who asked, how)."""
    headline, note = split_answer(answer.answer)
    blocks: Blocks = [section(escape(headline))]
    table = answer.table
    if table.columns and table.rows and not (len(table.rows) == 1 and len(table.columns) <= 2):
        blocks.append(section(table_text(table.columns, table.rows)))
    facts = []
    if note:
        facts.append(f"Assumed: {escape(note)}")
    how = "answered with Claude" if answer.llm else "answered without an LLM"
    tools = sorted({t.name for t in answer.tools})
    asked = f"<@{asker}> asked: _{escape(clip(question, 300))}_ · " if asker else ""
    facts.append(asked + how + (f" · {', '.join(tools)}" if tools else ""))
    blocks.append(context(*facts))
    choices = list(getattr(answer, "choices", None) or [])
    if len(choices) > 1:
        blocks.append(clarify_block(choices))
    return headline, blocks


CLARIFY_ACTION = "billy_clarify"


def clarify_block(choices: Sequence[str]) -> dict[str, Any]:
    """One short question back: "Did you mean ...?" with one button per reading (the first is the one answered);
    pressing one asks that reading in the thread (slack_app/clarify.py)."""
    return {
        "type": "actions",
        "block_id": "billy_clarify",
        "elements": [
            {
                "type": "button",
                "action_id": f"{CLARIFY_ACTION}_{i}",
                "text": {
                    "type": "plain_text",
                    "text": clip(("Answered: " if i == 0 else "Did you mean: ") + c, 75),
                },
                "value": clip(c, 2000),
            }
            for i, c in enumerate(choices[:3])
        ],
    }


def error_blocks(message: str, ref: str | None = None) -> tuple[str, Blocks]:
    text = f"Sorry, I couldn't answer that: {message}"
    blocks: Blocks = [section(f":warning: {escape(text)}")]
    if ref:
        blocks.append(context(f"reference `{ref}` (the app's log has the details)"))
    return text, blocks


def refusal_blocks(reason: str) -> tuple[str, Blocks]:
    text = f"Sorry, I can't answer that here: {reason}."
    return text, [section(f":lock: {escape(text)}")]


def help_blocks(examples: Sequence[str]) -> tuple[str, Blocks]:
    text = "Ask me about your cloud and AI spend in plain English."
    lines = "\n".join(f"• `/spend {escape(e)}`" for e in examples)
    return text, [
        section(f"{text} For example:\n{lines}"),
        context("Mention me in a channel or message me directly; follow-ups in the thread keep context."),
    ]


# ---------------------------------------------------------------------------------------------- alerts


def _bullets(title: str, items: Sequence[str], limit: int = 5) -> dict[str, Any] | None:
    if not items:
        return None
    lines = "\n".join(f"• {escape(clip(i, 300))}" for i in items[:limit])
    more = f"\n_and {len(items) - limit} more_" if len(items) > limit else ""
    return section(f"*{title}*\n{lines}{more}")


def block_id(alert: Alert) -> str:
    return clip(f"{ACTION_PREFIX}|{alert.anomaly_id}|{alert.key}", 255)


def parse_block_id(value: str) -> tuple[str, str] | None:
    """(anomaly id, alert key) from an alert's actions block id."""
    parts = value.split("|", 2)
    if len(parts) != 3 or parts[0] != ACTION_PREFIX:
        return None
    return parts[1], parts[2]


def state_lines(state: Any, now: dt.datetime) -> list[str]:
    """What people did about an alert (tools.governance.alert_actions.AnomalyState), one line each."""
    if state is None:
        return []
    lines = []
    actor = who(state.status_actor)
    if state.status == "acknowledged":
        lines.append(f":eyes: Acknowledged by {actor}")
    elif state.status == "expected":
        reason = f": {escape(state.status_reason)}" if state.status_reason else ""
        lines.append(f":white_check_mark: Marked expected by {actor}{reason}")
    elif state.status == "resolved":
        lines.append(f":heavy_check_mark: Resolved by {actor}")
    if state.assignee:
        lines.append(f":arrow_right: Reassigned to {who(state.assignee)} by {who(state.assigned_by)}")
    if state.snoozed_until is not None and state.snoozed_until > now:
        lines.append(f":zzz: Snoozed until {when(state.snoozed_until)} by {who(state.snoozed_by)}")
    return lines


def alert_actions(alert: Alert, state: Any = None) -> dict[str, Any]:
    elements: list[dict[str, Any]] = []
    if state is None or state.status == "open":
        elements.append(
            {
                "type": "button",
                "action_id": "alert_ack",
                "style": "primary",
                "value": alert.anomaly_id,
                "text": {"type": "plain_text", "text": "Acknowledge"},
            }
        )
    elements += [
        {
            "type": "button",
            "action_id": "alert_expected",
            "value": alert.anomaly_id,
            "text": {"type": "plain_text", "text": "Expected…"},
        },
        {
            "type": "users_select",
            "action_id": "alert_reassign",
            "placeholder": {"type": "plain_text", "text": "Reassign to…"},
        },
        {
            "type": "static_select",
            "action_id": "alert_snooze",
            "placeholder": {"type": "plain_text", "text": "Snooze…"},
            "options": [{"text": {"type": "plain_text", "text": t}, "value": v} for t, v in SNOOZE_CHOICES],
        },
    ]
    return {"type": "actions", "block_id": block_id(alert), "elements": elements}


def alert_blocks(alert: Alert, state: Any = None, now: dt.datetime | None = None) -> tuple[str, Blocks]:
    """A routed anomaly with its facts, what people did about it, and the buttons (while it is not closed)."""
    now = now or dt.datetime.now(dt.UTC)
    emoji = SEVERITY_EMOJI.get(alert.severity, ":warning:")
    text = f"[{alert.severity}] {alert.title}"
    days = (
        str(alert.start_day) if alert.start_day == alert.end_day else f"{alert.start_day} to {alert.end_day}"
    )
    blocks: Blocks = [
        header(f"{alert.severity.capitalize()}: {alert.title}"),
        section(f"{emoji} {escape(alert.summary)}"),
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Actual*\n{money(alert.actual)}"},
                {"type": "mrkdwn", "text": f"*Expected*\n{money(alert.expected)}"},
                {"type": "mrkdwn", "text": f"*Impact*\n{money(alert.impact, signed=True)}"},
                {"type": "mrkdwn", "text": f"*When*\n{days}"},
            ],
        },
    ]
    for title, items in (
        ("Why", alert.drivers),
        ("Budgets", alert.budget_impact),
        ("Recent changes", alert.recent_changes),
        ("Top usage", alert.top_usage),
    ):
        block = _bullets(title, items)
        if block is not None:
            blocks.append(block)
    d = alert.destination
    owner = (
        f"{d.owner_key}={d.owner_value}" if d.owner_key and d.owner_value else (d.owner_value or "unowned")
    )
    blocks.append(
        context(
            f"`{alert.anomaly_id}` · {escape(alert.dimension)} {escape(alert.value)} · "
            f"owner {escape(owner)}" + (" · summarised with Claude" if alert.llm else "")
        )
    )
    lines = state_lines(state, now)
    if lines:
        blocks.append(context(*lines))
    if state is not None and state.status in ("open", "acknowledged"):  # None: no stored anomaly to act on
        blocks.append(alert_actions(alert, state))
    return text, blocks


def expected_modal(alert: Alert, metadata: dict[str, str]) -> dict[str, Any]:
    """The 'Expected' dialog: why the spend is expected, and which later changes to expect too."""
    options = [{"text": {"type": "plain_text", "text": t}, "value": v} for v, t in EXPECT_PATTERNS]
    return {
        "type": "modal",
        "callback_id": "alert_expected_modal",
        "title": {"type": "plain_text", "text": "Mark as expected"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata, sort_keys=True),
        "blocks": [
            section(f"*{escape(clip(alert.title, 2900))}*"),
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why is it expected?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason",
                    "multiline": True,
                    "max_length": 500,
                },
            },
            {
                "type": "input",
                "block_id": "pattern",
                "label": {"type": "plain_text", "text": "Also expect"},
                "element": {
                    "type": "static_select",
                    "action_id": "pattern",
                    "options": options,
                    "initial_option": options[0],
                },
            },
        ],
    }


def reminder_blocks(alert: Alert, state: Any) -> tuple[str, Blocks]:
    text = f"Reminder: the snooze on {alert.anomaly_id} ended and it is still {state.status}."
    return text, [section(f":alarm_clock: {escape(text)}"), alert_actions(alert, state)]
