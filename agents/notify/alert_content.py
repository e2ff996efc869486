"""A routed anomaly alert (agents.delivery.Alert) as channel-neutral report content, for email and Teams."""

from __future__ import annotations

from spendscope.agents.delivery import Alert
from spendscope.tools.reports.content import Fact, ReportContent, Section, Tone, money

_TONE: dict[str, Tone] = {"critical": "attention", "high": "attention", "medium": "warning", "low": "default"}


def alert_content(alert: Alert) -> ReportContent:
    d = alert.destination
    owner = f"{d.owner_key}={d.owner_value}" if d.owner_key else (d.owner_value or "unowned")
    days = (
        str(alert.start_day) if alert.start_day == alert.end_day else f"{alert.start_day} to {alert.end_day}"
    )
    facts = [
        Fact(
            label="Severity",
            value=alert.severity + (f" (was {alert.escalated_from})" if alert.escalated_from else ""),
        ),
        Fact(label="Days", value=days),
        Fact(label="Actual", value=money(alert.actual)),
        Fact(label="Expected", value=money(alert.expected)),
        Fact(label="Impact", value=money(alert.impact, signed=True)),
        Fact(label="Owner", value=owner),
    ]
    if alert.trend:
        facts.insert(2, Fact(label="Trend", value=alert.trend))
    sections = [
        Section(title=title, lines=lines)
        for title, lines in (
            ("Drivers", alert.drivers),
            ("Recent changes", alert.recent_changes),
            ("Top usage", alert.top_usage),
            ("Budgets", alert.budget_impact),
            ("Same event", alert.related),
        )
        if lines
    ]
    note = [f"alert {alert.key}"]
    if alert.data_through:
        note.append(f"data through {alert.data_through}")
    if alert.owner_reason:
        note.append(alert.owner_reason)
    note.append(f"spendscope anomalies show {alert.anomaly_id}")
    return ReportContent(
        kind="alert",
        scope=f"{alert.dimension}={alert.value}",
        subject=f"[{alert.severity.upper()}] {alert.title}",
        title=alert.title,
        summary=alert.summary or alert.title,
        facts=facts,
        sections=sections,
        note=" · ".join(note),
        tone=_TONE.get(alert.severity, "default"),
    )
