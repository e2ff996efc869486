"""Allocation commands: `tags apply|list|export|history|rollback|coverage|suggest|review`, `owners set|list|remove`,
`shared list|show`, `report showback|attribution`. They translate arguments and render; the work is in
tools.allocation, tools.allocation.owners and tools.allocation.showback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.options import CsvOption, DbOption, JsonOption, open_store, settings

AuthorOption = Annotated[
    str | None, typer.Option("--author", help="Who makes the change (recorded); default: your login name.")
]
PeriodOption = Annotated[
    str | None,
    typer.Option(
        "--period", help="Period, e.g. 2026-10, 'last month', 2026-08-01..2026-10-31; default: all data."
    ),
]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="'Today' for relative periods (YYYY-MM-DD).")]
MeasureOption = Annotated[
    str, typer.Option("--measure", help="cost (EffectiveCost), billed_cost, list_cost or contracted_cost.")
]


def _author(value: str | None) -> str:
    if value:
        return value
    import getpass

    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _date(value: str | None, option: str) -> dt.date | None:
    from spendscope.data.errors import InvalidArgument

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidArgument(f"{option} {value!r} is not a date; use YYYY-MM-DD", argument=option) from None


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    """The sub-command group `name`, shared with other command modules that add to it."""
    for group in app.registered_groups:
        if group.name == name and group.typer_instance is not None:
            return group.typer_instance
    sub = typer.Typer(help=help_text, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub


def _say(text: str) -> None:
    """One message line: no markup, no highlighting, never wrapped (scripts parse these)."""
    from spendscope.render import console

    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _money(v: Any) -> str:
    return f"{float(v or 0):,.2f}"


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    tags = _group(app, "tags", "Virtual tags: allocation rules, coverage, suggestions and review.")
    owners = _group(app, "owners", "Owners of tag values (Slack channel, Slack user, email, Teams webhook).")
    shared = _group(app, "shared", "Shared-cost pools (defined in the rules file's `shared:` section).")
    report = _group(app, "report", "Reports: showback/chargeback and telemetry-based customer attribution.")

    # ------------------------------------------------------------------------------------------------ tags
    @tags.command("apply")
    def tags_apply(
        file: Annotated[
            Path, typer.Argument(help="Rules file (YAML): tags and shared pools; see docs/allocation.md")
        ],
        effective_from: Annotated[
            str | None,
            typer.Option(
                "--effective-from",
                help="Charges before this date "
                "(YYYY-MM-DD) keep the rules in force before; overrides the file's.",
            ),
        ] = None,
        author: AuthorOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Validate a rules file and make it the rules in force (a new version in the history)."""
        from spendscope.data.errors import InvalidRules
        from spendscope.render import print_json
        from spendscope.tools.allocation.versions import ApplyRulesInput, apply_rules

        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidRules(
                f"{file}: cannot read the rules file ({exc.strerror})", file=str(file)
            ) from None
        result = apply_rules(
            open_store(db),
            ApplyRulesInput(
                document=text,
                source_file=str(file),
                author=_author(author),
                effective_from=_date(effective_from, "--effective-from"),
            ),
        )
        if as_json:
            print_json(result)
            return
        if result.status == "unchanged":
            _say(f"rules unchanged: identical to version {result.version}; nothing recorded")
            return
        since = f", effective from {result.effective_from}" if result.effective_from else ""
        _say(
            f"applied rules version {result.version}{since}: {result.rule_count} rules for "
            f"{', '.join(result.tag_keys) or 'no tags'}, {result.pool_count} shared pools"
        )
        _say(f"changes: {result.summary}")
        _say("see coverage with: spendscope tags coverage")

    @tags.command("list")
    def tags_list(
        key: Annotated[str | None, typer.Option("--key", help="Only this tag key.")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """List the virtual tags and their rules (and shared pools) in force."""
        from spendscope.render import output, print_json
        from spendscope.tools.allocation.document import describe_condition
        from spendscope.tools.allocation.versions import ListVirtualTagsInput, list_virtual_tags

        result = list_virtual_tags(open_store(db), ListVirtualTagsInput(key=key))
        if as_json:
            print_json(result)
            return
        if result.current_version is None:
            _say("no allocation rules yet: write a rules file and run spendscope tags apply FILE")
            return
        if not result.tags:
            _say(f"no virtual tags in force (rules version {result.current_version})")
        rows = []
        for t in result.tags:
            span = (
                f"{t.effective_from or '…'} to {t.until or '…'}"
                if (t.effective_from or t.until)
                else "all dates"
            )
            for r in t.rules:
                what = f"= {r.value}" if r.value is not None else f"copy {r.copy_from}"
                rows.append([t.key, r.index, what, describe_condition(r.when), t.version, span, r.line])
        if rows:
            output(
                ["tag", "rule", "sets", "when", "version", "applies", "line"],
                rows,
                title=f"Virtual tags (rules version {result.current_version})",
            )
        if result.pools:
            _say("shared-cost pools: spendscope shared list")

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
        import sys

        from spendscope.tools.allocation.versions import export_rules

        text = export_rules(open_store(db), version)
        if output_file:
            output_file.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)

    @tags.command("history")
    def tags_history(
        limit: Annotated[int, typer.Option(help="Most recent versions to show.")] = 50,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Every change to the rules: version, who, when, what, effective date."""
        from spendscope.render import output, print_json
        from spendscope.tools.allocation.versions import HistoryInput, rules_history

        result = rules_history(open_store(db), HistoryInput(limit=limit))
        if as_json:
            print_json(result)
            return
        if not result.versions:
            _say("no allocation rules yet")
            return
        output(
            [
                "version",
                "applied_at",
                "author",
                "action",
                "effective_from",
                "rules",
                "pools",
                "file",
                "changes",
            ],
            [
                [
                    v.version,
                    v.applied_at,
                    v.author,
                    v.action,
                    v.effective_from,
                    v.rule_count,
                    v.pool_count,
                    Path(v.source_file).name if v.source_file else None,
                    v.summary,
                ]
                for v in result.versions
            ],
            title=f"Rules history (in force: version {result.current_version})",
        )

    @tags.command("rollback")
    def tags_rollback(
        version: Annotated[int, typer.Argument(help="Version whose rules to restore (0: no rules).")],
        author: AuthorOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Restore the rules of an earlier version (recorded as a new version)."""
        from spendscope.render import print_json
        from spendscope.tools.allocation.versions import RollbackInput, rollback_rules

        result = rollback_rules(open_store(db), RollbackInput(version=version, author=_author(author)))
        if as_json:
            print_json(result)
            return
        _say(f"restored the rules of version {version} as version {result.version}")
        _say(f"changes: {result.summary}")

    @tags.command("coverage")
    def tags_coverage(
        key: Annotated[
            list[str] | None, typer.Option("--key", help="Tag key (repeatable); default: all.")
        ] = None,
        period: PeriodOption = None,
        as_of: AsOfOption = None,
        top: Annotated[int, typer.Option(help="Largest unallocated line items per key and month.")] = 3,
        measure: MeasureOption = "cost",
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
    ) -> None:
        """Per tag key and month: share of spend allocated and the largest unallocated line items."""
        from spendscope.render import output, print_json
        from spendscope.tools.allocation.coverage import CoverageInput, allocation_coverage

        result = allocation_coverage(
            open_store(db),
            CoverageInput(
                keys=key or [], period=period, top=top, measure=measure, as_of=_date(as_of, "--as-of")
            ),
        )
        if as_json:
            print_json(result)
            return
        cols = [
            "key",
            "kind",
            "month",
            "total_cost",
            "allocated_cost",
            "unallocated_cost",
            "allocated_pct",
            "values",
        ]
        rows = [
            [r.key, r.kind, r.month, r.total, r.allocated, r.unallocated, r.allocated_pct, r.values]
            for r in result.rows
        ]
        if as_csv:
            output(cols, rows, as_csv=True)
            return
        if not rows:
            _say("no tag keys: define virtual tags (spendscope tags apply FILE) or import tagged data")
            return
        output(cols, rows, title=f"Allocation coverage, {result.period_label}")
        if result.unallocated_items:
            output(
                ["key", "month", "cost", "line item (provider / sub-account / resource: charge)"],
                [
                    [
                        i.key,
                        i.month,
                        i.cost,
                        " / ".join(x or "-" for x in (i.provider, i.sub_account, i.resource))
                        + f": {i.charge_description or '-'}",
                    ]
                    for i in result.unallocated_items
                ],
                title="Largest unallocated line items",
            )

    @tags.command("suggest")
    def tags_suggest(
        key: Annotated[
            list[str] | None, typer.Option("--key", help="Tag key (repeatable); default: all.")
        ] = None,
        period: PeriodOption = None,
        as_of: AsOfOption = None,
        limit: Annotated[int, typer.Option(help="Most proposals to keep.")] = 50,
        no_llm: Annotated[
            bool, typer.Option("--no-llm", help="Never ask Claude to refine value names.")
        ] = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Propose rules from account, project, workspace, API key, resource and label names and partial tags.
        Proposals are stored for `tags review`; nothing is applied."""
        from spendscope.data.errors import SpendscopeError
        from spendscope.render import output, print_json
        from spendscope.tools.allocation.suggest import SuggestInput, save_suggestions, suggest_rules

        store = open_store(db)
        result = suggest_rules(
            store, SuggestInput(keys=key or [], period=period, limit=limit, as_of=_date(as_of, "--as-of"))
        )
        notes: list[str] = []
        if not no_llm and result.suggestions:
            from spendscope.agents.llm import anthropic_client

            conf = settings(db)
            client = anthropic_client(conf, max_retries=1)
            if client is not None:
                from spendscope.agents.suggest_refine import refine_suggestions
                from spendscope.tools.costs.breakdown import DimensionValuesInput, dimension_values

                known = {}
                for k in result.keys:
                    try:
                        values = dimension_values(store, DimensionValuesInput(dimension=k, limit=100)).values
                        known[k] = [v.value for v in values if v.value and v.value != "unallocated"]
                    except SpendscopeError:
                        continue
                result, notes = refine_suggestions(result, known, model=conf.anthropic_model, client=client)
        batch = save_suggestions(store, result) if result.suggestions else None
        if as_json:
            print_json({**result.model_dump(mode="python"), "batch": batch, "notes": notes})
            return
        if not result.suggestions:
            _say(f"no suggestions: nothing unallocated could be matched ({result.period_label})")
            return
        output(
            ["id", "key", "rule", "new_cost", "matched_cost", "confidence"],
            [
                [s.id, s.key, _rule_text(s.rule), s.new_cost, s.matched_cost, s.confidence]
                for s in result.suggestions
            ],
            title=f"Suggested rules, {result.period_label}",
        )
        _say("evidence:")
        for s in result.suggestions:
            _say(f"  {s.id}. [{s.heuristic}] {s.evidence}")
        for n in notes:
            _say(n)
        _say("approve, edit or reject with: spendscope tags review --approve 1-3 --edit 4=VALUE --reject 5")

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
        author: AuthorOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Review suggested rules: without options, list them; approve/edit/reject in bulk by ids or ranges."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.render import output, print_json
        from spendscope.tools.allocation.suggest import ReviewInput, pending_suggestions, review_suggestions

        store = open_store(db)
        if not (approve or reject or edit):
            items = pending_suggestions(store)
            if as_json:
                print_json(items)
                return
            if not items:
                _say("no suggestions yet: run spendscope tags suggest")
                return
            output(
                ["id", "status", "key", "rule", "new_cost", "evidence"],
                [[s.id, s.status, s.key, _rule_text(s.rule), s.new_cost, s.evidence] for s in items],
                title="Suggested rules",
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
        result = review_suggestions(
            store, ReviewInput(approve=approve, reject=reject, edits=edits, author=_author(author))
        )
        if as_json:
            print_json(result)
            return
        for s in result.edited:
            _say(f"edited {s.id}: {s.key} {_rule_text(s.rule)}")
        for s in result.approved:
            _say(f"approved {s.id}: {s.key} {_rule_text(s.rule)}")
        for s in result.rejected:
            _say(f"rejected {s.id}: {s.key} {_rule_text(s.rule)}")
        if result.rules:
            _say(f"rules version {result.rules.version}: {result.rules.summary}")
            _say("keep the file in git: spendscope tags export -o rules.yaml")
        _say(f"{result.pending} proposals still pending")

    # ------------------------------------------------------------------------------------------------ owners
    @owners.command("set")
    def owners_set(
        key: Annotated[str, typer.Argument(help="Tag key, e.g. team.")],
        value: Annotated[str, typer.Argument(help="Tag value, e.g. search.")],
        slack_channel: Annotated[
            str | None, typer.Option("--slack-channel", help="#channel or channel id.")
        ] = None,
        slack_user: Annotated[
            str | None, typer.Option("--slack-user", help="User id (U...) or @handle.")
        ] = None,
        email: Annotated[str | None, typer.Option("--email", help="Email address.")] = None,
        teams_webhook: Annotated[
            str | None,
            typer.Option("--teams-webhook", help="Name of a Teams webhook (its URL goes in the keys file)."),
        ] = None,
        author: AuthorOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Set who owns a tag value; options not given keep their current value ('' clears one)."""
        from spendscope.render import print_json
        from spendscope.tools.allocation.owners import SetOwnerInput, set_owner

        owner = set_owner(
            open_store(db),
            SetOwnerInput(
                key=key,
                value=value,
                slack_channel=slack_channel,
                slack_user=slack_user,
                email=email,
                teams_webhook=teams_webhook,
                author=_author(author),
            ),
        )
        if as_json:
            print_json(owner)
            return
        teams = f"teams:{owner.teams_webhook}" if owner.teams_webhook else None
        contacts = ", ".join(x for x in (owner.slack_channel, owner.slack_user, owner.email, teams) if x)
        _say(f"{owner.key}={owner.value} is owned by {contacts}")

    @owners.command("list")
    def owners_list(
        key: Annotated[str | None, typer.Option("--key", help="Only this tag key.")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
    ) -> None:
        """List owners of tag values."""
        from spendscope.render import output
        from spendscope.tools.allocation.owners import ListOwnersInput, list_owners

        result = list_owners(open_store(db), ListOwnersInput(key=key))
        if not result.owners and not (as_json or as_csv):
            _say("no owners yet: spendscope owners set team search --slack-channel '#search-costs'")
            return
        output(
            [
                "key",
                "value",
                "slack_channel",
                "slack_user",
                "email",
                "teams_webhook",
                "updated_by",
                "updated_at",
            ],
            [
                [
                    o.key,
                    o.value,
                    o.slack_channel,
                    o.slack_user,
                    o.email,
                    o.teams_webhook,
                    o.updated_by,
                    o.updated_at,
                ]
                for o in result.owners
            ],
            as_json=as_json,
            as_csv=as_csv,
            title="Owners",
        )

    @owners.command("remove")
    def owners_remove(
        key: Annotated[str, typer.Argument(help="Tag key.")],
        value: Annotated[str, typer.Argument(help="Tag value.")],
        db: DbOption = None,
    ) -> None:
        """Remove the owner of a tag value."""
        from spendscope.tools.allocation.owners import RemoveOwnerInput, remove_owner

        owner = remove_owner(open_store(db), RemoveOwnerInput(key=key, value=value))
        _say(f"removed the owner of {owner.key}={owner.value}")

    # ------------------------------------------------------------------------------------------------ shared
    @shared.command("list")
    def shared_list(db: DbOption = None, as_json: JsonOption = False) -> None:
        """The shared-cost pools in force (define them in the rules file's `shared:` section)."""
        from spendscope.render import output, print_json
        from spendscope.tools.allocation.document import describe_condition
        from spendscope.tools.allocation.versions import list_virtual_tags

        result = list_virtual_tags(open_store(db))
        if as_json:
            print_json(result.pools)
            return
        if not result.pools:
            _say("no shared-cost pools: add a `shared:` section to the rules file (docs/allocation.md)")
            return

        def members(spec: dict[str, Any]) -> str:
            if spec.get("percentages"):
                return ", ".join(f"{k} {v:g}%" for k, v in spec["percentages"].items())
            return ", ".join(spec.get("members") or []) or "every allocated value"

        output(
            ["pool", "to", "split", "when", "members", "version"],
            [
                [
                    p.name,
                    p.spec.get("to"),
                    p.spec.get("split")
                    + (
                        f" by {p.spec['basis']}"
                        if "basis" in p.spec
                        else f" by {p.spec['metric']}"
                        if "metric" in p.spec
                        else ""
                    ),
                    describe_condition(p.spec.get("when")),
                    members(p.spec),
                    p.version,
                ]
                for p in result.pools
            ],
            title="Shared-cost pools",
        )

    @shared.command("show")
    def shared_show(
        key: Annotated[str, typer.Option("--key", help="Tag key the pools redistribute to.")] = "team",
        month: Annotated[
            str | None, typer.Option("--month", help="Month, e.g. 2026-10 (or use --period).")
        ] = None,
        period: PeriodOption = None,
        as_of: AsOfOption = None,
        measure: MeasureOption = "cost",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """How each shared pool was redistributed over a period, and direct/shared/total per value."""
        from spendscope.render import output, print_json
        from spendscope.tools.allocation.shared import SharedCostsInput, shared_costs

        result = shared_costs(
            open_store(db),
            SharedCostsInput(key=key, period=month or period, measure=measure, as_of=_date(as_of, "--as-of")),
        )
        if as_json:
            print_json(result)
            return
        rows = []
        for p in result.pools:
            for m in p.members:
                rows.append(
                    [p.pool, p.split + (f" by {p.basis}" if p.basis else ""), m.value, m.amount, m.share_pct]
                )
            if p.fallback_days or p.unassigned_days:
                rows.append(
                    [
                        p.pool,
                        "note",
                        f"{p.fallback_days} days split evenly (no weights), "
                        f"{p.unassigned_days} days without members",
                        None,
                        None,
                    ]
                )
        if rows:
            output(
                ["pool", "split", "to", "amount_cost", "share_pct"],
                rows,
                title=f"Shared pools to {result.key}, {result.period_label}",
            )
        else:
            _say(f"no shared-cost pools redistribute to {result.key} in {result.period_label}")
        output(
            [result.key, "direct_cost", "shared_cost", "total_cost"],
            [[v.value, v.direct, v.shared, v.total] for v in result.values],
            title="Per value",
        )
        state = "conserved" if result.conserved else "NOT conserved"
        _say(
            f"total before {_money(result.total_before)}, after {_money(result.total_after)} "
            f"({state} for every day)"
        )

    # ------------------------------------------------------------------------------------------------ reports
    @report.command("showback")
    def report_showback(
        by: Annotated[str, typer.Option("--by", help="Tag key or dimension, e.g. team.")] = "team",
        month: Annotated[
            str, typer.Option("--month", help="Month, e.g. 2026-10 or 'last month'.")
        ] = "last month",
        as_of: AsOfOption = None,
        measure: MeasureOption = "cost",
        drivers: Annotated[int, typer.Option(help="Top drivers per value.")] = 3,
        as_csv: CsvOption = False,
        markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown.")] = False,
        png: Annotated[
            Path | None, typer.Option("--png", help="Also write a PNG chart (Vega-Lite) here.")
        ] = None,
        chargeback: Annotated[
            Path | None,
            typer.Option(
                "--chargeback",
                help="Write one statement per owner into this folder (Markdown, or CSV with --csv).",
            ),
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Showback for a month: per value direct, shared and total cost, month-over-month change, top drivers."""
        import sys

        from spendscope.render import output, print_json
        from spendscope.tools.allocation.showback import (
            ShowbackInput,
            chart_spec,
            render_png,
            showback,
            table_rows,
            to_csv,
            to_markdown,
            write_chargeback,
        )

        result = showback(
            open_store(db),
            ShowbackInput(
                by=by, month=month, measure=measure, drivers=drivers, as_of=_date(as_of, "--as-of")
            ),
        )
        if png:
            png.parent.mkdir(parents=True, exist_ok=True)
            png.write_bytes(render_png(chart_spec(result)))
        written = write_chargeback(result, chargeback, "csv" if as_csv else "markdown") if chargeback else []
        if as_json:
            print_json(
                {
                    **result.model_dump(mode="python"),
                    "chart": str(png) if png else None,
                    "chargeback_files": [str(p) for p in written],
                }
            )
        elif as_csv and not chargeback:
            sys.stdout.write(to_csv(result))
        elif markdown:
            sys.stdout.write(to_markdown(result))
        else:
            cols = [
                result.by,
                "direct_cost",
                "shared_cost",
                "total_cost",
                "previous_cost",
                "change_cost",
                "change",
            ]
            output(
                cols, [r[:7] for r in table_rows(result)], title=f"Showback by {result.by}, {result.label}"
            )
            if result.pools:
                _say(f"shared = received from the shared-cost pools {', '.join(result.pools)}")
            for r in result.rows:
                owner = f" (owner {r.owner.contact})" if r.owner else ""
                drivers = "; ".join(f"{d.label} {float(d.cost):,.2f}" for d in r.drivers)
                _say(f"  {r.value}{owner}: {drivers}")
        if not as_json:
            for p in written:
                _say(f"wrote {p}")
            if png:
                _say(f"wrote {png}")

    @report.command("attribution")
    def report_attribution(
        by: Annotated[
            str,
            typer.Option(
                "--by", help="Telemetry attribute(s), comma-separated: customer, feature, team, env."
            ),
        ] = "customer",
        month: Annotated[
            str | None, typer.Option("--month", help="Month, e.g. 2026-10 (or use --period).")
        ] = None,
        period: PeriodOption = None,
        as_of: AsOfOption = None,
        measure: Annotated[
            str, typer.Option("--measure", help="cost (amortised, default) or billed_cost (the invoice).")
        ] = "cost",
        db: DbOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
    ) -> None:
        """Attribute each provider + model + day's bill to customers (or features) by telemetry-estimated cost."""
        from spendscope.render import output, print_json
        from spendscope.tools.allocation.attribution import AttributionInput, attribute_costs

        result = attribute_costs(
            open_store(db),
            AttributionInput(
                by=[b for b in by.split(",") if b.strip()],
                period=month or period,
                measure=measure,
                as_of=_date(as_of, "--as-of"),
            ),
        )
        if as_json:
            print_json(result)
            return
        cols = [*result.by, "attributed_cost", "estimated_cost", "requests", "tokens"]
        rows = [[*r.values.values(), r.cost, r.estimated_cost, r.requests, r.tokens] for r in result.rows]
        if as_csv:
            output(cols, rows, as_csv=True)
            return
        output(cols, rows, title=f"Cost by {', '.join(result.by)} from telemetry, {result.period_label}")
        output(
            [
                "provider",
                "model",
                "billed_cost",
                "estimated_cost",
                "attributed_cost",
                "unmatched_cost",
                "ratio",
            ],
            [
                [m.provider, m.model, m.billed, m.estimated, m.attributed, m.unmatched, m.ratio]
                for m in result.models
            ],
            title="Per provider and model",
        )
        _say(
            f"total {_money(result.total)}: attributed {_money(result.attributed)} "
            f"({result.coverage_pct or 0:.1f}%), no telemetry for provider/model/day {_money(result.unmatched_cost)}, "
            f"rows naming no model {_money(result.no_model_cost)}; telemetry without a bill "
            f"{_money(result.telemetry_without_bill)} (estimated). "
            + ("Reconciles to the invoice exactly." if result.reconciles else "Does NOT reconcile."),
        )


def _rule_text(rule: dict[str, Any]) -> str:
    from spendscope.tools.allocation.document import describe_condition

    sets = f"= {rule['value']}" if "value" in rule else f"copy {rule.get('copy')}"
    return sets + (f" when {describe_condition(_normalised(rule['when']))}" if "when" in rule else "")


def _normalised(cond: dict[str, Any]) -> dict[str, Any]:
    """{field: value} shorthand (as suggestions write it) -> {field: {equals: value}}."""
    (key, value), *_ = cond.items()
    if key in ("all", "any", "not") or isinstance(value, dict):
        return cond
    return {key: {"in" if isinstance(value, list) else "equals": value}}
