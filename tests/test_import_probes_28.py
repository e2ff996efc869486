"""Import probes, round 28: exports the repository has never seen (docs/performance.md, "Import probes 28").

Written before re-reading the importers, from the providers' documentation: OpenAI and Anthropic usage and cost
API pages (pagination, empty buckets, grouped results, batch and standard, cached input, amounts with many
decimals), LiteLLM spend logs and Langfuse exports (nested generations, cost null vs 0, models the catalog does
not know), OTLP gen_ai spans (int64 as strings, several resources), nvidia-smi and DCGM captures (several GPUs,
missing samples, N/A), Bedrock invocation logs (cross-region inference profiles, batch output), events JSON lines
(late events, duplicates, time zones), Azure MCA files with several billing profiles and currencies, CUR 2.0 with
split cost allocation columns and savings plan / reservation amortisation lines, GCP promotions and committed use
credits, FOCUS with CommitmentDiscount* columns and amortised vs billed cost, restating one month of a multi-month
file, a file re-imported under another name, an interrupted import retried. Each probe runs the real CLI
(`spendscope import|sync ...` through typer's CliRunner) into a fresh store and compares plain SQL over the store
with totals computed here from the file itself (Decimal), or checks what a user reads for bad input (file, row,
field named; the store as it was). Probe names start with their area.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_provider_apis import FakeServer
from spendscope.data.errors import SpendscopeError
from spendscope.data.store import Store
from test_import_probes_27 import FOCUS_12, MCA_HEADER, focus_rows, fsum, mca_rows, write_csv, write_jsonl
from typer.testing import CliRunner

from spendscope.cli import app

ZERO = Decimal(0)
UTC = dt.UTC

# --- running the CLI and reading the store ------------------------------------------------------------------

_TEMPLATE: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def _empty_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("template28") / "empty.duckdb"
    with Store(path).writer():
        pass
    _TEMPLATE[:] = [path]


def fresh(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    shutil.copy(_TEMPLATE[0], db)
    return db


class Run:
    def __init__(self, code: int, output: str) -> None:
        self.code, self.output = code, output


def cli(args: list[str], env: dict[str, str] | None = None) -> Run:
    result = CliRunner().invoke(app, args, env=env)
    output = result.output
    if isinstance(result.exception, SpendscopeError):  # what `spendscope` (cli.main) prints for it
        return Run(1, output + f"\nerror: {result.exception.message}")
    if result.exception and not isinstance(result.exception, SystemExit):
        output += f"\n[exception] {type(result.exception).__name__}: {result.exception}"
    return Run(result.exit_code, output)


def imp(kind: str, db: Path, *files: str | Path, flags: tuple[str, ...] = ()) -> Run:
    return cli(["import", kind, *[str(f) for f in files], "--db", str(db), *flags])


def ok(run: Run) -> Run:
    assert run.code == 0, run.output
    return run


def bad(run: Run) -> Run:
    assert run.code != 0, run.output
    assert "[exception]" not in run.output and "Traceback" not in run.output, run.output
    return run


def q(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with Store(db).reader() as con:
        return con.execute(sql, params or []).fetchall()


def one(db: Path, sql: str, params: list | None = None) -> Any:
    return q(db, sql, params)[0][0]


def state(db: Path) -> tuple:
    n, b, e = q(
        db, "SELECT count(*), coalesce(sum(BilledCost), 0), coalesce(sum(EffectiveCost), 0) FROM costs"
    )[0]
    (ev,) = q(db, "SELECT count(*) FROM usage_events")[0]
    (gs,) = q(db, "SELECT count(*) FROM gpu_samples")[0]
    return (n, Decimal(b), Decimal(e), ev, gs)


def total(db: Path, column: str = "BilledCost", where: str = "TRUE") -> Decimal:
    return Decimal(one(db, f"SELECT coalesce(sum({column}), 0) FROM costs WHERE {where}"))


def d(text: Any) -> Decimal:
    if text is None or text == "":
        return ZERO
    return Decimal(str(text))


def names(output: str, *parts: str) -> None:
    low = output.lower()
    missing = [p for p in parts if p.lower() not in low]
    assert not missing, f"the message does not name {missing}: {output!r}"


def r10(text: Any) -> Decimal:
    """A value as the store keeps it: money is DECIMAL(38,10) (docs/schema.md), each value rounded half away from
    zero to 10 decimal places. Probes that expected more places were our mistake (see docs/performance.md)."""
    return Decimal(str(text)).quantize(Decimal("1e-10"), rounding=ROUND_HALF_UP)


def write_json(path: Path, obj: Any, *, gz: bool = False) -> Path:
    data = json.dumps(obj).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def ts(day: int, hour: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


# --- OpenAI and Anthropic admin APIs: scripted pages ----------------------------------------------------------


class Pages:
    """Serves scripted pages per path: the first page without a `page` argument, then the page its cursor
    names. A path with no script answers an empty page."""

    def __init__(self, pages: dict[str, list[dict]]) -> None:
        self.pages = pages

    def route(
        self, method: str, path: str, query: dict, headers: dict, body: bytes
    ) -> tuple[int, dict, bytes]:
        script = self.pages.get(path) or [{"data": []}]
        cursor = query.get("page", [None])[0]
        i = int(cursor.split("-")[1]) if cursor else 0
        page = dict(script[i])
        more = i + 1 < len(script)
        page.setdefault("object", "page")
        page["has_more"] = more
        page["next_page"] = f"p-{i + 1}" if more else None
        return 200, {}, json.dumps(page).encode("utf-8")


def oa_bucket(day: int, results: list[dict], obj: str = "organization.costs.result") -> dict:
    return {
        "object": "bucket",
        "start_time": int(ts(day).timestamp()),
        "end_time": int(ts(day + 1).timestamp()),
        "results": [{"object": obj, **r} for r in results],
    }


def oa_cost(
    value: Any, line_item: str | None, project: str | None = "proj_a", key: str | None = "key_a"
) -> dict:
    return {
        "amount": {"value": value, "currency": "usd"},
        "line_item": line_item,
        "project_id": project,
        "api_key_id": key,
        "organization_id": "org-28",
    }


def sync(
    provider: str, db: Path, tmp_path: Path, pages: dict[str, list[dict]], since: str, until: str
) -> Run:
    var = "OPENAI" if provider == "openai" else "ANTHROPIC"
    with FakeServer(Pages(pages).route) as srv:
        env = {
            f"{var}_ADMIN_KEY": "sk-admin-28",
            f"SPENDSCOPE_{var}_API_URL": srv.url,
            "SPENDSCOPE_KEYS_FILE": str(tmp_path / "none.yaml"),
            "SPENDSCOPE_STATE_DIR": str(tmp_path),
        }
        return cli(["sync", provider, "--since", since, "--until", until, "--db", str(db)], env=env)


OA_COSTS = "/v1/organization/costs"
OA_COMPLETIONS = "/v1/organization/usage/completions"


def oa_value_sum(pages: list[dict]) -> Decimal:
    return sum((d(r["amount"]["value"]) for p in pages for b in p["data"] for r in b["results"]), ZERO)


def test_openai_costs_over_three_pages_with_empty_buckets_total_exactly(tmp_path: Path) -> None:
    pages = [
        {"data": [oa_bucket(1, [oa_cost(1.25, "gpt-4o-2024-08-06, input")]), oa_bucket(2, [])]},
        {"data": [oa_bucket(3, []), oa_bucket(4, [oa_cost(0.3333333333, "gpt-4o-2024-08-06, output")])]},
        {"data": [oa_bucket(5, [oa_cost(2, "gpt-4o-mini-2024-07-18, input", project="proj_b")])]},
    ]
    db = fresh(tmp_path)
    ok(sync("openai", db, tmp_path, {OA_COSTS: pages}, "2026-11-01", "2026-11-05"))
    assert total(db) == oa_value_sum(pages)
    assert one(db, "SELECT count(*) FROM costs") == 3


def test_openai_amounts_with_many_decimals_are_exact(tmp_path: Path) -> None:
    values = [0.12345678901234566, 1e-07, 12.000000000000002, 0.0050000000000000001]
    pages = [
        {"data": [oa_bucket(1, [oa_cost(v, f"gpt-4.1-2025-04-14, input{i}") for i, v in enumerate(values)])]}
    ]
    db = fresh(tmp_path)
    ok(sync("openai", db, tmp_path, {OA_COSTS: pages}, "2026-11-01", "2026-11-01"))
    raw = json.loads(json.dumps(pages[0]))  # what the wire carries
    assert total(db) == sum((r10(repr(r["amount"]["value"])) for r in raw["data"][0]["results"]), ZERO)


def test_openai_amount_as_a_decimal_string_is_exact_or_refused_naming_the_field(tmp_path: Path) -> None:
    pages = [{"data": [oa_bucket(1, [oa_cost("0.123456789012345678", "gpt-4o-2024-08-06, input")])]}]
    db = fresh(tmp_path)
    run = sync("openai", db, tmp_path, {OA_COSTS: pages}, "2026-11-01", "2026-11-01")
    if run.code == 0:
        assert total(db) == r10("0.123456789012345678")
    else:
        names(bad(run).output, "amount")
        assert state(db)[0] == 0


def test_openai_results_grouped_with_null_project_and_line_item_and_a_credit_are_kept(tmp_path: Path) -> None:
    pages = [
        {
            "data": [
                oa_bucket(
                    1, [oa_cost(5, None, project=None, key=None), oa_cost(1.5, "gpt-4o-2024-08-06, input")]
                ),
                oa_bucket(
                    2, [oa_cost(0.75, None, project="proj_a", key=None), oa_cost(-2.5, "credit grant")]
                ),
            ]
        }
    ]
    db = fresh(tmp_path)
    ok(sync("openai", db, tmp_path, {OA_COSTS: pages}, "2026-11-01", "2026-11-02"))
    assert total(db) == oa_value_sum(pages) == Decimal("4.75")  # a negative credit result nets against usage
    assert one(db, "SELECT count(*) FROM costs") == 4


def test_openai_cached_input_tokens_are_not_counted_as_input_too(tmp_path: Path) -> None:
    li = "gpt-4o-mini-2024-07-18"
    costs = [
        {
            "data": [
                oa_bucket(
                    1,
                    [
                        oa_cost(0.15, f"{li}, input"),
                        oa_cost(0.0375, f"{li}, cached input"),
                        oa_cost(0.6, f"{li}, output"),
                    ],
                )
            ]
        }
    ]
    usage = [
        {
            "data": [
                oa_bucket(
                    1,
                    [
                        {
                            "input_tokens": 1_500_000,
                            "input_cached_tokens": 500_000,
                            "output_tokens": 1_000_000,
                            "input_audio_tokens": 0,
                            "output_audio_tokens": 0,
                            "num_model_requests": 100,
                            "project_id": "proj_a",
                            "api_key_id": "key_a",
                            "model": li,
                            "user_id": None,
                            "batch": None,
                        }
                    ],
                    obj="organization.usage.completions.result",
                )
            ]
        }
    ]
    db = fresh(tmp_path)
    ok(sync("openai", db, tmp_path, {OA_COSTS: costs, OA_COMPLETIONS: usage}, "2026-11-01", "2026-11-01"))
    got = dict(q(db, "SELECT x_TokenType, sum(x_Tokens) FROM costs GROUP BY 1"))
    assert got == {"input": 1_000_000, "cached_input": 500_000, "output": 1_000_000}
    assert total(db) == Decimal("0.7875")


def test_openai_batch_and_standard_usage_of_one_model_keep_each_token_count_once(tmp_path: Path) -> None:
    li = "gpt-4o-mini-2024-07-18"
    costs = [
        {"data": [oa_bucket(1, [oa_cost(0.15, f"{li}, input"), oa_cost(0.075, f"{li}, input (batch)")])]}
    ]

    def use(n: int, batch: bool) -> dict:
        return {
            "input_tokens": n,
            "input_cached_tokens": 0,
            "output_tokens": 0,
            "num_model_requests": 10,
            "project_id": "proj_a",
            "api_key_id": "key_a",
            "model": li,
            "batch": batch,
        }

    usage = [
        {
            "data": [
                oa_bucket(
                    1,
                    [use(1_000_000, False), use(1_000_000, True)],
                    obj="organization.usage.completions.result",
                )
            ]
        }
    ]
    db = fresh(tmp_path)
    ok(sync("openai", db, tmp_path, {OA_COSTS: costs, OA_COMPLETIONS: usage}, "2026-11-01", "2026-11-01"))
    assert total(db) == Decimal("0.225")
    # two million tokens were used in all: never more than that stored
    assert (one(db, "SELECT coalesce(sum(x_Tokens), 0) FROM costs") or 0) <= 2_000_000


def test_openai_a_second_sync_with_a_restated_day_replaces_it(tmp_path: Path) -> None:
    first = [
        {
            "data": [
                oa_bucket(1, [oa_cost(1, "gpt-4o-2024-08-06, input")]),
                oa_bucket(
                    2, [oa_cost(2, "gpt-4o-2024-08-06, input"), oa_cost(4, "gpt-4o-2024-08-06, output")]
                ),
            ]
        }
    ]
    second = [
        {
            "data": [
                oa_bucket(1, [oa_cost(1, "gpt-4o-2024-08-06, input")]),
                oa_bucket(2, [oa_cost(2.5, "gpt-4o-2024-08-06, input")]),
            ]
        }
    ]
    db = fresh(tmp_path)
    ok(sync("openai", db, tmp_path, {OA_COSTS: first}, "2026-11-01", "2026-11-02"))
    ok(sync("openai", db, tmp_path, {OA_COSTS: second}, "2026-11-01", "2026-11-02"))
    # day 2 restated: its input revised and its output line item gone (batch 2 added the removed item)
    assert state(db)[:2] == (2, Decimal("3.5"))


def test_openai_a_malformed_amount_names_the_result_and_field_and_keeps_the_store(tmp_path: Path) -> None:
    pages = [{"data": [oa_bucket(1, [oa_cost(1, "a, input"), oa_cost("1.0O", "b, input")])]}]
    db = fresh(tmp_path)
    run = bad(sync("openai", db, tmp_path, {OA_COSTS: pages}, "2026-11-01", "2026-11-01"))
    names(run.output, "amount", "1.0O")
    assert state(db)[0] == 0


AN_COSTS = "/v1/organizations/cost_report"
AN_USAGE = "/v1/organizations/usage_report/messages"


def an_bucket(day: int, results: list[dict]) -> dict:
    return {
        "starting_at": ts(day).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ending_at": ts(day + 1).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "results": results,
    }


def an_cost(
    cents: str,
    token_type: str = "uncached_input_tokens",
    *,
    ws: str | None = "wrkspc_a",
    tier: str = "standard",
    model: str = "claude-sonnet-4-5-20250929",
) -> dict:
    return {
        "currency": "USD",
        "amount": cents,
        "workspace_id": ws,
        "description": f"Claude Sonnet 4.5 Usage - {token_type}",
        "cost_type": "tokens",
        "context_window": "0-200k",
        "model": model,
        "service_tier": tier,
        "token_type": token_type,
        "inference_geo": None,
    }


def an_sum(pages: list[dict]) -> Decimal:
    return sum((Decimal(r["amount"]) / 100 for p in pages for b in p["data"] for r in b["results"]), ZERO)


def test_anthropic_cent_strings_with_many_decimals_are_exact_dollars(tmp_path: Path) -> None:
    pages = [{"data": [an_bucket(1, [an_cost("12345.678901234"), an_cost("0.0000001", "output_tokens")])]}]
    db = fresh(tmp_path)
    ok(sync("anthropic", db, tmp_path, {AN_COSTS: pages}, "2026-11-01", "2026-11-01"))
    assert total(db) == r10("123.45678901234") + r10("0.000000001")


def test_anthropic_pages_with_empty_buckets_and_the_default_workspace_total_exactly(tmp_path: Path) -> None:
    pages = [
        {"data": [an_bucket(1, [an_cost("150", ws=None)]), an_bucket(2, [])]},
        {"data": [an_bucket(3, [an_cost("75.5", "output_tokens")]), an_bucket(4, [])]},
        {
            "data": [
                an_bucket(
                    5, [an_cost("1", ws=None), an_cost("2", ws="wrkspc_b"), an_cost("0.5", tier="batch")]
                )
            ]
        },
    ]
    db = fresh(tmp_path)
    ok(sync("anthropic", db, tmp_path, {AN_COSTS: pages}, "2026-11-01", "2026-11-05"))
    assert total(db) == an_sum(pages)
    assert (
        one(db, "SELECT count(*) FROM costs") == 5
    )  # the batch line of a model kept beside its standard line


def test_anthropic_cache_writes_of_5m_and_1h_keep_their_tokens_apart(tmp_path: Path) -> None:
    costs = [
        {
            "data": [
                an_bucket(
                    1,
                    [
                        an_cost("100", "uncached_input_tokens"),
                        an_cost("37.5", "cache_creation.ephemeral_5m_input_tokens"),
                        an_cost("60", "cache_creation.ephemeral_1h_input_tokens"),
                        an_cost("3", "cache_read_input_tokens"),
                    ],
                )
            ]
        }
    ]
    usage = [
        {
            "data": [
                an_bucket(
                    1,
                    [
                        {
                            "uncached_input_tokens": 333_333,
                            "cache_creation": {
                                "ephemeral_5m_input_tokens": 100_000,
                                "ephemeral_1h_input_tokens": 100_000,
                            },
                            "cache_read_input_tokens": 100_000,
                            "output_tokens": 0,
                            "server_tool_use": {"web_search_requests": 0},
                            "api_key_id": None,
                            "workspace_id": "wrkspc_a",
                            "model": "claude-sonnet-4-5-20250929",
                            "service_tier": "standard",
                            "context_window": "0-200k",
                        }
                    ],
                )
            ]
        }
    ]
    db = fresh(tmp_path)
    ok(sync("anthropic", db, tmp_path, {AN_COSTS: costs, AN_USAGE: usage}, "2026-11-01", "2026-11-01"))
    assert total(db) == Decimal("2.005")
    got = dict(q(db, "SELECT x_TokenType, sum(x_Tokens) FROM costs GROUP BY 1"))
    assert got.get("input") == 333_333 and got.get("cached_input") == 100_000
    assert got.get("cache_write") == 200_000


def test_anthropic_a_second_sync_with_a_restated_day_replaces_it(tmp_path: Path) -> None:
    first = [{"data": [an_bucket(1, [an_cost("100")]), an_bucket(2, [an_cost("200")])]}]
    second = [{"data": [an_bucket(1, [an_cost("100")]), an_bucket(2, [an_cost("250")])]}]
    db = fresh(tmp_path)
    ok(sync("anthropic", db, tmp_path, {AN_COSTS: first}, "2026-11-01", "2026-11-02"))
    ok(sync("anthropic", db, tmp_path, {AN_COSTS: second}, "2026-11-01", "2026-11-02"))
    assert total(db) == Decimal("3.5")


def test_anthropic_a_malformed_amount_names_the_field_and_keeps_the_store(tmp_path: Path) -> None:
    pages = [{"data": [an_bucket(1, [an_cost("100"), an_cost("12,50")])]}]
    db = fresh(tmp_path)
    run = bad(sync("anthropic", db, tmp_path, {AN_COSTS: pages}, "2026-11-01", "2026-11-01"))
    names(run.output, "amount", "12,50")
    assert state(db)[0] == 0


def test_openai_cost_page_saved_to_a_file_and_given_to_import_focus_names_the_sync(tmp_path: Path) -> None:
    page = {
        "object": "page",
        "data": [oa_bucket(1, [oa_cost(1, "x, input")])],
        "has_more": True,
        "next_page": "p-1",
    }
    db = fresh(tmp_path)
    run = bad(imp("focus", db, write_json(tmp_path / "costs-page-1.json", page)))
    names(run.output, "sync openai")


# --- events JSON lines ----------------------------------------------------------------------------------------


def ev(i: int, when: str, cost: str | None = None, **kw: Any) -> dict:
    out = {
        "event_id": f"e{i}",
        "ts": when,
        "provider": "openai",
        "model": "gpt-4o-mini",
        "input_tokens": 1000 + i,
        "output_tokens": 100,
    }
    if cost is not None:
        out["reported_cost"] = cost
    out.update(kw)
    return out


def test_events_late_events_in_a_second_file_are_added_and_repeats_are_not(tmp_path: Path) -> None:
    a = [ev(i, f"2026-11-0{i}T10:00:00Z") for i in range(1, 5)]
    late = [ev(0, "2026-10-31T23:59:00Z"), *a[2:], ev(9, "2026-11-05T00:00:00Z")]
    db = fresh(tmp_path)
    ok(imp("events", db, write_jsonl(tmp_path / "a.jsonl", a)))
    ok(imp("events", db, write_jsonl(tmp_path / "b.jsonl", late)))
    ids = {r["event_id"] for r in a + late}
    assert one(db, "SELECT count(*) FROM usage_events") == len(ids)
    assert one(db, "SELECT sum(input_tokens) FROM usage_events") == sum(1000 + int(i[1:]) for i in ids)


def test_events_offsets_are_stored_as_the_utc_instant_and_day(tmp_path: Path) -> None:
    rows = [
        ev(1, "2026-11-02T01:30:00+05:30"),
        ev(2, "2026-11-01T20:00:00-05:00"),
        ev(3, "2026-11-01T12:00:00.123456Z"),
    ]
    db = fresh(tmp_path)
    ok(imp("events", db, write_jsonl(tmp_path / "tz.jsonl", rows)))
    got = [
        r[0]
        for r in q(
            db, "SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') FROM usage_events ORDER BY event_id"
        )
    ]
    assert got == ["2026-11-01 20:00", "2026-11-02 01:00", "2026-11-01 12:00"]


def test_events_epoch_milliseconds_and_iso_in_one_file_give_the_same_instant(tmp_path: Path) -> None:
    t = ts(3, 9)
    rows = [ev(1, t.isoformat()), ev(2, int(t.timestamp() * 1000)), ev(3, int(t.timestamp()))]
    db = fresh(tmp_path)
    ok(imp("events", db, write_jsonl(tmp_path / "mixed.jsonl", rows)))
    assert one(db, "SELECT count(DISTINCT ts) FROM usage_events") == 1


def test_events_reported_costs_as_strings_with_many_decimals_are_exact(tmp_path: Path) -> None:
    costs = ["0.000123456789", "1.1", "0.3333333333"]
    rows = [ev(i, f"2026-11-0{i + 1}T00:00:00Z", c) for i, c in enumerate(costs)]
    db = fresh(tmp_path)
    ok(imp("events", db, write_jsonl(tmp_path / "c.jsonl", rows)))
    assert Decimal(one(db, "SELECT sum(reported_cost) FROM usage_events")) == sum(map(r10, costs))
    assert Decimal(one(db, "SELECT sum(estimated_cost) FROM usage_events")) == sum(map(r10, costs))


def test_events_the_same_file_under_another_name_adds_nothing(tmp_path: Path) -> None:
    rows = [ev(i, f"2026-11-0{i}T10:00:00Z", "0.5") for i in range(1, 4)]
    db = fresh(tmp_path)
    p = write_jsonl(tmp_path / "a.jsonl", rows)
    ok(imp("events", db, p))
    ok(imp("events", db, shutil.copy(p, tmp_path / "copy-of-a.jsonl")))
    assert one(db, "SELECT count(*) FROM usage_events") == 3


def test_events_a_bad_time_names_row_and_field_and_keeps_the_store(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    ok(imp("events", db, write_jsonl(tmp_path / "a.jsonl", [ev(1, "2026-11-01T00:00:00Z")])))
    before = state(db)
    run = bad(
        imp(
            "events",
            db,
            write_jsonl(tmp_path / "b.jsonl", [ev(2, "2026-11-02T00:00:00Z"), ev(3, "yesterday")]),
        )
    )
    names(run.output, "b.jsonl", "ts", "yesterday")
    assert state(db) == before


def test_events_an_unknown_model_without_cost_is_never_priced_at_zero(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    ok(
        imp(
            "events",
            db,
            write_jsonl(tmp_path / "u.jsonl", [ev(1, "2026-11-01T00:00:00Z", model="acme-llm-9")]),
        )
    )
    priced, cost = q(db, "SELECT priced, estimated_cost FROM usage_events")[0]
    assert priced is False and (cost is None or cost != 0)


# --- LiteLLM spend logs ---------------------------------------------------------------------------------------


def ll(i: int, spend: str, model: str = "gpt-4o-mini", **kw: Any) -> dict:
    out = {
        "request_id": f"chatcmpl-{i}",
        "call_type": "acompletion",
        "api_key": "hashed",
        "spend": spend,
        "total_tokens": 1100,
        "prompt_tokens": 1000,
        "completion_tokens": 100,
        "startTime": f"2026-11-0{1 + i % 5}T10:00:00.000Z",
        "endTime": f"2026-11-0{1 + i % 5}T10:00:01.500Z",
        "model": model,
        "model_group": model,
        "custom_llm_provider": "openai",
        "user": "u1",
        "metadata": {},
        "cache_hit": "False",
        "request_tags": [],
        "team_id": "team-1",
        "end_user": "",
    }
    out.update(kw)
    return out


def test_litellm_spend_strings_with_many_decimals_are_exact(tmp_path: Path) -> None:
    spends = ["0.000165", "0.00012345678901", "1.5"]
    db = fresh(tmp_path)
    ok(imp("litellm", db, write_json(tmp_path / "logs.json", [ll(i, s) for i, s in enumerate(spends)])))
    assert Decimal(one(db, "SELECT sum(estimated_cost) FROM usage_events")) == sum(map(r10, spends))


def test_litellm_csv_and_json_exports_of_the_same_logs_count_once(tmp_path: Path) -> None:
    rows = [ll(i, "0.25") for i in range(4)]
    flat = [
        {**r, "metadata": json.dumps(r["metadata"]), "request_tags": json.dumps(r["request_tags"])}
        for r in rows
    ]
    db = fresh(tmp_path)
    ok(imp("litellm", db, write_csv(tmp_path / "spend.csv", list(flat[0]), flat)))
    ok(imp("litellm", db, write_json(tmp_path / "spend.json", rows)))
    assert one(db, "SELECT count(*) FROM usage_events") == 4
    assert Decimal(one(db, "SELECT sum(estimated_cost) FROM usage_events")) == Decimal("1.00")


def test_litellm_zero_spend_for_an_unknown_model_is_not_zero_dollars(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    ok(imp("litellm", db, write_json(tmp_path / "l.json", [ll(1, "0", model="my-finetune-x")])))
    priced, cost = q(db, "SELECT priced, estimated_cost FROM usage_events")[0]
    assert cost is None or (priced is False and cost != 0) or cost > 0


def test_litellm_an_unknown_model_with_spend_keeps_the_reported_cost(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    ok(imp("litellm", db, write_json(tmp_path / "l.json", [ll(1, "0.0421", model="my-finetune-x")])))
    assert Decimal(one(db, "SELECT sum(estimated_cost) FROM usage_events")) == Decimal("0.0421")


def test_litellm_cache_reads_are_taken_out_of_prompt_tokens(tmp_path: Path) -> None:
    meta = {
        "usage_object": {
            "prompt_tokens": 1000,
            "completion_tokens": 100,
            "prompt_tokens_details": {"cached_tokens": 600},
        }
    }
    db = fresh(tmp_path)
    ok(imp("litellm", db, write_json(tmp_path / "l.json", [ll(1, "0.001", metadata=meta)])))
    assert q(db, "SELECT input_tokens, cached_input_tokens FROM usage_events") == [(400, 600)]


def test_litellm_a_bad_start_time_names_the_row_and_keeps_the_store(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    run = bad(
        imp("litellm", db, write_json(tmp_path / "l.json", [ll(1, "0.1"), ll(2, "0.1", startTime="soon")]))
    )
    names(run.output, "l.json", "startTime", "soon")
    assert state(db)[3] == 0


# --- Langfuse -------------------------------------------------------------------------------------------------


def lf_obs(
    oid: str,
    typ: str,
    parent: str | None,
    usage: dict | None,
    cost: Any = "absent",
    model: str | None = "gpt-4o",
) -> dict:
    out: dict[str, Any] = {
        "id": oid,
        "traceId": "tr-1",
        "type": typ,
        "name": oid,
        "startTime": "2026-11-02T10:00:00.000Z",
        "endTime": "2026-11-02T10:00:02.000Z",
        "parentObservationId": parent,
        "model": model if typ == "GENERATION" else None,
        "level": "DEFAULT",
        "metadata": {},
    }
    if usage is not None:
        out["usageDetails"] = usage
    if cost != "absent":
        out["costDetails"] = cost
    return out


def lf_trace(observations: list[dict]) -> dict:
    return {
        "trace": {
            "id": "tr-1",
            "name": "agent-run",
            "timestamp": "2026-11-02T10:00:00.000Z",
            "userId": "cust-7",
            "tags": ["team:search"],
        },
        "observations": observations,
    }


def test_langfuse_generations_nested_under_spans_and_an_agent_count_once(tmp_path: Path) -> None:
    obs = [
        lf_obs("agent", "AGENT", None, {"input": 3000, "output": 300, "total": 3300}),
        lf_obs("span", "SPAN", "agent", None),
        lf_obs("g1", "GENERATION", "span", {"input": 1000, "output": 100, "total": 1100}, {"total": 0.01}),
        lf_obs("g2", "GENERATION", "span", {"input": 2000, "output": 200, "total": 2200}, {"total": 0.02}),
        lf_obs("tool", "TOOL", "agent", None),
    ]
    db = fresh(tmp_path)
    ok(imp("langfuse", db, write_json(tmp_path / "t.json", lf_trace(obs))))
    assert q(db, "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage_events") == [
        (2, 3000, 300)
    ]
    assert Decimal(one(db, "SELECT sum(estimated_cost) FROM usage_events")) == Decimal("0.03")


def test_langfuse_cost_null_and_cost_zero_are_neither_zero_dollars(tmp_path: Path) -> None:
    obs = [
        lf_obs("g1", "GENERATION", None, {"input": 1000, "output": 100}, None),
        lf_obs("g2", "GENERATION", None, {"input": 1000, "output": 100}, {"total": 0}),
        lf_obs(
            "g3",
            "GENERATION",
            None,
            {"input": 1000, "output": 100},
            {"input": None, "output": None, "total": None},
        ),
    ]
    db = fresh(tmp_path)
    ok(imp("langfuse", db, write_json(tmp_path / "t.json", lf_trace(obs))))
    for eid, cost, src in q(db, "SELECT event_id, estimated_cost, cost_source FROM usage_events"):
        assert cost is not None and cost > 0 and src == "catalog", (eid, cost, src)


def test_langfuse_an_unknown_model_with_langfuse_cost_keeps_it(tmp_path: Path) -> None:
    obs = [
        lf_obs(
            "g1",
            "GENERATION",
            None,
            {"input": 10, "output": 5},
            {"input": 0.00012345678, "output": 0.0002},
            model="our-ft-model-v3",
        )
    ]
    db = fresh(tmp_path)
    ok(imp("langfuse", db, write_json(tmp_path / "t.json", lf_trace(obs))))
    assert Decimal(one(db, "SELECT sum(estimated_cost) FROM usage_events")) == r10("0.00032345678")


def test_langfuse_api_pages_and_the_trace_export_of_the_same_generations_count_once(tmp_path: Path) -> None:
    g = [
        lf_obs(f"g{i}", "GENERATION", None, {"input": 100 * i, "output": 10}, {"total": 0.001 * i})
        for i in range(1, 5)
    ]
    db = fresh(tmp_path)
    p1 = write_json(
        tmp_path / "page-1.json",
        {"data": g[:2], "meta": {"page": 1, "limit": 2, "totalItems": 4, "totalPages": 2}},
    )
    p2 = write_json(
        tmp_path / "page-2.json",
        {"data": g[2:], "meta": {"page": 2, "limit": 2, "totalItems": 4, "totalPages": 2}},
    )
    ok(imp("langfuse", db, p1, p2))
    ok(imp("langfuse", db, write_json(tmp_path / "trace.json", lf_trace(g))))
    assert q(db, "SELECT count(*), sum(input_tokens) FROM usage_events") == [(4, 1000)]


def test_langfuse_gzipped_json_lines_batch_export_totals(tmp_path: Path) -> None:
    g = [
        lf_obs(f"g{i}", "GENERATION", None, {"input": 7 * i, "output": 3}, {"total": f"0.0000{i}"})
        for i in range(1, 6)
    ]
    db = fresh(tmp_path)
    ok(imp("langfuse", db, write_jsonl(tmp_path / "obs.jsonl.gz", g, gz=True)))
    assert q(db, "SELECT count(*), sum(input_tokens) FROM usage_events") == [(5, 105)]
    assert Decimal(one(db, "SELECT sum(estimated_cost) FROM usage_events")) == Decimal("0.00015")


def test_langfuse_a_negative_count_names_the_observation_and_field(tmp_path: Path) -> None:
    obs = [
        lf_obs("g1", "GENERATION", None, {"input": 10, "output": 5}),
        lf_obs("g2", "GENERATION", None, {"input": -5, "output": 5}),
    ]
    db = fresh(tmp_path)
    run = bad(imp("langfuse", db, write_json(tmp_path / "t.json", lf_trace(obs))))
    names(run.output, "t.json", "usageDetails.input", "-5")
    assert state(db)[3] == 0


# --- OTLP gen_ai spans ----------------------------------------------------------------------------------------


def attr(key: str, value: Any) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # OTLP/JSON writes int64 as a string
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": value}}


def span(
    sid: str,
    op: str,
    inp: int,
    out: int,
    *,
    start: dt.datetime | None = None,
    model: str = "gpt-4o-mini",
    extra: dict | None = None,
) -> dict:
    start = start or ts(2, 10)
    attrs = {
        "gen_ai.operation.name": op,
        "gen_ai.system": "openai",
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": inp,
        "gen_ai.usage.output_tokens": out,
        **(extra or {}),
    }
    ns = int(start.timestamp()) * 10**9
    return {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": sid,
        "name": f"{op} {model}",
        "kind": 3,
        "startTimeUnixNano": str(ns),
        "endTimeUnixNano": str(ns + 1_250_000_000),
        "attributes": [attr(k, v) for k, v in attrs.items()],
        "status": {},
    }


def otlp(*resources: tuple[str, list[list[dict]]]) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [attr("service.name", svc)]},
                "scopeSpans": [
                    {"scope": {"name": f"scope{i}"}, "spans": spans} for i, spans in enumerate(scopes)
                ],
            }
            for svc, scopes in resources
        ]
    }


def test_otlp_int64_strings_across_resources_and_scopes_total_exactly(tmp_path: Path) -> None:
    doc = otlp(
        (
            "api",
            [[span("a1", "chat", 1200, 34)], [span("a2", "chat", 5, 6), span("a3", "embeddings", 800, 0)]],
        ),
        ("worker", [[span("b1", "chat", 4_000_000_000, 7)]]),
    )
    db = fresh(tmp_path)
    ok(imp("otel", db, write_json(tmp_path / "traces.json", doc)))
    assert q(db, "SELECT count(*), sum(input_tokens), sum(output_tokens) FROM usage_events") == [
        (4, 4_000_002_005, 47)
    ]


def test_otlp_start_time_nanoseconds_give_the_right_utc_instant(tmp_path: Path) -> None:
    doc = otlp(("api", [[span("a1", "chat", 1, 1, start=dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC))]]))
    db = fresh(tmp_path)
    ok(imp("otel", db, write_json(tmp_path / "t.json", doc)))
    got = one(db, "SELECT strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S') FROM usage_events")
    assert got == "2026-11-30 23:59:59"


def test_otlp_collector_file_exporter_lines_and_a_resend_count_once(tmp_path: Path) -> None:
    lines = [otlp(("api", [[span(f"s{i}", "chat", 10 * i, 1)]])) for i in range(1, 4)]
    db = fresh(tmp_path)
    ok(imp("otel", db, write_jsonl(tmp_path / "a.jsonl", lines)))
    ok(imp("otel", db, write_jsonl(tmp_path / "b.jsonl", lines[1:])))
    assert q(db, "SELECT count(*), sum(input_tokens) FROM usage_events") == [(3, 60)]


def test_otlp_an_agent_span_above_chat_spans_is_not_counted(tmp_path: Path) -> None:
    doc = otlp(
        ("api", [[span("ag", "invoke_agent", 30, 3), span("c1", "chat", 10, 1), span("c2", "chat", 20, 2)]])
    )
    db = fresh(tmp_path)
    ok(imp("otel", db, write_json(tmp_path / "t.json", doc)))
    assert q(db, "SELECT count(*), sum(input_tokens) FROM usage_events") == [(2, 30)]


def test_otlp_a_usd_cost_attribute_is_the_reported_cost(tmp_path: Path) -> None:
    doc = otlp(
        (
            "api",
            [
                [
                    span(
                        "c1",
                        "chat",
                        10,
                        1,
                        extra={"gen_ai.usage.cost.amount": 0.0012345, "gen_ai.usage.cost.currency": "USD"},
                    )
                ]
            ],
        )
    )
    db = fresh(tmp_path)
    ok(imp("otel", db, write_json(tmp_path / "t.json", doc)))
    assert Decimal(one(db, "SELECT sum(reported_cost) FROM usage_events")) == Decimal("0.0012345")


# --- GPU captures ---------------------------------------------------------------------------------------------

SMI_HEADER = (
    "timestamp, name, index, uuid, utilization.gpu [%], memory.used [MiB], memory.total [MiB], power.draw [W]"
)


def smi_line(t: str, idx: int, util: str, mem: str = "1024 MiB", power: str = "300.50 W") -> str:
    return f"{t}, NVIDIA H100 80GB HBM3, {idx}, GPU-0000000{idx}-aaaa-bbbb-cccc-000000000000, {util}, {mem}, 81559 MiB, {power}"


def test_gpu_several_gpus_with_missing_samples_and_n_a_power(tmp_path: Path) -> None:
    lines = [SMI_HEADER]
    expected = 0
    for k in range(5):
        t = f"2026/11/02 10:00:{k * 10:02d}.000"
        for idx in range(4):
            if (k, idx) in ((2, 1), (3, 3)):
                continue  # a sample missed
            lines.append(
                smi_line(t, idx, f"{(k * 10 + idx) % 100} %", power="[N/A]" if idx == 2 else "300.50 W")
            )
            expected += 1
    p = tmp_path / "gpu.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = fresh(tmp_path)
    ok(imp("gpu", db, p, flags=("--instance", "i-0abc")))
    assert one(db, "SELECT count(*) FROM gpu_samples") == expected
    assert one(db, "SELECT count(DISTINCT gpu_index) FROM gpu_samples") == 4
    assert one(db, "SELECT count(*) FROM gpu_samples WHERE power_w IS NULL") == one(
        db, "SELECT count(*) FROM gpu_samples WHERE gpu_index = 2"
    )


def test_gpu_not_supported_memory_is_unknown_not_zero(tmp_path: Path) -> None:
    p = tmp_path / "gpu.csv"
    p.write_text(
        "\n".join([SMI_HEADER, smi_line("2026/11/02 10:00:00.000", 0, "50 %", mem="[Not Supported]")]) + "\n",
        encoding="utf-8",
    )
    db = fresh(tmp_path)
    ok(imp("gpu", db, p, flags=("--instance", "i-0abc")))
    assert q(db, "SELECT memory_used_mib, utilization_pct FROM gpu_samples") == [(None, 50)]


def test_gpu_the_same_capture_twice_adds_nothing(tmp_path: Path) -> None:
    p = tmp_path / "gpu.csv"
    p.write_text(
        "\n".join([SMI_HEADER, *(smi_line(f"2026/11/02 10:00:0{k}.000", 0, "50 %") for k in range(5))])
        + "\n",
        encoding="utf-8",
    )
    db = fresh(tmp_path)
    ok(imp("gpu", db, p, flags=("--instance", "i-0abc")))
    ok(imp("gpu", db, shutil.copy(p, tmp_path / "gpu-again.csv"), flags=("--instance", "i-0abc")))
    assert one(db, "SELECT count(*) FROM gpu_samples") == 5


def test_gpu_a_bad_utilisation_names_line_and_field_and_keeps_the_store(tmp_path: Path) -> None:
    p = tmp_path / "gpu.csv"
    p.write_text(
        "\n".join(
            [
                SMI_HEADER,
                smi_line("2026/11/02 10:00:00.000", 0, "50 %"),
                smi_line("2026/11/02 10:00:01.000", 0, "fifty %"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    db = fresh(tmp_path)
    run = bad(imp("gpu", db, p, flags=("--instance", "i-0abc")))
    names(run.output, "gpu.csv", "utilization", "fifty")
    assert state(db)[4] == 0


def test_gpu_dcgm_scrapes_of_two_hosts_with_timestamps_keep_each_series(tmp_path: Path) -> None:
    lines = ["# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).", "# TYPE DCGM_FI_DEV_GPU_UTIL gauge"]
    t0 = int(ts(2, 10).timestamp() * 1000)
    for k in range(3):
        for host in ("node-a", "node-b"):
            for g in range(2):
                lines.append(
                    f'DCGM_FI_DEV_GPU_UTIL{{gpu="{g}",UUID="GPU-{host}-{g}",modelName="NVIDIA H100 80GB HBM3",Hostname="{host}"}} {10 * k + g} {t0 + 15000 * k}'
                )
    p = tmp_path / "dcgm.prom"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = fresh(tmp_path)
    ok(imp("gpu", db, p))
    assert q(
        db,
        "SELECT count(*), count(DISTINCT host), count(DISTINCT gpu_uuid), sum(utilization_pct) FROM gpu_samples",
    ) == [(12, 2, 4, 4 * 30 + 2 * 3)]


# --- Bedrock invocation logs -----------------------------------------------------------------------------------


def br(i: int, model: str, inp: int = 100, out: int = 20, **kw: Any) -> dict:
    rec = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": f"2026-11-02T10:00:0{i % 10}Z",
        "accountId": "111122223333",
        "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/app-role/sess"},
        "region": "us-east-1",
        "requestId": f"req-{i}",
        "operation": "Converse",
        "modelId": model,
        "input": {"inputContentType": "application/json", "inputTokenCount": inp},
        "output": {"outputContentType": "application/json", "outputTokenCount": out},
    }
    rec.update(kw)
    return rec


def test_bedrock_cross_region_profiles_map_to_the_model_and_its_geography(tmp_path: Path) -> None:
    recs = [
        br(1, "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
        br(2, "eu.anthropic.claude-3-5-sonnet-20240620-v1:0", region="eu-central-1"),
        br(
            3,
            "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        ),
        br(4, "global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ]
    db = fresh(tmp_path)
    ok(imp("bedrock-logs", db, write_jsonl(tmp_path / "log.json", recs)))
    got = dict(q(db, "SELECT event_id, inference_geo FROM usage_events"))
    assert got == {"bedrock:req-1": "us", "bedrock:req-2": "eu", "bedrock:req-3": "us", "bedrock:req-4": None}
    assert one(db, "SELECT count(*) FROM usage_events WHERE NOT priced") == 0


def test_bedrock_s3_delivery_and_cloudwatch_export_of_the_same_calls_count_once(tmp_path: Path) -> None:
    recs = [br(i, "anthropic.claude-3-haiku-20240307-v1:0", 100 * i) for i in range(1, 4)]
    cw = {
        "events": [
            {
                "logStreamName": "s",
                "timestamp": 1,
                "message": json.dumps(r),
                "ingestionTime": 2,
                "eventId": str(i),
            }
            for i, r in enumerate(recs)
        ],
        "searchedLogStreams": [],
    }
    db = fresh(tmp_path)
    ok(imp("bedrock-logs", db, write_jsonl(tmp_path / "s3.json.gz", recs, gz=True)))
    ok(imp("bedrock-logs", db, write_json(tmp_path / "cw.json", cw)))
    assert q(db, "SELECT count(*), sum(input_tokens) FROM usage_events") == [(3, 600)]


def test_bedrock_an_application_inference_profile_is_never_priced_at_zero(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    ok(
        imp(
            "bedrock-logs",
            db,
            write_jsonl(
                tmp_path / "l.json",
                [br(1, "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4")],
            ),
        )
    )
    priced, cost = q(db, "SELECT priced, estimated_cost FROM usage_events")[0]
    assert priced is False and (cost is None or cost != 0)


def test_bedrock_batch_inference_output_is_read_exactly_or_refused_clearly(tmp_path: Path) -> None:
    """A batch job's output (.jsonl.out: recordId, modelInput, modelOutput) is not an invocation log."""
    rows = [
        {
            "recordId": f"r{i}",
            "modelInput": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": []},
            "modelOutput": {
                "id": "m",
                "model": "claude-3-haiku-20240307",
                "usage": {"input_tokens": 10 * i, "output_tokens": 2},
            },
        }
        for i in range(1, 4)
    ]
    db = fresh(tmp_path)
    run = imp("bedrock-logs", db, write_jsonl(tmp_path / "batch.jsonl.out", rows))
    if run.code == 0:
        assert q(db, "SELECT count(*), sum(input_tokens) FROM usage_events") == [(3, 60)]
    else:
        bad(run)
        names(run.output, "batch.jsonl.out")
        assert state(db)[3] == 0


def test_bedrock_a_negative_count_names_the_record_and_field(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    run = bad(
        imp(
            "bedrock-logs",
            db,
            write_jsonl(
                tmp_path / "l.json",
                [
                    br(1, "anthropic.claude-3-haiku-20240307-v1:0"),
                    br(2, "anthropic.claude-3-haiku-20240307-v1:0", -3),
                ],
            ),
        )
    )
    names(run.output, "l.json", "inputTokenCount", "-3")
    assert state(db)[3] == 0


# --- Azure MCA --------------------------------------------------------------------------------------------------


def test_azure_mca_profiles_in_two_currencies_keep_each_currency_total(tmp_path: Path) -> None:
    rows = mca_rows("P1", currency="EUR") + mca_rows("P2", currency="GBP", days=3)
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "mca.csv", MCA_HEADER, rows)))
    got = {k: Decimal(v) for k, v in q(db, "SELECT BillingCurrency, sum(BilledCost) FROM costs GROUP BY 1")}
    assert got == {
        "EUR": fsum(mca_rows("P1"), "costInBillingCurrency"),
        "GBP": fsum(mca_rows("P2", days=3), "costInBillingCurrency"),
    }


def test_azure_mca_restating_one_profile_keeps_the_other_profile(tmp_path: Path) -> None:
    both = mca_rows("P1") + mca_rows("P2")
    db = fresh(tmp_path)
    ok(imp("azure", db, write_csv(tmp_path / "mca-all.csv", MCA_HEADER, both)))
    p1 = mca_rows("P1", days=4)
    for r in p1:
        r["costInBillingCurrency"] = str(Decimal(r["costInBillingCurrency"]) * 2)
        r["costInUsd"] = r["costInBillingCurrency"]
    ok(imp("azure", db, write_csv(tmp_path / "mca-p1.csv", MCA_HEADER, p1)))
    assert total(db) == fsum(p1, "costInBillingCurrency") + fsum(mca_rows("P2"), "costInBillingCurrency")


def test_azure_mca_the_same_file_under_another_name_adds_nothing(tmp_path: Path) -> None:
    rows = mca_rows("P1")
    db = fresh(tmp_path)
    p = write_csv(tmp_path / "a.csv", MCA_HEADER, rows)
    ok(imp("azure", db, p))
    ok(imp("azure", db, shutil.copy(p, tmp_path / "renamed.csv")))
    assert total(db) == fsum(rows, "costInBillingCurrency")


# --- CUR 2.0 ------------------------------------------------------------------------------------------------------

CUR_HEADER = [
    "identity_line_item_id",
    "bill_payer_account_id",
    "bill_billing_period_start_date",
    "bill_billing_period_end_date",
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_operation",
    "line_item_resource_id",
    "line_item_usage_amount",
    "line_item_currency_code",
    "line_item_unblended_rate",
    "line_item_unblended_cost",
    "line_item_net_unblended_cost",
    "product_instance_type",
    "product_region_code",
    "pricing_unit",
    "pricing_public_on_demand_cost",
    "reservation_reservation_a_r_n",
    "reservation_effective_cost",
    "reservation_unused_amortized_upfront_fee_for_billing_period",
    "reservation_unused_recurring_fee",
    "savings_plan_savings_plan_a_r_n",
    "savings_plan_savings_plan_effective_cost",
    "savings_plan_total_commitment_to_date",
    "savings_plan_used_commitment",
    "split_line_item_parent_resource_id",
    "split_line_item_split_usage",
    "split_line_item_split_cost",
    "split_line_item_unused_cost",
    "split_line_item_net_split_cost",
    "resource_tags",
]

SP = "arn:aws:savingsplans::999988887777:savingsplan/sp-1"
RI = "arn:aws:ec2:us-east-1:999988887777:reserved-instances/ri-1"


def cur_line(i: int, typ: str, cost: str, *, month: int = 10, day: int = 1, **kw: str) -> dict[str, str]:
    start = dt.datetime(2026, month, day, tzinfo=UTC)
    row = {c: "" for c in CUR_HEADER}
    row.update(
        identity_line_item_id=f"li-{month}-{i}",
        bill_payer_account_id="999988887777",
        bill_billing_period_start_date=f"2026-{month:02d}-01T00:00:00Z",
        bill_billing_period_end_date=f"2026-{month + 1:02d}-01T00:00:00Z",
        line_item_usage_account_id="111122223333",
        line_item_line_item_type=typ,
        line_item_usage_start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        line_item_usage_end_date=(start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        line_item_product_code="AmazonEC2",
        line_item_usage_type="USE1-BoxUsage:p5.48xlarge",
        line_item_operation="RunInstances",
        line_item_resource_id=f"i-{i:04d}",
        line_item_usage_amount="1",
        line_item_currency_code="USD",
        line_item_unblended_cost=cost,
        line_item_net_unblended_cost=cost,
        product_instance_type="p5.48xlarge",
        product_region_code="us-east-1",
        pricing_unit="Hrs",
        pricing_public_on_demand_cost="98.32",
        resource_tags='{"user_team":"ml"}',
    )
    row.update(kw)
    return row


def test_cur_savings_plan_lines_bill_the_unblended_and_amortise_the_effective(tmp_path: Path) -> None:
    rows = [
        cur_line(
            1,
            "SavingsPlanCoveredUsage",
            "98.32",
            savings_plan_savings_plan_a_r_n=SP,
            savings_plan_savings_plan_effective_cost="61.25",
        ),
        cur_line(2, "SavingsPlanNegation", "-98.32", savings_plan_savings_plan_a_r_n=SP),
        cur_line(
            3,
            "SavingsPlanRecurringFee",
            "70",
            line_item_usage_type="ComputeSP:1yrNoUpfront",
            line_item_product_code="ComputeSavingsPlans",
            product_instance_type="",
            savings_plan_savings_plan_a_r_n=SP,
            savings_plan_total_commitment_to_date="70",
            savings_plan_used_commitment="61.25",
        ),
        cur_line(4, "Usage", "12.5"),
    ]
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", CUR_HEADER, rows)))
    assert total(db) == fsum(rows, "line_item_unblended_cost")
    assert total(db, "EffectiveCost") == Decimal("61.25") + (Decimal("70") - Decimal("61.25")) + Decimal(
        "12.5"
    )


def test_cur_reserved_instance_lines_amortise_used_and_unused(tmp_path: Path) -> None:
    rows = [
        cur_line(
            1,
            "DiscountedUsage",
            "0",
            reservation_reservation_a_r_n=RI,
            reservation_effective_cost="40.1234567891",
        ),
        cur_line(
            2,
            "DiscountedUsage",
            "0",
            reservation_reservation_a_r_n=RI,
            reservation_effective_cost="40.1234567891",
        ),
        cur_line(
            3,
            "RIFee",
            "720",
            line_item_usage_type="HeavyUsage:p5.48xlarge",
            reservation_reservation_a_r_n=RI,
            reservation_unused_amortized_upfront_fee_for_billing_period="10.5",
            reservation_unused_recurring_fee="5.25",
        ),
    ]
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", CUR_HEADER, rows)))
    assert total(db) == Decimal("720")
    assert total(db, "EffectiveCost") == Decimal("80.2469135782") + Decimal("15.75")


def test_cur_split_cost_allocation_columns_do_not_change_the_bill(tmp_path: Path) -> None:
    rows = [
        cur_line(
            i,
            "Usage",
            "10.0001",
            split_line_item_parent_resource_id="i-0001",
            split_line_item_split_cost="3.3333",
            split_line_item_unused_cost="0.1",
            split_line_item_net_split_cost="3.3333",
            split_line_item_split_usage="0.33",
        )
        for i in range(1, 4)
    ]
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", CUR_HEADER, rows)))
    assert state(db)[:3] == (3, Decimal("30.0003"), Decimal("30.0003"))


def test_cur_restating_one_month_of_a_two_month_file_keeps_the_other_month(tmp_path: Path) -> None:
    rows = [cur_line(i, "Usage", "10", month=10, day=i) for i in range(1, 4)] + [
        cur_line(i, "Usage", "20", month=11, day=i) for i in range(1, 4)
    ]
    db = fresh(tmp_path)
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur-oct-nov.csv", CUR_HEADER, rows)))
    nov = [cur_line(i, "Usage", "21", month=11, day=i) for i in range(1, 5)]
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur-nov.csv", CUR_HEADER, nov)))
    assert total(db) == Decimal("30") + Decimal("84")


def test_cur_an_interrupted_gzip_import_leaves_the_store_and_the_retry_totals(tmp_path: Path) -> None:
    rows = [cur_line(i, "Usage", f"{i}.01") for i in range(1, 200)]
    full = write_csv(tmp_path / "cur-00001.csv.gz", CUR_HEADER, rows, gz=True)
    data = full.read_bytes()
    cut = tmp_path / "cut" / "cur-00001.csv.gz"
    cut.parent.mkdir()
    cut.write_bytes(data[: len(data) // 2])
    db = fresh(tmp_path)
    run = bad(imp("aws-cur", db, cut))
    names(run.output, "cur-00001.csv.gz")
    assert state(db)[0] == 0
    ok(imp("aws-cur", db, full))
    assert total(db) == fsum(rows, "line_item_unblended_cost")


# --- GCP -----------------------------------------------------------------------------------------------------------


def gcp_row(i: int, cost: float | str, credits: list[dict], month: str = "202611") -> dict:
    return {
        "billing_account_id": "01AAAA-BBBBBB-CCCCCC",
        "service": {"id": "C7E2-9256-1C43", "description": "Vertex AI"},
        "sku": {"id": f"SKU-{i}", "description": "Gemini 2.5 Flash Text Input"},
        "usage_start_time": f"{month[:4]}-{month[4:]}-0{1 + i % 5} 00:00:00 UTC",
        "usage_end_time": f"{month[:4]}-{month[4:]}-0{1 + i % 5} 01:00:00 UTC",
        "project": {"id": "search-prod", "number": "123", "name": "Search", "labels": []},
        "labels": [{"key": "team", "value": "search"}],
        "location": {"location": "us-central1", "region": "us-central1"},
        "export_time": f"{month[:4]}-{month[4:]}-06 00:00:00 UTC",
        "cost": cost,
        "currency": "USD",
        "usage": {
            "amount": 1000,
            "unit": "count",
            "amount_in_pricing_units": 0.001,
            "pricing_unit": "1 million count",
        },
        "credits": credits,
        "invoice": {"month": month},
        "cost_type": "regular",
        "cost_at_list": cost,
    }


def test_gcp_promotion_and_committed_use_credits_net_to_the_invoice(tmp_path: Path) -> None:
    rows = [
        gcp_row(
            1,
            10.5,
            [
                {
                    "name": "Free trial",
                    "full_name": "Free trial credit",
                    "id": "cr-1",
                    "type": "PROMOTION",
                    "amount": -10.5,
                }
            ],
        ),
        gcp_row(
            2,
            20.0,
            [
                {
                    "name": "CUD",
                    "full_name": "Committed use discount: 1 year",
                    "id": "commitments/c-1",
                    "type": "COMMITTED_USAGE_DISCOUNT",
                    "amount": -6.123456789,
                },
                {
                    "name": "SUD",
                    "full_name": "Sustained use",
                    "id": "s",
                    "type": "SUSTAINED_USAGE_DISCOUNT",
                    "amount": -1.1,
                },
            ],
        ),
        gcp_row(
            3,
            3.3333333333,
            [
                {
                    "name": "Spend-based CUD",
                    "full_name": "Committed use discount - dollar based",
                    "id": "commitments/c-2",
                    "type": "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE",
                    "amount": -0.5,
                }
            ],
        ),
    ]
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "bq.jsonl", rows)))
    expected = sum((d(r["cost"]) + sum((d(c["amount"]) for c in r["credits"]), ZERO) for r in rows), ZERO)
    assert total(db) == expected
    assert total(db, where="ChargeCategory <> 'Credit'") == sum((d(r["cost"]) for r in rows), ZERO)


def test_gcp_amounts_as_strings_with_many_decimals_are_exact(tmp_path: Path) -> None:
    rows = [
        gcp_row(
            1,
            "0.123456789012",
            [{"name": "p", "full_name": "p", "id": "p", "type": "PROMOTION", "amount": "-0.000000000001"}],
        ),
        gcp_row(2, "5e-10", []),
    ]
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "bq.jsonl", rows)))
    assert total(db) == r10("0.123456789012") + r10("-0.000000000001") + r10("5e-10")


def test_gcp_the_same_export_under_another_name_adds_nothing(tmp_path: Path) -> None:
    rows = [gcp_row(i, 1.25 * i, []) for i in range(1, 5)]
    db = fresh(tmp_path)
    p = write_jsonl(tmp_path / "bq-000000000000.json", rows)
    ok(imp("gcp", db, p))
    ok(imp("gcp", db, shutil.copy(p, tmp_path / "billing-nov.jsonl")))
    assert total(db) == Decimal("12.5")


def test_gcp_restating_one_invoice_month_of_a_two_month_extract_keeps_the_other(tmp_path: Path) -> None:
    rows = [gcp_row(i, 1.0, [], "202610") for i in range(1, 4)] + [
        gcp_row(i, 2.0, [], "202611") for i in range(1, 4)
    ]
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "two.jsonl", rows)))
    nov = [gcp_row(i, 2.5, [], "202611") for i in range(1, 5)]
    ok(imp("gcp", db, write_jsonl(tmp_path / "nov.jsonl", nov)))
    assert total(db) == Decimal("3") + Decimal("10")


# --- FOCUS -----------------------------------------------------------------------------------------------------------


def test_focus_commitment_discount_rows_keep_billed_and_amortised_totals_apart(tmp_path: Path) -> None:
    rows = focus_rows(days=3, provider="Microsoft")
    purchase = focus_rows(days=1, provider="Microsoft", category="Purchase")[0]
    purchase.update(
        BilledCost="720",
        EffectiveCost="0",
        ContractedCost="720",
        ListCost="720",
        CommitmentDiscountId="ri-1",
        CommitmentDiscountName="RI",
        CommitmentDiscountType="Reservation",
        CommitmentDiscountCategory="Usage",
        ChargeFrequency="One-Time",
    )
    used = focus_rows(days=1, provider="Microsoft")[0]
    used.update(
        ChargePeriodStart="2026-10-02T00:00:00Z",
        ChargePeriodEnd="2026-10-03T00:00:00Z",
        BilledCost="0",
        EffectiveCost="23.2258064516",
        CommitmentDiscountId="ri-1",
        CommitmentDiscountStatus="Used",
        CommitmentDiscountType="Reservation",
        CommitmentDiscountCategory="Usage",
        CommitmentDiscountQuantity="24",
        CommitmentDiscountUnit="Hours",
        PricingCategory="Committed",
        ResourceId="vm-1",
    )
    unused = dict(
        used,
        ResourceId="",
        CommitmentDiscountStatus="Unused",
        EffectiveCost="0.0000000001",
        ConsumedQuantity="",
        ConsumedUnit="",
    )
    allrows = rows + [purchase, used, unused]
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "focus.csv", FOCUS_12, allrows)))
    assert total(db) == fsum(allrows) and total(db, "EffectiveCost") == fsum(allrows, "EffectiveCost")
    assert one(db, "SELECT count(*) FROM costs WHERE CommitmentDiscountStatus = 'Unused'") == 1


def test_focus_restating_one_month_of_a_multi_month_file_keeps_the_other_months(tmp_path: Path) -> None:
    rows = focus_rows("2026-09", days=3) + focus_rows("2026-10", days=3) + focus_rows("2026-11", days=3)
    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "q.csv", FOCUS_12, rows)))
    oct2 = focus_rows("2026-10", days=4)
    for r in oct2:
        r["BilledCost"] = r["EffectiveCost"] = str(Decimal(r["BilledCost"]) + 1)
    ok(imp("focus", db, write_csv(tmp_path / "oct.csv", FOCUS_12, oct2)))
    assert total(db) == fsum(focus_rows("2026-09", days=3)) + fsum(oct2) + fsum(focus_rows("2026-11", days=3))


def test_focus_the_same_file_under_another_name_adds_nothing(tmp_path: Path) -> None:
    rows = focus_rows(days=4)
    db = fresh(tmp_path)
    p = write_csv(tmp_path / "focus-2026-10.csv", FOCUS_12, rows)
    ok(imp("focus", db, p))
    run = ok(imp("focus", db, shutil.copy(p, tmp_path / "downloaded (1).csv")))
    assert total(db) == fsum(rows)
    names(run.output, "nothing")


def test_focus_an_interrupted_import_cut_mid_line_leaves_the_store_and_the_retry_totals(
    tmp_path: Path,
) -> None:
    rows = focus_rows(days=28)
    full = write_csv(tmp_path / "focus.csv", FOCUS_12, rows)
    text = full.read_bytes()
    cut = tmp_path / "partial" / "focus.csv"
    cut.parent.mkdir()
    cut.write_bytes(text[: int(len(text) * 0.6)])
    db = fresh(tmp_path)
    run = bad(imp("focus", db, cut))
    names(run.output, "focus.csv")
    assert state(db)[0] == 0
    ok(imp("focus", db, full))
    assert total(db) == fsum(rows)


def test_focus_a_file_naming_no_billing_account_shows_its_scope_in_imports(tmp_path: Path) -> None:
    """Session 23's leftover: the stand-in scope of a file without BillingAccountId (its sub-account) is what
    `spendscope imports` shows for what a restatement replaced, not '(none)'."""

    def noacct(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for r in rows:
            r["BillingAccountId"] = ""
            r["BillingAccountName"] = ""
        return rows

    db = fresh(tmp_path)
    ok(imp("focus", db, write_csv(tmp_path / "noacct-1.csv", FOCUS_12, noacct(focus_rows(days=3)))))
    ok(imp("focus", db, write_csv(tmp_path / "noacct-2.csv", FOCUS_12, noacct(focus_rows(days=4)))))
    assert total(db) == fsum(focus_rows(days=4))
    run = ok(cli(["imports", "--db", str(db), "--json"]))
    assert "(none)" not in run.output, run.output
    names(run.output, "proj_27")


# --- batch 2 (written after the first fixes): values whose type changes from line to line, and API edge cases ---


def test_openai_a_missing_amount_names_its_day_not_a_unix_time(tmp_path: Path) -> None:
    broken = {**oa_cost(0, "b, input"), "amount": None}
    pages = [{"data": [oa_bucket(1, [oa_cost(1, "a, input"), broken])]}]
    db = fresh(tmp_path)
    run = bad(sync("openai", db, tmp_path, {OA_COSTS: pages}, "2026-11-01", "2026-11-01"))
    names(run.output, "amount", "2026-11-01")
    assert state(db)[0] == 0


def test_anthropic_a_numeric_amount_and_a_web_search_line_without_model_total(tmp_path: Path) -> None:
    search = {
        "currency": "USD",
        "amount": "25",
        "workspace_id": None,
        "description": "Web search",
        "cost_type": "web_search",
        "context_window": None,
        "model": None,
        "service_tier": None,
        "token_type": None,
    }
    pages = [{"data": [an_bucket(1, [{**an_cost("150"), "amount": 150}, search])]}]
    db = fresh(tmp_path)
    ok(sync("anthropic", db, tmp_path, {AN_COSTS: pages}, "2026-11-01", "2026-11-01"))
    assert state(db)[:2] == (2, Decimal("1.75"))


def test_litellm_spend_as_number_and_string_in_one_export_totals(tmp_path: Path) -> None:
    db = fresh(tmp_path)
    ok(imp("litellm", db, write_json(tmp_path / "l.json", [ll(1, "0.25"), ll(2, 0.5)])))
    assert Decimal(one(db, "SELECT sum(estimated_cost) FROM usage_events")) == Decimal("0.75")


def test_langfuse_counts_and_costs_as_strings_and_numbers_total(tmp_path: Path) -> None:
    obs = [
        lf_obs("g1", "GENERATION", None, {"input": 10, "output": 5}, {"total": "0.25"}),
        lf_obs("g2", "GENERATION", None, {"input": "10", "output": 5}, {"total": 0.5}),
    ]
    db = fresh(tmp_path)
    ok(imp("langfuse", db, write_json(tmp_path / "t.json", lf_trace(obs))))
    got = q(db, "SELECT sum(estimated_cost), sum(input_tokens) FROM usage_events")[0]
    assert (Decimal(got[0]), got[1]) == (Decimal("0.75"), 20)


def test_events_counts_and_costs_mixing_strings_and_numbers_total(tmp_path: Path) -> None:
    rows = [ev(1, "2026-11-01T00:00:00Z", "0.5"), {**ev(2, "2026-11-01T00:00:00Z"), "reported_cost": 0.25}]
    rows[1]["input_tokens"] = "7"
    db = fresh(tmp_path)
    ok(imp("events", db, write_jsonl(tmp_path / "e.jsonl", rows)))
    got = q(db, "SELECT sum(reported_cost), sum(input_tokens) FROM usage_events")[0]
    assert (Decimal(got[0]), got[1]) == (Decimal("0.75"), 1008)


def test_gcp_cost_as_number_and_string_in_one_extract_totals(tmp_path: Path) -> None:
    promo = {"name": "x", "full_name": "x", "id": "x", "type": "PROMOTION"}
    rows = [
        gcp_row(1, 1.25, []),
        gcp_row(2, "2.5", [{**promo, "amount": "-0.5"}]),
        gcp_row(3, 3, [{**promo, "amount": -1}]),
    ]
    db = fresh(tmp_path)
    ok(imp("gcp", db, write_jsonl(tmp_path / "bq.jsonl", rows)))
    assert total(db) == Decimal("5.25")


def test_otlp_int_values_as_numbers_and_strings_total(tmp_path: Path) -> None:
    doc = otlp(("api", [[span("a1", "chat", 10, 1), span("a2", "chat", 20, 2)]]))
    attrs = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][1]["attributes"]
    next(a for a in attrs if a["key"] == "gen_ai.usage.input_tokens")["value"]["intValue"] = 20
    db = fresh(tmp_path)
    ok(imp("otel", db, write_json(tmp_path / "t.json", doc)))
    assert q(db, "SELECT count(*), sum(input_tokens) FROM usage_events") == [(2, 30)]


def test_gpu_a_capture_without_header_or_columns_is_refused_naming_the_option(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_text(smi_line("2026/11/02 10:00:00.000", 0, "50 %") + "\n", encoding="utf-8")
    db = fresh(tmp_path)
    run = bad(imp("gpu", db, p, flags=("--instance", "i-1")))
    names(run.output, "g.csv", "--columns")
    assert state(db)[4] == 0


# --- batch 3: a bill line whose cost is empty (a truncated or hand-edited export) ----------------------------------


def _empty_cost_told(run: Run, db: Path, expected_total: Decimal) -> None:
    """Refused naming the row and column, or imported with a warning that the line's cost is empty (never left
    out of every total without a word)."""
    if run.code != 0:
        names(bad(run).output, "row 2")
        assert state(db)[0] == 0
    else:
        warned = [line for line in run.output.lower().splitlines() if "warning" in line]
        assert any("empty" in line for line in warned), run.output
        assert total(db) == expected_total


def test_cur_a_line_with_an_empty_cost_is_refused_or_reported(tmp_path: Path) -> None:
    rows = [cur_line(i, "Usage", "1.5") for i in range(1, 4)]
    rows[1]["line_item_unblended_cost"] = ""
    db = fresh(tmp_path)
    _empty_cost_told(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", CUR_HEADER, rows)), db, Decimal(3))


def test_azure_a_line_with_an_empty_cost_is_refused_or_reported(tmp_path: Path) -> None:
    rows = mca_rows("P1")
    rows[1]["costInBillingCurrency"] = ""
    db = fresh(tmp_path)
    run = imp("azure", db, write_csv(tmp_path / "mca.csv", MCA_HEADER, rows))
    _empty_cost_told(run, db, fsum(rows, "costInBillingCurrency"))


def test_focus_a_line_with_an_empty_cost_is_refused_or_reported(tmp_path: Path) -> None:
    rows = focus_rows(days=3)
    rows[1]["BilledCost"] = rows[1]["EffectiveCost"] = ""
    db = fresh(tmp_path)
    _empty_cost_told(imp("focus", db, write_csv(tmp_path / "f.csv", FOCUS_12, rows)), db, fsum(rows))
