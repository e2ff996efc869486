"""A report or alert as an email: a plain-text body and an HTML body with the same figures (tables, facts), and
the chart as an inline PNG (vl-convert) the HTML shows by Content-ID.

    multipart/alternative
      text/plain                     the figures as aligned text
      multipart/related
        text/html                    the same, as tables; <img src="cid:...">
        image/png (inline)           the chart

The Message-ID is derived from the ledger key, so a message sent again after an interrupted attempt carries the
same Message-ID (mail stores that de-duplicate keep one copy).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import logging
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from spendscope.tools.reports.content import ReportContent, Table

log = logging.getLogger("spendscope.notify")

_TONE = {"default": "#1f2937", "good": "#166534", "warning": "#92400e", "attention": "#b91c1c"}
_CELL = "padding:4px 10px;border-bottom:1px solid #e5e7eb;"


def message_id(key: str, sender: str) -> str:
    """A Message-ID that is the same every time `key` is sent."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "spendscope.invalid"
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.spendscope@{domain}>"


def _text_table(t: Table) -> list[str]:
    widths = [max([len(c)] + [len(r[i]) for r in t.rows]) for i, c in enumerate(t.columns)]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.rjust(widths[i]) if t.numeric[i] else v.ljust(widths[i]) for i, v in enumerate(values)
        ).rstrip()

    return [line(t.columns), line(["-" * w for w in widths]), *(line(r) for r in t.rows)]


def plain_text(content: ReportContent) -> str:
    out = [content.title, "=" * len(content.title), "", content.summary, ""]
    if content.facts:
        width = max(len(f.label) for f in content.facts)
        out += [f"{f.label.ljust(width)}  {f.value}" for f in content.facts] + [""]
    for s in content.sections:
        if s.title:
            out.append(s.title)
        out += [f"  - {line}" for line in s.lines]
        if s.table is not None:
            out += _text_table(s.table)
        out.append("")
    if content.note:
        out.append(content.note)
    return "\n".join(out).rstrip() + "\n"


def _html_table(t: Table) -> str:
    def cell(tag: str, v: str, i: int) -> str:
        align = "right" if t.numeric[i] else "left"
        return f'<{tag} style="{_CELL}text-align:{align};">{html.escape(v)}</{tag}>'

    head = "".join(cell("th", c, i) for i, c in enumerate(t.columns))
    body = "".join("<tr>" + "".join(cell("td", v, i) for i, v in enumerate(r)) + "</tr>" for r in t.rows)
    return (
        '<table role="presentation" style="border-collapse:collapse;font-size:14px;margin:6px 0 14px;">'
        f'<thead style="background:#f3f4f6;"><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def html_body(content: ReportContent, chart_cid: str | None) -> str:
    e = html.escape
    color = _TONE[content.tone]
    parts = [
        f'<h2 style="margin:0 0 8px;color:{color};">{e(content.title)}</h2>',
        f'<p style="font-size:15px;margin:0 0 12px;">{e(content.summary)}</p>',
    ]
    if content.facts:
        rows = "".join(
            f'<tr><td style="{_CELL}color:#6b7280;">{e(f.label)}</td>'
            f'<td style="{_CELL}text-align:right;font-weight:600;">{e(f.value)}</td></tr>'
            for f in content.facts
        )
        parts.append(
            f'<table role="presentation" style="border-collapse:collapse;margin:0 0 14px;">{rows}</table>'
        )
    for s in content.sections:
        if s.title:
            parts.append(f'<h3 style="font-size:15px;margin:12px 0 4px;">{e(s.title)}</h3>')
        if s.lines:
            parts.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in s.lines) + "</ul>")
        if s.table is not None:
            parts.append(_html_table(s.table))
    if chart_cid:
        alt = e(str((content.chart or {}).get("title", "chart")))
        parts.append(f'<p><img src="cid:{chart_cid}" alt="{alt}" style="max-width:100%;" width="640"></p>')
    if content.note:
        parts.append(f'<p style="color:#6b7280;font-size:12px;">{e(content.note)}</p>')
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#111827;">'
        + "".join(parts)
        + "</body></html>"
    )


def chart_png(content: ReportContent) -> bytes | None:
    """The content's chart as a PNG, or None (no chart, or it could not be drawn: the email goes without it)."""
    if not content.chart:
        return None
    try:
        from spendscope.tools.allocation.showback import render_png

        return render_png(content.chart)
    except Exception as exc:  # noqa: BLE001 - the figures stand without their picture; say why in the log
        log.warning("chart for %r not drawn: %s", content.subject, type(exc).__name__)
        return None


def build_message(
    content: ReportContent, *, key: str, sender: str, to: str, now: dt.datetime | None = None
) -> EmailMessage:
    """The email for `content` to one recipient, identified by the ledger `key`."""
    msg = EmailMessage()
    msg["Subject"] = content.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(now or dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id(key, sender)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a report
    msg["X-Spendscope-Key"] = key
    msg["X-Spendscope-Scope"] = content.scope
    msg.set_content(plain_text(content), subtype="plain", charset="utf-8")
    png = chart_png(content)
    cid = f"chart.{hashlib.sha256(key.encode('utf-8')).hexdigest()[:16]}@spendscope" if png else None
    msg.add_alternative(html_body(content, cid), subtype="html", charset="utf-8")
    if png is not None and cid is not None:
        html_part = msg.get_payload()[1]
        html_part.add_related(
            png, maintype="image", subtype="png", cid=f"<{cid}>", disposition="inline", filename="chart.png"
        )
    return msg
