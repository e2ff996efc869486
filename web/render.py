"""Jinja2 templates and the filters they format figures with (money rounded only here, when shown)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from spendscope.tools import money_text

Number = float | int | Decimal


def money(value: Number | None, places: int = 2) -> str:
    """$1,234.56; -$12.00 in the billing currency (€1,234.56, CHF 12.00: tools.money_text); '-' for no value."""
    return "-" if value is None else money_text.money(value, digits=places)


def money_in(value: Number | None, code: str | None, places: int = 2) -> str:
    """An amount in a currency named by its code, whatever the bill's (telemetry's USD estimates beside a RON
    bill); '-' for no value."""
    return "-" if value is None else money_text.in_code(value, code or money_text.DEFAULT, digits=places)


def signed_money(value: Number | None) -> str:
    if value is None:
        return "-"
    return ("+" if float(value) >= 0 else "-") + money(abs(float(value)))


def pct(value: Number | None, places: int = 1, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{float(value):{'+' if signed else ''},.{places}f}%"


def num(value: Number | None, places: int = 0) -> str:
    if value is None:
        return "-"
    return f"{float(value):,.{places}f}"


def unit_money(value: Number | None) -> str:
    """Small unit costs keep their significant digits: $0.0042 per request."""
    if value is None:
        return "-"
    v = float(value)
    return money(v, 4 if abs(v) < 1 else 2)


def vega_attr(spec: dict[str, Any] | None) -> Markup:
    """A Vega-Lite spec as an HTML attribute value (static/app.js draws it); the version comes from the bundle,
    the width from the page."""
    if not spec:
        return Markup("")
    clean = {k: v for k, v in spec.items() if k != "$schema"}
    if isinstance(clean.get("width"), int):  # fill the page's column; the static report keeps the fixed width
        clean["width"] = "container"
    text = json.dumps(clean, default=_json_default, separators=(",", ":"))
    return Markup(' data-vega="{}"').format(text)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("spendscope.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money,
        money_in=money_in,
        signed_money=signed_money,
        pct=pct,
        num=num,
        unit_money=unit_money,
        vega=vega_attr,
    )
    # the macros every page uses, as globals: a page's `content` block rendered alone (a fragment) sees them too
    macros = env.get_template("macros.html").module
    env.globals.update({name: getattr(macros, name) for name in ("state", "draw", "notes", "period_form")})
    return env
