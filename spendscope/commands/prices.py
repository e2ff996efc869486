"""Pricing commands: `prices show|diff|compare`, `reprice`, and `pr-diff-patch` (the PR cost diff from patch
text). Each translates flags into an operation's input and runs it through tools.invoke; no pricing rules here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spendscope.options import DbOption, JsonOption, open_store, parse_filters

if TYPE_CHECKING:
    from pydantic import BaseModel

ProviderOption = Annotated[
    str | None,
    typer.Option("--provider", help="Provider: anthropic, openai, aws.bedrock, gcp.vertex_ai, ..."),
]


FilterOption = Annotated[
    list[str] | None, typer.Option("--filter", "-f", help="Filter, repeatable: team=search.")
]


def build(model: type, /, **kwargs: Any) -> Any:
    from spendscope.tools.invoke import validate_model

    return validate_model(model, {k: v for k, v in kwargs.items() if v is not None})


def _run(db: Path | None, name: str, params: BaseModel) -> Any:
    from spendscope.tools.invoke import invoke

    return invoke(open_store(db), name, params)


def _usd(v: float | None) -> str:
    if v is None:
        return ""
    text = f"{v:,.4f}".rstrip("0").rstrip(".")
    return f"${text}"


def _money(v: float | None) -> str:
    return "" if v is None else f"{'-' if v < 0 else ''}${abs(v):,.2f}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:+.1f}%"


def _say(lines: list[str]) -> None:
    from spendscope.render import console

    for line in lines:
        console.print(line, style="dim", markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    prices_app = typer.Typer(
        help="The price catalog: a model's prices (tiers, long context, dates), price changes, model costs.",
        no_args_is_help=True,
    )
    app.add_typer(prices_app, name="prices")

    @prices_app.command("show")
    def show_cmd(
        model: Annotated[str, typer.Argument(help="Model id, e.g. claude-sonnet-4-5.")],
        on: Annotated[str | None, typer.Option("--on", help="The day (YYYY-MM-DD); default today.")] = None,
        provider: ProviderOption = None,
        tier: Annotated[str | None, typer.Option(help="Only this tier: standard, batch, flex, ...")] = None,
        geo: Annotated[
            str | None, typer.Option(help="Inference geography, e.g. us (default global).")
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """A model's prices on a day: every service tier, long-context band and cache TTL, with validity dates."""
        from spendscope.render import print_json, print_table
        from spendscope.tools.costs.prices import ShowPricesInput

        sheet = _run(
            db,
            "show_model_prices",
            build(ShowPricesInput, model=model, on=on, provider=provider, tier=tier, geo=geo),
        )
        if as_json:
            print_json(sheet)
            return
        rows = [
            [
                r.provider or "(catalog)",
                r.tier + (" (committed)" if r.committed else ""),
                r.band,
                _usd(r.input),
                _usd(r.cached_input),
                _usd(r.cache_write),
                _usd(r.cache_write_1h),
                _usd(r.output),
                f"{r.valid_from or '…'} to {r.valid_until or '…'}",
                r.source + "".join(f"; {n}" for n in r.notes),
            ]
            for r in sheet.rows
        ]
        print_table(
            [
                "provider",
                "tier",
                "requests",
                "input",
                "cache read",
                "cache write 5m",
                "cache write 1h",
                "output",
                "valid",
                "source",
            ],
            rows,
            title=f"{sheet.model} on {sheet.on}, USD per 1M tokens",
        )
        if len(sheet.timeline) > len({t.provider for t in sheet.timeline}):
            print_table(
                ["provider", "from", "until", "input", "output", "long context above", "source"],
                [
                    [
                        t.provider or "(catalog)",
                        t.valid_from or "…",
                        t.valid_until or "…",
                        _usd(t.input),
                        _usd(t.output),
                        t.long_context_above,
                        t.source or "unpriced",
                    ]
                    for t in sheet.timeline
                ],
                title="standard price over time",
            )
        _say(sheet.notes)

    @prices_app.command("diff")
    def diff_cmd(
        from_date: Annotated[str, typer.Option("--from", help="The earlier day (YYYY-MM-DD).")],
        to_date: Annotated[str, typer.Option("--to", help="The later day (YYYY-MM-DD).")],
        model: Annotated[
            str | None, typer.Option(help="Only this model (default: those the store uses).")
        ] = None,
        provider: ProviderOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Which prices differ between two days (catalog changes and the price file's dated entries)."""
        from spendscope.render import print_json, print_table
        from spendscope.tools.costs.prices import DiffPricesInput

        diff = _run(
            db,
            "diff_model_prices",
            build(DiffPricesInput, from_date=from_date, to_date=to_date, model=model, provider=provider),
        )
        if as_json:
            print_json(diff)
            return
        if diff.changes:
            print_table(
                [
                    "provider",
                    "model",
                    "tier",
                    "requests",
                    "kind",
                    str(diff.from_date),
                    str(diff.to_date),
                    "change %",
                    "changed on",
                ],
                [
                    [
                        c.provider or "(catalog)",
                        c.model,
                        c.tier,
                        c.band,
                        c.kind,
                        _usd(c.before) or "unpriced",
                        _usd(c.after) or "unpriced",
                        _pct(c.change_pct),
                        ", ".join(str(d) for d in c.changed_on),
                    ]
                    for c in diff.changes
                ],
                title=f"Price changes, USD per 1M tokens ({diff.models_compared} provider/model pairs compared)",
            )
        _say(diff.notes)

    @prices_app.command("compare")
    def compare_cmd(
        period: Annotated[
            str | None, typer.Option("--period", "-p", help="e.g. last-month, 2026-10.")
        ] = None,
        filters: FilterOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """API and self-hosted models in one table: cost per 1M tokens and per 1K requests."""
        from spendscope.render import print_json, print_table
        from spendscope.tools.costs.model_costs import ModelCostInput

        result = _run(
            db, "compare_model_costs", build(ModelCostInput, period=period, filters=parse_filters(filters))
        )
        if as_json:
            print_json(result)
            return
        print_table(
            [
                "model",
                "hosting",
                "served by",
                "cost",
                "tokens",
                "requests",
                "per 1M tokens",
                "per 1K requests",
                "GPU use %",
            ],
            [
                [
                    r.model,
                    r.hosting,
                    r.provider,
                    _money(r.cost),
                    r.tokens,
                    r.requests,
                    _usd(r.cost_per_1m_tokens),
                    _usd(r.cost_per_1k_requests),
                    "" if r.gpu_utilisation_pct is None else f"{r.gpu_utilisation_pct:.1f}",
                ]
                for r in result.rows
            ],
            title=f"Cost per token by model, {result.period_label}",
        )
        _say(result.notes)

    @app.command("reprice")
    def reprice_cmd(
        since: Annotated[
            str | None, typer.Option("--since", help="Only events from this day (YYYY-MM-DD).")
        ] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the change; write nothing.")] = False,
        provider: ProviderOption = None,
        model: Annotated[str | None, typer.Option(help="Only this model.")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Re-estimate stored telemetry after a catalog or price-file change: the change per provider and model,
        then written (unless --dry-run). Costs a source reported are kept."""
        from spendscope.render import print_json, print_table
        from spendscope.tools.costs.prices import RepriceInput

        result = _run(
            db,
            "reprice_telemetry",
            build(RepriceInput, since=since, dry_run=dry_run, provider=provider, model=model),
        )
        if as_json:
            print_json(result)
            return
        print_table(
            [
                "provider",
                "model",
                "events",
                "changed",
                "estimated before",
                "estimated after",
                "change",
                "change %",
            ],
            [
                [
                    x.provider,
                    x.model,
                    x.events,
                    x.changed,
                    _money(x.estimated_before),
                    _money(x.estimated_after),
                    _money(x.change),
                    _pct(x.change_pct),
                ]
                for x in result.lines
            ],
            title="Re-estimated telemetry" + (" (dry run: nothing written)" if dry_run else ""),
        )
        verdict = (
            f"dry run: {result.changed:,} of {result.events:,} events would change"
            if dry_run
            else f"{result.run_id}: {result.changed:,} of {result.events:,} events re-estimated"
        )
        typer.echo(
            f"{verdict}; estimated cost ${result.estimated_before:,.2f} -> ${result.estimated_after:,.2f}"
        )
        _say(result.notes)

    @app.command("pr-diff-patch")
    def pr_diff_patch_cmd(
        patch: Annotated[str, typer.Argument(help="Patch file (unified diff), or - for standard input.")],
        days: Annotated[int, typer.Option(help="Days of traffic used as the baseline.")] = 30,
        loop_factor: Annotated[
            int, typer.Option("--loop-factor", help="Assumed iterations of a loop with no literal count.")
        ] = 10,
        as_of: Annotated[str | None, typer.Option("--as-of", help="End of the traffic window.")] = None,
        output: Annotated[Path | None, typer.Option("--output", help="Also write the Markdown here.")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """The PR cost diff from patch text (git diff BASE...HEAD), without a repository."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.render import print_json
        from spendscope.tools.prdiff.patch_diff import PatchDiffInput

        if patch != "-" and not Path(patch).is_file():
            raise InvalidArgument(f"{patch}: no such patch file", argument="patch")
        text = sys.stdin.read() if patch == "-" else Path(patch).read_text(encoding="utf-8")
        result = _run(
            db,
            "estimate_pr_cost_diff_from_patch",
            build(PatchDiffInput, patch=text, days=days, loop_factor=loop_factor, as_of=as_of),
        )
        if output is not None:
            output.write_text(result.markdown, encoding="utf-8")
        if as_json:
            print_json(result)
        else:
            typer.echo(result.markdown)
