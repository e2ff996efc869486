"""Source commands: `sync openai|anthropic`, `otel`, `telemetry flush`, `sources`, and
`import litellm|langfuse|bedrock-logs|otel|gpu`. They translate arguments and render; the work is in data/ and tools/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from spendscope.opcommands import Command, Opt, register_specs
from spendscope.options import DbOption, JsonOption, open_store, settings

SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="First day to pull (YYYY-MM-DD); default: the look-back before the last sync, "
        "or SPENDSCOPE_SYNC_INITIAL_DAYS ago on the first sync.",
    ),
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Last day to pull (YYYY-MM-DD); default: now.")
]
LookbackOption = Annotated[
    int | None,
    typer.Option(
        "--lookback",
        help="Days before the last synced day to re-read for late data "
        "(default SPENDSCOPE_SYNC_LOOKBACK_DAYS, 3).",
    ),
]
ReplaceOtherOption = Annotated[
    bool,
    typer.Option(
        "--replace-period",
        help="Days another source of the same bill holds (a FOCUS file naming the same provider, project and "
        "day) are left out of the sync by default, with a warning; with this flag the sync's rows replace them.",
    ),
]


def _date(value: str | None, option: str) -> dt.date | None:
    from spendscope.data.errors import InvalidArgument

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidArgument(f"{option} {value!r} is not a date; use YYYY-MM-DD", argument=option) from None


def _print_sync(label: str, r: Any) -> None:
    from spendscope.render import console, money

    console.print(
        f"{label} sync {r.window_start:%Y-%m-%d} to {r.window_end:%Y-%m-%d %H:%M}Z: {r.cost_rows:,} cost rows"
        + (f" (replacing {r.replaced_rows:,} from earlier syncs)" if r.replaced_rows else "")
        + f", total {money(r.total_cost)}; tokens from the usage report on {r.tokens_matched_rows:,} rows; "
        f"{r.requests} requests, {r.retries} retries (import {r.import_result.import_id})",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    for w in r.import_result.warnings:
        console.print(f"  warning: {w}", markup=False, highlight=False, soft_wrap=True)


def _print_results(results: list[Any], as_json: bool) -> None:
    from spendscope.render import console, print_json

    if as_json:
        print_json(results)
        return
    for r in results:
        if r.status == "duplicate":
            console.print(
                f"{r.source_file}: already imported ({r.import_id}); nothing added",
                markup=False,
                soft_wrap=True,
            )
        else:
            console.print(
                f"{r.source_file}: {r.rows_inserted:,} rows imported"
                + (f", {r.rows_skipped:,} already present" if r.rows_skipped else "")
                + f" (import {r.import_id})",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        for w in r.warnings:
            console.print(f"  warning: {w}", markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    sync_app = typer.Typer(
        help="Pull costs and usage from provider APIs (admin keys from the environment).",
        no_args_is_help=True,
    )
    app.add_typer(sync_app, name="sync")

    @sync_app.command("openai")
    def sync_openai_cmd(
        since: SinceOption = None,
        until: UntilOption = None,
        lookback: LookbackOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        replace_period: ReplaceOtherOption = False,
    ) -> None:
        """OpenAI Costs API (+ Usage API for tokens) -> FOCUS rows. Key: OPENAI_ADMIN_KEY or the keys file."""
        from spendscope.data.sync_openai import sync_openai
        from spendscope.render import print_json

        result = sync_openai(
            open_store(db),
            settings(db),
            since=_date(since, "--since"),
            until=_date(until, "--until"),
            lookback_days=lookback,
            replace_other=replace_period,
        )
        print_json(result) if as_json else _print_sync("OpenAI API", result)

    @sync_app.command("anthropic")
    def sync_anthropic_cmd(
        since: SinceOption = None,
        until: UntilOption = None,
        lookback: LookbackOption = None,
        db: DbOption = None,
        as_json: JsonOption = False,
        replace_period: ReplaceOtherOption = False,
    ) -> None:
        """Anthropic Admin API cost report (+ usage report for tokens) -> FOCUS rows. Key: ANTHROPIC_ADMIN_KEY."""
        from spendscope.data.sync_anthropic import sync_anthropic
        from spendscope.render import print_json

        result = sync_anthropic(
            open_store(db),
            settings(db),
            since=_date(since, "--since"),
            until=_date(until, "--until"),
            lookback_days=lookback,
            replace_other=replace_period,
        )
        print_json(result) if as_json else _print_sync("Anthropic API", result)

    @app.command("otel")
    def otel_cmd(
        port: Annotated[
            int, typer.Option("--port", help="Port to listen on (4318 is OTLP/HTTP's; 0 picks a free one).")
        ] = 4318,
        host: Annotated[
            str, typer.Option("--host", help="Interface to bind; keep 127.0.0.1 unless behind a proxy.")
        ] = "127.0.0.1",
        db: DbOption = None,
    ) -> None:
        """Receive OpenTelemetry GenAI spans (OTLP/HTTP, JSON encoding) on POST /v1/traces into usage_events."""
        import sys

        from spendscope.data.otel import make_server
        from spendscope.data.prices import PriceCatalog

        def log(message: str) -> None:
            sys.stdout.write(message + "\n")
            sys.stdout.flush()

        server = make_server(
            open_store(db), host, port, catalog=PriceCatalog.load(settings(db).prices_file), log=log
        )
        bound = server.server_address[1]
        log(f"spendscope otel: listening on http://{host}:{bound}/v1/traces (OTLP/HTTP JSON); Ctrl-C stops")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    @import_app.command("otel")
    def import_otel_cmd(
        files: Annotated[list[Path], typer.Argument(help="OTLP JSON trace exports (.json/.jsonl, also .gz)")],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import OpenTelemetry GenAI spans from OTLP JSON files (e.g. the Collector's file exporter)."""
        from spendscope.data.otel import import_otel_file
        from spendscope.data.prices import PriceCatalog

        store = open_store(db)
        catalog = PriceCatalog.load(settings(db).prices_file)
        _print_results([import_otel_file(store, f, catalog=catalog) for f in files], as_json)

    telemetry_app = typer.Typer(
        help="The request telemetry of data.telemetry (the Python wrapper).", no_args_is_help=True
    )
    app.add_typer(telemetry_app, name="telemetry")

    @telemetry_app.command("flush")
    def telemetry_flush_cmd(db: DbOption = None, as_json: JsonOption = False) -> None:
        """Import the telemetry events spooled while the store could not be written (<state_dir>/spool)."""
        from spendscope.data.prices import PriceCatalog
        from spendscope.data.telemetry import flush_spool
        from spendscope.render import console, print_json

        s = settings(db)
        result = flush_spool(open_store(db), Path(s.state_dir) / "spool", PriceCatalog.load(s.prices_file))
        if as_json:
            print_json(result)
            return
        console.print(
            f"{result.files} spool files imported: {result.events_inserted:,} events added"
            + (
                f", {result.events_already_present:,} already present"
                if result.events_already_present
                else ""
            ),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        for f in result.failed:
            console.print(f"  kept (not imported): {f}", markup=False, highlight=False, soft_wrap=True)

    @import_app.command("litellm")
    def import_litellm_cmd(
        files: Annotated[
            list[Path], typer.Argument(help="LiteLLM spend log exports (SpendLogs as CSV or JSON)")
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import LiteLLM proxy spend logs as usage events (request text is never read)."""
        from spendscope.data.import_litellm import import_litellm
        from spendscope.data.prices import PriceCatalog

        store = open_store(db)
        catalog = PriceCatalog.load(settings(db).prices_file)
        _print_results([import_litellm(store, f, catalog=catalog) for f in files], as_json)

    @import_app.command("langfuse")
    def import_langfuse_cmd(
        files: Annotated[
            list[Path],
            typer.Argument(
                help="Langfuse exports: a trace with its observations (the UI's trace export or the API's "
                'trace), an array of them, observations API pages {"data": [...]}, or JSON lines; also .gz'
            ),
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import Langfuse generations as usage events: tokens, Langfuse's cost (kept beside the catalog price),
        user, session and tags. Spans and tools without usage, and agent observations whose usage sums the
        generations below them, are counted and not imported. Prompt and completion text is never read."""
        from spendscope.data.import_langfuse import import_langfuse
        from spendscope.data.prices import PriceCatalog

        store = open_store(db)
        catalog = PriceCatalog.load(settings(db).prices_file)
        _print_results([import_langfuse(store, f, catalog=catalog) for f in files], as_json)

    @import_app.command("bedrock-logs")
    def import_bedrock_logs_cmd(
        files: Annotated[
            list[Path],
            typer.Argument(
                help="Amazon Bedrock model invocation logs: JSON lines as S3 delivers them (.json, .jsonl, "
                ".json.gz), a CloudWatch Logs export to S3, `aws logs filter-log-events` output, or a JSON array"
            ),
        ],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import Amazon Bedrock model invocation logs as usage events, priced from the catalog: model (ids,
        inference profiles and their ARNs), tokens with cache reads and writes, account (sub_account), caller
        (the identity's role or user) and requestMetadata. Prompt and completion bodies are never read."""
        from spendscope.data.import_bedrock_logs import import_bedrock_logs
        from spendscope.data.prices import PriceCatalog

        store = open_store(db)
        catalog = PriceCatalog.load(settings(db).prices_file)
        _print_results([import_bedrock_logs(store, f, catalog=catalog) for f in files], as_json)

    @import_app.command("gpu")
    def import_gpu_cmd(
        files: Annotated[
            list[Path],
            typer.Argument(help="nvidia-smi --query-gpu CSV, nvidia-smi dmon or DCGM-exporter text"),
        ],
        instance: Annotated[
            str | None,
            typer.Option("--instance", help="Instance id (the cost rows' ResourceId) of every sample."),
        ] = None,
        map_file: Annotated[
            Path | None, typer.Option("--map", help="YAML/CSV file mapping GPU UUID or host to instance id.")
        ] = None,
        host: Annotated[
            str | None, typer.Option("--host", help="Host name of the samples (nvidia-smi logs lack it).")
        ] = None,
        timezone: Annotated[
            str, typer.Option("--timezone", help="Zone of nvidia-smi's local timestamps (IANA name).")
        ] = "UTC",
        start: Annotated[
            str | None,
            typer.Option("--start", help="Time of the first sample, for logs without timestamps (ISO 8601)."),
        ] = None,
        interval: Annotated[
            float, typer.Option("--interval", help="Seconds between samples when --start places them.")
        ] = 1.0,
        columns: Annotated[
            str | None, typer.Option("--columns", help="The --query-gpu field list of a CSV without header.")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="auto, nvidia-smi, dmon or dcgm.")] = "auto",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import GPU utilisation samples into gpu_samples, keyed to GPU instance cost rows."""
        from spendscope.data.errors import InvalidArgument
        from spendscope.data.import_gpu import import_gpu, load_map

        started = None
        if start:
            try:
                started = dt.datetime.fromisoformat(start.strip().replace("Z", "+00:00"))
            except ValueError:
                raise InvalidArgument(
                    f"--start {start!r} is not an ISO 8601 time (e.g. 2026-11-27T00:24:40Z)", argument="start"
                ) from None
        mapping = load_map(map_file)
        cols = [c for c in columns.split(",") if c.strip()] if columns else None
        store = open_store(db)
        results = [
            import_gpu(
                store,
                f,
                instance=instance,
                host=host,
                mapping=mapping,
                timezone=timezone,
                start=started,
                interval=interval,
                columns=cols,
                fmt=fmt,
            )
            for f in files
        ]
        _print_results(results, as_json)

    register_specs(app, COMMANDS)


def show_sources(report: Any, _: dict[str, Any]) -> None:
    from spendscope.render import Col, cell, say, table

    def age(h: float | None) -> str:
        return "-" if h is None else (f"{h:.0f}h" if h < 72 else f"{h / 24:.0f}d")

    table(
        f"Sources as of {report.as_of:%Y-%m-%d %H:%M} UTC",
        [
            "source",
            "feed",
            Col("rows", "count"),
            "data from",
            "data to",
            "last import/sync",
            "age data/import",
            "status",
            "note",
        ],
        [
            [
                s.source,
                s.feed,
                s.rows,
                cell(s.first_data.date() if s.first_data else None),
                cell(s.last_data.date() if s.last_data else None),
                cell(s.last_import_at or s.last_sync_at),
                f"{age(s.hours_since_data)} / {age(s.hours_since_import)}",
                s.status.upper() if s.status != "ok" else "ok",
                s.note or "",
            ]
            for s in report.sources
        ],
    )
    if not report.sources:
        say(
            "note: nothing has written to this store yet: spendscope import KIND FILE, or spendscope sync PROVIDER"
        )
    if report.stopped:
        say(f"stopped or failing: {', '.join(report.stopped)}")
    if report.newest_day:
        say(f"{report.newest_day}: its figures are as they stand (detection and forecasts hold it back)")


COMMANDS = [
    Command(
        "sources",
        "list_sources",
        "Rows, date range, last import or sync and freshness per source; flags feeds that stopped.",
        show_sources,
        options={
            "as_of": Opt(("--as-of",), help="Measure freshness at this time (ISO 8601); default now"),
            "stale_after_days": Opt(("--stale-after",)),
        },
    ),
]
