"""Allocation commands: `tags apply|list|export|history|rollback|coverage|suggest|review`, `owners
set|list|remove`, `shared list|show`, `report showback|attribution`. The commands that are one registry
operation are generated (spendscope.opcommands); `tags suggest`, `tags review` and `tags export` do more than
one thing and are written out, calling operations through tools.invoke. No FinOps logic here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.opcommands import Command, Extra, Opt, group, register_specs
from spendscope.options import DbOption, JsonOption, cli_caller, open_store, settings
from spendscope.render import Col, cell, money, pct, print_json, say, table

AUTHOR = Opt(("--author",), help="Who makes the change (recorded); default: your login name")
PERIOD = Opt(
    ("--period",), help="Period, e.g. 2026-10, 'last month', 2026-08-01..2026-10-31; default: all data"
)
MONTH_OR_PERIOD = Opt(("--period", "--month"), help="Month or period, e.g. 2026-10, 'last month'")


def login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment (a container without a passwd entry)
        return "unknown"


def with_author(raw: dict[str, Any], _: dict[str, Any]) -> dict[str, Any]:
    """Changes record who made them: the login name unless --author says otherwise."""
    return {"author": login_name(), **raw}


def read_rules(raw: dict[str, Any], extras: dict[str, Any]) -> dict[str, Any]:
    from spendscope.data.errors import InvalidRules

    path = Path(raw["document"])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidRules(f"{path}: cannot read the rules file ({exc.strerror})", file=str(path)) from None
    return with_author({**raw, "document": text, "source_file": str(path)}, extras)


# -------------------------------------------------------------------------------------------------- tags


def show_applied(r: Any, _: dict[str, Any]) -> None:
    if r.status == "unchanged":
        say(f"rules unchanged: identical to version {r.version}; nothing recorded")
        return
    since = f", effective from {r.effective_from}" if r.effective_from else ""
    say(
        f"applied rules version {r.version}{since}: {r.rule_count} rules for {', '.join(r.tag_keys) or 'no tags'}, "
        f"{r.pool_count} shared pools",
        f"changes: {r.summary}",
        "see coverage with: spendscope tags coverage",
    )


def show_rolled_back(r: Any, extras: dict[str, Any]) -> None:
    say(
        f"restored the rules of version {extras['input']['version']} as version {r.version}",
        f"changes: {r.summary}",
    )


def show_tags(r: Any, _: dict[str, Any]) -> None:
    from spendscope.tools.allocation.document import describe_condition

    if r.current_version is None:
        say("no allocation rules yet: write a rules file and run spendscope tags apply FILE")
        return
    if not r.tags:
        say(f"no virtual tags in force (rules version {r.current_version})")
    rows = []
    for t in r.tags:
        span = (
            f"{t.effective_from or '…'} to {t.until or '…'}" if (t.effective_from or t.until) else "all dates"
        )
        for x in t.rules:
            what = f"= {x.value}" if x.value is not None else f"copy {x.copy_from}"
            rows.append([t.key, x.index, what, describe_condition(x.when), t.version, span, x.line])
    if rows:
        table(
            f"Virtual tags (rules version {r.current_version})",
            [
                "tag",
                Col("rule", "count"),
                "sets",
                "when",
                Col("version", "count"),
                "applies",
                Col("line", "count"),
            ],
            rows,
        )
    if r.pools:
        say("shared-cost pools: spendscope shared list")


def show_history(r: Any, _: dict[str, Any]) -> None:
    if not r.versions:
        say("no allocation rules yet")
        return
    table(
        f"Rules history (in force: version {r.current_version})",
        [
            Col("version", "count"),
            "applied_at",
            "author",
            "action",
            "effective_from",
            Col("rules", "count"),
            Col("pools", "count"),
            "file",
            "changes",
        ],
        [
            [
                v.version,
                cell(v.applied_at),
                v.author,
                v.action,
                cell(v.effective_from),
                v.rule_count,
                v.pool_count,
                Path(v.source_file).name if v.source_file else "",
                v.summary or "",
            ]
            for v in r.versions
        ],
    )


COVERAGE_COLUMNS = [
    "key",
    "kind",
    "month",
    "total_cost",
    "allocated_cost",
    "unallocated_cost",
    "allocated_pct",
    "values",
]


def coverage_rows(r: Any) -> tuple[list[str], list[list[Any]]]:
    return COVERAGE_COLUMNS, [
        [x.key, x.kind, x.month, x.total, x.allocated, x.unallocated, x.allocated_pct, x.values]
        for x in r.rows
    ]


def show_coverage(r: Any, _: dict[str, Any]) -> None:
    if not r.rows:
        say("no tag keys: define virtual tags (spendscope tags apply FILE) or import tagged data")
        return
    kinds = ["text", "text", "text", "money", "money", "money", "pct", "count"]
    table(
        f"Allocation coverage, {r.period_label}",
        [Col(c, k) for c, k in zip(COVERAGE_COLUMNS, kinds, strict=True)],  # type: ignore[arg-type]
        coverage_rows(r)[1],
    )
    if r.unallocated_items:
        table(
            "Largest unallocated line items",
            ["key", "month", Col("cost", "money"), "line item (provider / sub-account / resource: charge)"],
            [
                [
                    i.key,
                    i.month,
                    i.cost,
                    " / ".join(x or "-" for x in (i.provider, i.sub_account, i.resource))
                    + f": {i.charge_description or '-'}",
                ]
                for i in r.unallocated_items
            ],
        )


# -------------------------------------------------------------------------------------------------- owners

OWNER_COLUMNS = [
    "key",
    "value",
    "slack_channel",
    "slack_user",
    "email",
    "teams_webhook",
    "updated_by",
    "updated_at",
]


def show_owner(o: Any, _: dict[str, Any]) -> None:
    teams = f"teams:{o.teams_webhook}" if o.teams_webhook else None
    contacts = ", ".join(x for x in (o.slack_channel, o.slack_user, o.email, teams) if x)
    say(f"{o.key}={o.value} is owned by {contacts}")


def owner_rows(r: Any) -> tuple[list[str], list[list[Any]]]:
    return OWNER_COLUMNS, [[getattr(o, c) for c in OWNER_COLUMNS] for o in r.owners]


def show_owners(r: Any, _: dict[str, Any]) -> None:
    if not r.owners:
        say("no owners yet: spendscope owners set team search --slack-channel '#search-costs'")
        return
    table("Owners", OWNER_COLUMNS, [[cell(v) for v in row] for row in owner_rows(r)[1]])


def show_removed_owner(o: Any, _: dict[str, Any]) -> None:
    say(f"removed the owner of {o.key}={o.value}")


# -------------------------------------------------------------------------------------------------- shared


def show_pools(r: Any, _: dict[str, Any]) -> None:
    from spendscope.tools.allocation.document import describe_condition

    if not r.pools:
        say("no shared-cost pools: add a `shared:` section to the rules file (docs/allocation.md)")
        return

    def members(spec: dict[str, Any]) -> str:
        if spec.get("percentages"):
            return ", ".join(f"{k} {v:g}%" for k, v in spec["percentages"].items())
        return ", ".join(spec.get("members") or []) or "every allocated value"

    def split(spec: dict[str, Any]) -> str:
        basis = spec.get("basis") or spec.get("metric")
        return str(spec.get("split")) + (f" by {basis}" if basis else "")

    table(
        "Shared-cost pools",
        ["pool", "to", "split", "when", "members", Col("version", "count")],
        [
            [
                p.name,
                str(p.spec.get("to")),
                split(p.spec),
                describe_condition(p.spec.get("when")),
                members(p.spec),
                p.version,
            ]
            for p in r.pools
        ],
    )


def show_shared(r: Any, _: dict[str, Any]) -> None:
    rows: list[list[Any]] = []
    for p in r.pools:
        for m in p.members:
            rows.append(
                [p.pool, p.split + (f" by {p.basis}" if p.basis else ""), m.value, m.amount, m.share_pct]
            )
        if p.fallback_days or p.unassigned_days:
            note = (
                f"{p.fallback_days} days split evenly (no weights), {p.unassigned_days} days without members"
            )
            rows.append([p.pool, "note", note, None, None])
    if rows:
        table(
            f"Shared pools to {r.key}, {r.period_label}",
            ["pool", "split", "to", Col("amount", "money"), Col("share", "pct")],
            rows,
        )
    else:
        say(f"no shared-cost pools redistribute to {r.key} in {r.period_label}")
    table(
        "Per value",
        [r.key, Col("direct", "money"), Col("shared", "money"), Col("total", "money")],
        [[v.value, v.direct, v.shared, v.total] for v in r.values],
    )
    state = "conserved" if r.conserved else "NOT conserved"
    say(
        f"total before {cell(r.total_before, 'money')}, after {cell(r.total_after, 'money')} ({state} for every day)"
    )


# -------------------------------------------------------------------------------------------------- reports


def _showback_files(r: Any, extras: dict[str, Any]) -> list[Path]:
    """Write the PNG chart and the chargeback statements the options ask for; the files written."""
    from spendscope.tools.allocation.showback import chart_spec, render_png, write_chargeback

    written: list[Path] = []
    png: Path | None = extras.get("png")
    if png:
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(render_png(chart_spec(r)))
    folder: Path | None = extras.get("chargeback")
    if folder:
        written = write_chargeback(r, folder, "csv" if extras.get("csv") else "markdown")
    return written


def showback_json(r: Any, extras: dict[str, Any]) -> dict[str, Any]:
    written = _showback_files(r, extras)
    png = extras.get("png")
    return {
        **r.model_dump(mode="python"),
        "chart": str(png) if png else None,
        "chargeback_files": [str(p) for p in written],
    }


def show_showback(r: Any, extras: dict[str, Any]) -> None:
    from spendscope.tools.allocation.showback import table_rows, to_csv, to_markdown

    written = _showback_files(r, extras)
    if extras.get("csv") and not extras.get("chargeback"):
        sys.stdout.write(to_csv(r))
    elif extras.get("markdown"):
        sys.stdout.write(to_markdown(r))
    else:
        amounts = [Col(c, "money") for c in ("direct", "shared", "total", "previous", "change")]
        table(
            f"Showback by {r.by}, {r.label}",
            [r.by, *amounts, Col("change %", "signed_pct")],
            [x[:7] for x in table_rows(r)],
        )
        if r.pools:
            say(f"shared = received from the shared-cost pools {', '.join(r.pools)}")
        for x in r.rows:
            owner = f" (owner {x.owner.contact})" if x.owner else ""
            say(f"  {x.value}{owner}: " + "; ".join(f"{d.label} {money(d.cost)}" for d in x.drivers))
    say(*(f"wrote {p}" for p in written))
    if extras.get("png"):
        say(f"wrote {extras['png']}")


ATTRIBUTION_MODELS = [
    "provider",
    "model",
    "billed_cost",
    "estimated_cost",
    "attributed_cost",
    "unmatched_cost",
    "ratio",
]


def attribution_rows(r: Any) -> tuple[list[str], list[list[Any]]]:
    return [*r.by, "attributed_cost", "estimated_cost", "requests", "tokens"], [
        [*x.values.values(), x.cost, x.estimated_cost, x.requests, x.tokens] for x in r.rows
    ]


def show_attribution(r: Any, _: dict[str, Any]) -> None:
    columns, rows = attribution_rows(r)
    kinds = ["text"] * len(r.by) + ["money", "estimate", "count", "count"]  # telemetry estimates are USD
    table(
        f"Cost by {', '.join(r.by)} from telemetry, {r.period_label}",
        [Col(c, k) for c, k in zip(columns, kinds, strict=True)],
        rows,
    )  # type: ignore[arg-type]
    table(
        "Per provider and model",
        [
            "provider",
            "model",
            *(Col(c, "estimate" if c == "estimated_cost" else "money") for c in ATTRIBUTION_MODELS[2:6]),
            Col("ratio", "number"),
        ],
        [[m.provider, m.model, m.billed, m.estimated, m.attributed, m.unmatched, m.ratio] for m in r.models],
    )
    say(
        f"total {cell(r.total, 'money')}: attributed {cell(r.attributed, 'money')} ({pct(r.coverage_pct or 0)}), "
        f"no telemetry for provider/model/day {cell(r.unmatched_cost, 'money')}, rows naming no model "
        f"{cell(r.no_model_cost, 'money')}; telemetry without a bill {cell(r.telemetry_without_bill, 'estimate')} "
        "(estimated). " + ("Reconciles to the invoice exactly." if r.reconciles else "Does NOT reconcile.")
    )


COMMANDS = [
    Command(
        "apply",
        "apply_allocation_rules",
        "Validate a rules file and make it the rules in force (a new version in the history).",
        show_applied,
        group="tags",
        options={
            "document": Opt(
                argument="FILE", help="Rules file (YAML): tags and shared pools; see docs/allocation.md"
            ),
            "author": AUTHOR,
        },
        omit=("source_file",),
        prepare=read_rules,
    ),
    Command(
        "list",
        "list_virtual_tags",
        "List the virtual tags and their rules in force.",
        show_tags,
        group="tags",
    ),
    Command(
        "history",
        "list_allocation_rule_versions",
        "Every change to the rules: version, who, when, what, effective date.",
        show_history,
        group="tags",
    ),
    Command(
        "rollback",
        "rollback_allocation_rules",
        "Restore the rules of an earlier version (recorded as a new version).",
        show_rolled_back,
        group="tags",
        options={
            "version": Opt(argument="VERSION", help="Version whose rules to restore (0: no rules)"),
            "author": AUTHOR,
        },
        prepare=with_author,
    ),
    Command(
        "coverage",
        "get_allocation_coverage",
        "Per tag key and month: share of spend allocated and the largest unallocated line items.",
        show_coverage,
        group="tags",
        options={"keys": Opt(("--key",)), "period": PERIOD},
        rows=coverage_rows,
    ),
    Command(
        "set",
        "set_owner",
        "Set who owns a tag value; options not given keep their current value ('' clears one).",
        show_owner,
        group="owners",
        options={
            "key": Opt(argument="KEY"),
            "value": Opt(argument="VALUE"),
            "author": AUTHOR,
            "allow_unknown_values": Opt(
                ("--allow-new-values",), help="Accept a value the store has not seen yet (a new team)"
            ),
        },
        prepare=with_author,
    ),
    Command(
        "list",
        "list_owners",
        "List owners of tag values.",
        show_owners,
        group="owners",
        rows=owner_rows,
        json=lambda r, _: [dict(zip(OWNER_COLUMNS, row, strict=True)) for row in owner_rows(r)[1]],
    ),
    Command(
        "remove",
        "remove_owner",
        "Remove the owner of a tag value.",
        show_removed_owner,
        group="owners",
        options={"key": Opt(argument="KEY"), "value": Opt(argument="VALUE")},
    ),
    Command(
        "list",
        "list_virtual_tags",
        "The shared-cost pools in force (define them in the rules file's `shared:` section).",
        show_pools,
        group="shared",
        omit=("key",),
        json=lambda r, _: r.pools,
    ),
    Command(
        "show",
        "get_shared_cost_allocation",
        "How each shared pool was redistributed over a period, and direct/shared/total per value.",
        show_shared,
        group="shared",
        options={"period": MONTH_OR_PERIOD},
    ),
    Command(
        "showback",
        "get_showback_report",
        "Direct, shared and total cost per value with month-over-month change and drivers.",
        show_showback,
        group="report",
        json=showback_json,
        extras=(
            Extra("csv", ("--csv",), "Print CSV (with --chargeback: write CSV statements)."),
            Extra("markdown", ("--markdown",), "Print Markdown."),
            Extra("png", ("--png",), "Also write a PNG chart (Vega-Lite) here.", Path | None, None),
            Extra(
                "chargeback",
                ("--chargeback",),
                "Write one statement per owner into this folder (Markdown, or CSV with --csv).",
                Path | None,
                None,
            ),
        ),
    ),
    Command(
        "attribution",
        "attribute_costs_to_customers",
        "Each provider, model and day's bill attributed to customers and features by telemetry.",
        show_attribution,
        group="report",
        options={"period": MONTH_OR_PERIOD},
        rows=attribution_rows,
    ),
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    register_specs(app, COMMANDS)
    tags = group(app, "tags", "")

    @tags.command("export")
    def tags_export(
        version: Annotated[
            int | None, typer.Option("--version", help="Version to export; default: in force.")
        ] = None,
        output_file: Annotated[
            Path | None, typer.Option("--output", "-o", help="Write to this file.")
        ] = None,
        db: DbOption = None,
    ) -> None:
        """Print (or write) the rules file of a version, e.g. to commit approved suggestions to git."""
        from spendscope.tools.allocation.versions import export_rules

        text = export_rules(open_store(db), version)
        if output_file:
            output_file.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)

    @tags.command("suggest")
    def tags_suggest(
        key: Annotated[
            list[str] | None, typer.Option("--key", help="Tag key (repeatable); default: all.")
        ] = None,
        period: Annotated[str | None, typer.Option("--period", help=PERIOD.help)] = None,
        as_of: Annotated[
            str | None, typer.Option("--as-of", help="'Today' for relative periods (YYYY-MM-DD).")
        ] = None,
        limit: Annotated[int, typer.Option(help="Most proposals to keep.")] = 50,
        no_llm: Annotated[
            bool, typer.Option("--no-llm", help="Never ask Claude to refine value names.")
        ] = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Propose rules from account, project, workspace, API key, resource and label names and partial tags.
        Proposals are stored for `tags review`; nothing is applied."""
        from spendscope.tools.allocation.suggest import save_suggestions
        from spendscope.tools.invoke import invoke

        store = open_store(db, honours_scope=True)
        args = {"keys": key or [], "period": period, "limit": limit, "as_of": as_of}
        result = invoke(
            store, "suggest_allocation_rules", {k: v for k, v in args.items() if v is not None}, cli_caller()
        )
        notes: list[str] = []
        if not no_llm and result.suggestions:
            result, notes = _refined(store, result, db)
        batch = save_suggestions(store, result) if result.suggestions else None
        if as_json:
            print_json({**result.model_dump(mode="python"), "batch": batch, "notes": notes})
            return
        if not result.suggestions:
            say(f"no suggestions: nothing unallocated could be matched ({result.period_label})")
            return
        table(
            f"Suggested rules, {result.period_label}",
            [
                Col("id", "count"),
                "key",
                "rule",
                Col("new_cost", "money"),
                Col("matched_cost", "money"),
                "confidence",
            ],
            [
                [s.id, s.key, rule_text(s.rule), s.new_cost, s.matched_cost, s.confidence]
                for s in result.suggestions
            ],
        )
        say("evidence:", *(f"  {s.id}. [{s.heuristic}] {s.evidence}" for s in result.suggestions), *notes)
        say("approve, edit or reject with: spendscope tags review --approve 1-3 --edit 4=VALUE --reject 5")

    @tags.command("review")
    def tags_review(
        approve: Annotated[str, typer.Option("--approve", help="Ids or ranges to approve, e.g. 1-5,8.")] = "",
        reject: Annotated[str, typer.Option("--reject", help="Ids or ranges to reject.")] = "",
        edit: Annotated[
            list[str] | None,
            typer.Option(
                "--edit", help="ID=VALUE: change a proposal's value (repeatable); applied before approving."
            ),
        ] = None,
        author: Annotated[str | None, typer.Option("--author", help=AUTHOR.help)] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Review suggested rules: without options, list them; approve/edit/reject in bulk by ids or ranges."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.tools.allocation.suggest import pending_suggestions
        from spendscope.tools.invoke import invoke

        store = open_store(db)
        if not (approve or reject or edit):
            items = pending_suggestions(store)
            if as_json:
                print_json(items)
            elif not items:
                say("no suggestions yet: run spendscope tags suggest")
            else:
                table(
                    "Suggested rules",
                    [Col("id", "count"), "status", "key", "rule", Col("new_cost", "money"), "evidence"],
                    [[s.id, s.status, s.key, rule_text(s.rule), s.new_cost, s.evidence] for s in items],
                )
            return
        if not pending_suggestions(store):
            raise InvalidArgument(
                "no suggestions to review yet: run spendscope tags suggest first", argument="--approve"
            )
        edits: dict[int, str] = {}
        for e in edit or []:
            ident, sep, value = e.partition("=")
            if not sep or not ident.strip().isdigit():
                raise InvalidArgument(
                    f"--edit {e!r}: use ID=VALUE, e.g. --edit 4=platform", argument="--edit"
                )
            edits[int(ident)] = value
        args = {"approve": approve, "reject": reject, "edits": edits, "author": author or login_name()}
        result = invoke(store, "review_allocation_suggestions", args, cli_caller())
        if as_json:
            print_json(result)
            return
        say(*(f"edited {s.id}: {s.key} {rule_text(s.rule)}" for s in result.edited))
        say(*(f"approved {s.id}: {s.key} {rule_text(s.rule)}" for s in result.approved))
        say(*(f"rejected {s.id}: {s.key} {rule_text(s.rule)}" for s in result.rejected))
        if result.rules:
            say(
                f"rules version {result.rules.version}: {result.rules.summary}",
                "keep the file in git: spendscope tags export -o rules.yaml",
            )
        say(f"{result.pending} proposals still pending")


def _refined(store: Any, result: Any, db: str | Path | None) -> tuple[Any, list[str]]:
    """Suggestions with value names refined by Claude when a key is configured (else as they are)."""
    from spendscope.agents.llm import anthropic_client
    from spendscope.data.errors import SpendscopeError
    from spendscope.tools.invoke import invoke

    conf = settings(db)
    client = anthropic_client(conf, max_retries=1)
    if client is None:
        return result, []
    from spendscope.agents.suggest_refine import refine_suggestions

    known = {}
    for k in result.keys:
        try:
            values = invoke(
                store, "list_dimension_values", {"dimension": k, "limit": 100}, cli_caller()
            ).values
        except SpendscopeError:
            continue
        known[k] = [v.value for v in values if v.value and v.value != "unallocated"]
    return refine_suggestions(result, known, model=conf.anthropic_model, client=client)


def rule_text(rule: dict[str, Any]) -> str:
    from spendscope.tools.allocation.document import describe_condition

    sets = f"= {rule['value']}" if "value" in rule else f"copy {rule.get('copy')}"
    return sets + (f" when {describe_condition(_normalised(rule['when']))}" if "when" in rule else "")


def _normalised(cond: dict[str, Any]) -> dict[str, Any]:
    """{field: value} shorthand (as suggestions write it) -> {field: {equals: value}}."""
    (key, value), *_ = cond.items()
    if key in ("all", "any", "not") or isinstance(value, dict):
        return cond
    return {key: {"in" if isinstance(value, list) else "equals": value}}
