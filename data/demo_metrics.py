"""The demo company's business metrics (docs/demo.md, "Business metrics"): what its customers pay, which plan they
are on, and the volumes its AI features serve, written as the CSV files a finance team or a warehouse would hand
over and imported with `import rates` and `import metrics`.

Plans and prices are set from each customer's AI cost in the generated data, so every seed and range tells the
same story: customers on plans priced at about three times the AI cost of their heaviest member, one heavy user on
a legacy flat contract that pays less than its AI cost (the unprofitable customer to find), one customer billed in
EUR (converted with the monthly rates file), a legal add-on sold per customer (revenue per feature), tickets
resolved by the support bot and documents processed by the ingest pipeline every day, and monthly active users.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from spendscope.data.demo_generate import DemoData, _season
from spendscope.data.demo_world import WORKLOADS

PLANS = (("enterprise", 4), ("business", 8), ("growth", 10), ("starter", 999))  # plan, customers (by AI cost)
PLAN_MARKUP = 3.2  # a plan's price: this many times the last month's AI cost of its heaviest customer
LEGACY_SHARE = 0.6  # the legacy contract pays this share of its customer's last-month AI cost
ADDON_FEATURE = "contract-review"
ADDON_MARKUP = 3.0
EUR_RANK = 6  # the customer billed in EUR (by AI cost)
TICKETS_PER_USD = 2.85  # support-bot tickets resolved per dollar of its first day's weekday spend
DOCUMENTS_PER_USD = 55.0
MAU_START = 41_000
MAU_GROWTH = 0.06
FLOOR_PCT = 60.0
TICKET_BUDGET = "0.45"


@dataclass(frozen=True)
class DemoBusiness:
    """Who the story is about (for docs, tests and the demo summary)."""

    unprofitable: str
    eur_customer: str
    months: list[str]
    files: dict[str, Path]


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the calendar months wholly inside [start, end] (inclusive end)."""
    out = []
    m = (
        start.replace(day=1)
        if start.day == 1
        else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    )
    while True:
        nxt = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if nxt - dt.timedelta(days=1) > end:
            return out
        out.append(m)
        m = nxt


def _nice(x: float, step: int = 500) -> int:
    return max(step, int(math.ceil(x / step) * step))


def customer_costs(data: DemoData) -> dict[str, dict[str, float]]:
    """Each customer's AI cost per month, as the attribution will find it: each day's bill of a feature shared among
    that day's customers of the feature by their requests."""
    bill: dict[tuple[str, str], float] = defaultdict(float)
    for r in data.cost_rows:
        feature = json.loads(r["Tags"]).get("feature") if r.get("Tags") else None
        if feature:
            bill[(str(r["ChargePeriodStart"])[:10], feature)] += float(r["EffectiveCost"] or 0)
    requests: dict[tuple[str, str], dict[str | None, float]] = defaultdict(lambda: defaultdict(float))
    for e in data.events:
        requests[(str(e["ts"])[:10], str(e["feature"]))][e["customer"]] += float(e["requests"])  # type: ignore[arg-type]
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for key, per_customer in requests.items():
        total = sum(per_customer.values())
        for customer, n in per_customer.items():
            if customer:
                out[customer][key[0][:7]] += bill.get(key, 0.0) * n / total
    return out


def write_business_files(data: DemoData, folder: Path, seed: int) -> DemoBusiness:
    """The rates and metrics CSV files of the demo range into `folder`."""
    months = _months(data.start, data.end)
    labels = [f"{m:%Y-%m}" for m in months]
    costs = customer_costs(data)
    last = labels[-1]
    ranked = sorted(costs, key=lambda c: (-sum(costs[c].values()), c))
    unprofitable, eur_customer = ranked[1], ranked[EUR_RANK]
    plan_of: dict[str, str] = {}
    i = 0
    for plan, n in PLANS:
        for c in ranked[i : i + n]:
            plan_of[c] = plan
        i += n
    price = {
        plan: _nice(
            PLAN_MARKUP * max(costs[c][last] for c in ranked if plan_of[c] == plan and c != unprofitable)
        )
        for plan, _ in PLANS
        if any(plan_of[c] == plan and c != unprofitable for c in ranked)
    }
    plan_of[unprofitable] = "growth"  # a legacy flat contract, signed before the customer's usage grew
    legacy = _nice(LEGACY_SHARE * costs[unprofitable][last])
    addon_users = sorted(
        {str(e["customer"]) for e in data.events if e["feature"] == ADDON_FEATURE and e["customer"]}
    )
    addon_bill = sum(
        float(r["EffectiveCost"] or 0)
        for r in data.cost_rows
        if r.get("Tags")
        and json.loads(r["Tags"]).get("feature") == ADDON_FEATURE
        and str(r["ChargePeriodStart"])[:7] == last
    )
    addon_price = _nice(ADDON_MARKUP * addon_bill / max(1, len(addon_users)), 100)

    rates = {m: round(1.07 + 0.01 * ((m.year * 12 + m.month) % 4), 4) for m in months}
    for extra in (
        data.start.replace(day=1),
        data.end.replace(day=1),
    ):  # partial months too: rates cover the range
        rates.setdefault(extra, round(1.07 + 0.01 * ((extra.year * 12 + extra.month) % 4), 4))
    files = {"rates": folder / "demo-rates.csv", "metrics": folder / "demo-business-metrics.csv"}
    with open(files["rates"], "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["currency", "to_currency", "month", "rate"])
        for m in sorted(rates):
            w.writerow(["EUR", "USD", f"{m:%Y-%m}", rates[m]])

    rng = random.Random(f"{seed}:business")
    header = [
        "period",
        "metric",
        "value",
        "unit",
        "currency",
        "aggregation",
        "customer",
        "feature",
        "team",
        "plan",
    ]
    out: list[list[object]] = []
    for m, label in zip(months, labels, strict=True):
        for c in sorted(plan_of):
            fee = legacy if c == unprofitable else price[plan_of[c]]
            eur = c == eur_customer
            amount = _nice(fee / rates[m], 100) if eur else fee
            cur = "EUR" if eur else "USD"
            out.append([label, "subscription", amount, "", cur, "", c, "", "", plan_of[c]])
            out.append([label, "revenue", amount, "", cur, "", c, "", "", plan_of[c]])
            if c in addon_users:
                add = _nice(addon_price / rates[m], 100) if eur else addon_price
                out.append([label, "revenue", add, "", cur, "", c, ADDON_FEATURE, "legal", plan_of[c]])
        k = months.index(m)
        out.append(
            [label, "mau", round(MAU_START * (1 + MAU_GROWTH) ** k), "users", "", "average", "", "", "", ""]
        )
    support = next(w for w in WORKLOADS if w.feature == "support-bot")
    ingest = next(w for w in WORKLOADS if w.feature == "doc-ingest")
    day = data.start
    i = 0
    while day <= data.end:
        for w, metric, unit, per_usd in (
            (support, "tickets_resolved", "tickets", TICKETS_PER_USD),
            (ingest, "documents_processed", "documents", DOCUMENTS_PER_USD),
        ):
            level = w.usd_per_day * per_usd * (1 + w.growth) ** (i / 30.44) * _season(day, w.weekend)
            value = round(level * rng.lognormvariate(0, 0.04))
            out.append([day.isoformat(), metric, value, unit, "", "", "", w.feature, w.team, ""])
        day += dt.timedelta(days=1)
        i += 1
    with open(files["metrics"], "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(out)
    return DemoBusiness(unprofitable=unprofitable, eur_customer=eur_customer, months=labels, files=files)


def targets_sql() -> list[tuple[str, list[object]]]:
    """The demo's margin floor and unit-cost budget (statements and parameters; kept when already there)."""
    now = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return [
        (
            "INSERT INTO margin_floors (name, dimension, floor_pct, filters, revenue_metric, subscription_metric, "
            "owner, created_at, updated_at) SELECT ?, 'customer', ?, '[]', 'revenue', 'subscription', ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM margin_floors WHERE name = ?)",
            ["customer-margin", FLOOR_PCT, "#revenue-ops", now, now, "customer-margin"],
        ),
        (
            "INSERT INTO unit_budgets (name, metric, amount, per, grain, filters, cost_filters, match_on, owner, "
            "created_at, updated_at) SELECT ?, 'tickets_resolved', CAST(? AS DECIMAL(38,10)), 1, 'week', '[]', '[]', "
            "NULL, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM unit_budgets WHERE name = ?)",
            ["cost-per-ticket", TICKET_BUDGET, "#support-costs", now, now, "cost-per-ticket"],
        ),
    ]
