"""Pricing commands: `prices show|diff|compare`, `reprice`, and `pr-diff-patch` (the PR cost diff from patch
text). Each is one registry operation (spendscope.opcommands builds its options from the input model); this
module holds only how each result reads. No pricing rules here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from spendscope.commands.analytics import FILTER, PERIOD
from spendscope.opcommands import Command, Extra, Opt, register_specs
from spendscope.render import Col, cell, say, table

PROVIDER = Opt(help="Provider: anthropic, openai, aws.bedrock, gcp.vertex_ai, ...")
USD = "usd_unit"  # list prices per 1M tokens, in USD whatever the bill's currency: a fraction of a cent


def _valid(start: Any, end: Any) -> str:
    return f"{start or '…'} to {end or '…'}"


def show_sheet(sheet: Any, _: dict[str, Any]) -> None:
    table(
        f"{sheet.model} on {sheet.on}, USD per 1M tokens",
        [
            "provider",
            "tier",
            "requests",
            *(Col(c, USD) for c in ("input", "cache read", "cache write 5m", "cache write 1h", "output")),
            "valid",
            "source",
        ],
        [
            [
                r.provider or "(catalog)",
                r.tier + (" (committed)" if r.committed else ""),
                r.band,
                r.input,
                r.cached_input,
                r.cache_write,
                r.cache_write_1h,
                r.output,
                _valid(r.valid_from, r.valid_until),
                r.source + "".join(f"; {n}" for n in r.notes),
            ]
            for r in sheet.rows
        ],
    )
    if len(sheet.timeline) > len({t.provider for t in sheet.timeline}):
        table(
            "standard price over time",
            [
                "provider",
                "from",
                "until",
                Col("input", USD),
                Col("output", USD),
                "long context above",
                "source",
            ],
            [
                [
                    t.provider or "(catalog)",
                    str(t.valid_from or "…"),
                    str(t.valid_until or "…"),
                    t.input,
                    t.output,
                    t.long_context_above,
                    t.source or "unpriced",
                ]
                for t in sheet.timeline
            ],
        )
    say(*sheet.notes, style="dim")


def show_price_diff(diff: Any, _: dict[str, Any]) -> None:
    if diff.changes:
        table(
            f"Price changes, USD per 1M tokens ({diff.models_compared} provider/model pairs compared)",
            [
                "provider",
                "model",
                "tier",
                "requests",
                "kind",
                Col(str(diff.from_date), USD),
                Col(str(diff.to_date), USD),
                Col("change %", "signed_pct"),
                "changed on",
            ],
            [
                [
                    c.provider or "(catalog)",
                    c.model,
                    c.tier,
                    c.band,
                    c.kind,
                    "unpriced" if c.before is None else c.before,
                    "unpriced" if c.after is None else c.after,
                    c.change_pct,
                    ", ".join(str(d) for d in c.changed_on),
                ]
                for c in diff.changes
            ],
        )
    say(*diff.notes, style="dim")


MODEL_COST_FIELDS = ["model", "hosting", "provider", "cost", "tokens", "requests"]


def model_cost_rows(r: Any) -> tuple[list[str], list[list[Any]]]:
    columns = [*MODEL_COST_FIELDS, "cost_per_1m_tokens", "cost_per_1k_requests", "gpu_utilisation_pct"]
    return columns, [[getattr(x, c) for c in columns] for x in r.rows]


def show_model_costs(r: Any, _: dict[str, Any]) -> None:
    table(
        f"Cost per token by model, {r.period_label}",
        [
            "model",
            "hosting",
            "served by",
            Col("cost", "money"),
            Col("tokens", "count"),
            Col("requests", "count"),
            Col("per 1M tokens", "unit"),  # from the bill: its currency
            Col("per 1K requests", "unit"),
            Col("GPU use %", "pct"),
        ],
        model_cost_rows(r)[1],
    )
    say(*r.notes, style="dim")


REPRICE_FIELDS = ["provider", "model", "events", "changed", "estimated_before", "estimated_after", "change"]


def reprice_rows(r: Any) -> tuple[list[str], list[list[Any]]]:
    columns = [*REPRICE_FIELDS, "change_pct"]
    return columns, [[getattr(x, c) for c in columns] for x in r.lines]


def show_repriced(r: Any, _: dict[str, Any]) -> None:
    table(
        "Re-estimated telemetry" + (" (dry run: nothing written)" if r.dry_run else ""),
        [
            "provider",
            "model",
            Col("events", "count"),
            Col("changed", "count"),
            Col("estimated before", "usd"),  # telemetry estimates come from list prices, in USD
            Col("estimated after", "usd"),
            Col("change", "usd"),
            Col("change %", "signed_pct"),
        ],
        reprice_rows(r)[1],
    )
    verdict = (
        f"dry run: {r.changed:,} of {r.events:,} events would change"
        if r.dry_run
        else f"{r.run_id}: {r.changed:,} of {r.events:,} events re-estimated"
    )
    before, after = cell(r.estimated_before, "usd"), cell(r.estimated_after, "usd")
    say(f"{verdict}; estimated cost {before} -> {after}")
    say(*r.notes, style="dim")


def read_patch(raw: dict[str, Any], _: dict[str, Any]) -> dict[str, Any]:
    """PATCH is a file, or - for standard input: the operation takes its text."""
    from spendscope.data.errors import InvalidArgument

    patch = raw.get("patch", "-")
    if patch != "-" and not Path(patch).is_file():
        raise InvalidArgument(f"{patch}: no such patch file", argument="PATCH")
    text = sys.stdin.read() if patch == "-" else Path(patch).read_text(encoding="utf-8")
    return {**raw, "patch": text}


def show_patch_diff(r: Any, extras: dict[str, Any]) -> None:
    typer.echo(r.markdown)


def write_markdown(r: Any, extras: dict[str, Any]) -> None:
    if extras.get("output") is not None:
        Path(extras["output"]).write_text(r.markdown, encoding="utf-8")


COMMANDS = [
    Command(
        "show",
        "show_model_prices",
        "A model's prices on a day: every service tier, long-context band and cache TTL, with validity dates.",
        show_sheet,
        group="prices",
        options={
            "model": Opt(argument="MODEL", help="Model id, e.g. claude-sonnet-4-5"),
            "on": Opt(help="The day (YYYY-MM-DD); default today"),
            "provider": PROVIDER,
            "filters": FILTER,
        },
    ),
    Command(
        "diff",
        "diff_model_prices",
        "Which prices differ between two days (catalog changes and the price file's dated entries).",
        show_price_diff,
        group="prices",
        options={
            "from_date": Opt(("--from",), help="The earlier day (YYYY-MM-DD)"),
            "to_date": Opt(("--to",), help="The later day (YYYY-MM-DD)"),
            "provider": PROVIDER,
            "filters": FILTER,
        },
    ),
    Command(
        "compare",
        "compare_model_costs",
        "API and self-hosted models in one table: cost per 1M tokens and per 1K requests.",
        show_model_costs,
        group="prices",
        options={"period": PERIOD, "filters": FILTER},
        rows=model_cost_rows,
    ),
    Command(
        "reprice",
        "reprice_telemetry",
        "Re-estimate stored telemetry after a catalog or price-file change (the change per provider and model).",
        show_repriced,
        options={"since": Opt(help="Only events from this day (YYYY-MM-DD)"), "provider": PROVIDER},
        rows=reprice_rows,
        help="Re-estimate stored telemetry after a catalog or price-file change: the change per provider and "
        "model, then written (unless --dry-run). Costs a source reported are kept.",
    ),
    Command(
        "pr-diff-patch",
        "estimate_pr_cost_diff_from_patch",
        "The PR cost diff from patch text (git diff BASE...HEAD), without a repository.",
        show_patch_diff,
        options={
            "patch": Opt(argument="PATCH", help="Patch file (unified diff), or - for standard input"),
            "filters": FILTER,
        },
        prepare=read_patch,
        extras=(
            Extra(
                "output", ("--output",), "Also write the Markdown here.", annotation=Path | None, default=None
            ),
        ),
        after=write_markdown,
        help="The PR cost diff from patch text (git diff BASE...HEAD, or the PR's .diff), without a repository.",
    ),
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    register_specs(app, COMMANDS)
