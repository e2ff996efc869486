"""The embedded demo: deterministic, complete (every element the analytics and telemetry features need), loaded
through the real importers, and safe with a user's own store."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shlex
import statistics
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from spendscope.data.demo import build_demo
from spendscope.data.demo_generate import generate
from spendscope.data.errors import InvalidArgument, InvalidPeriod
from spendscope.data.import_focus import import_focus
from spendscope.data.models import normalize_model
from spendscope.data.store import Store
from typer.testing import CliRunner

END, DAYS, SEED = "2026-10-31", 100, 7  # as the shared demo_store fixture
PROVENANCE = {"x_ImportId", "x_SourceFile"}
# telemetry provider (OpenTelemetry gen_ai.provider.name) -> (FOCUS ProviderName, ServiceName)
BILLED_AS = {
    "openai": ("OpenAI", "OpenAI API"),
    "anthropic": ("Anthropic", "Claude API"),
    "aws.bedrock": ("AWS", "Amazon Bedrock"),
    "azure.ai.openai": ("Microsoft", "Azure OpenAI"),
    "gcp.vertex_ai": ("Google Cloud", "Vertex AI"),
}


def rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql, params or []).fetchall()


def table_contents(store: Store, table: str) -> list[tuple]:
    with store.reader() as con:
        cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in PROVENANCE]
        select = ", ".join(f'"{c}"' for c in cols)
        return con.execute(f"SELECT {select} FROM {table} ORDER BY ALL").fetchall()


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path]:
    """A second build with the demo_store parameters into its own file, keeping the generated source files."""
    folder = tmp_path_factory.mktemp("demo_kept")
    store = Store(folder / "again.duckdb", lock_timeout=10)
    generate.cache_clear()  # simulated afresh, not the dataset kept from demo_store's build: determinism is checked
    build_demo(store, end=END, days=DAYS, seed=SEED, keep_files=folder / "files")
    return store, folder / "files"


# --- determinism and idempotence -------------------------------------------------------------------------


def test_the_same_seed_end_and_days_build_identical_tables(
    demo_store: Store, kept: tuple[Store, Path]
) -> None:
    again, _ = kept
    for table in ("costs", "usage_events", "gpu_samples", "anomaly_labels"):
        first, second = table_contents(demo_store, table), table_contents(again, table)
        assert first, table
        assert first == second, table
    imports = "SELECT kind, file_hash, rows_read, rows_inserted FROM imports ORDER BY kind"
    assert rows(demo_store, imports) == rows(again, imports)


def test_another_seed_gives_other_data() -> None:
    start, end = dt.date(2026, 8, 1), dt.date(2026, 10, 1)
    a, b = generate(start, end, 7), generate(start, end, 8)
    assert generate(start, end, 8) is b and generate(start, end, 7) is not a  # the last dataset is kept
    assert [r["BilledCost"] for r in a.cost_rows] != [r["BilledCost"] for r in b.cost_rows]
    assert [e["event_id"] for e in a.events] != [e["event_id"] for e in b.events]


def test_building_again_into_the_same_store_adds_nothing(kept: tuple[Store, Path]) -> None:
    store, _ = kept
    counts = (
        "SELECT (SELECT count(*) FROM costs), (SELECT count(*) FROM usage_events), "
        "(SELECT count(*) FROM gpu_samples), (SELECT count(*) FROM anomaly_labels)"
    )
    before = rows(store, counts)
    info = build_demo(store, end=END, days=DAYS, seed=SEED)
    assert info.added == {
        "costs": 0,
        "usage_events": 0,
        "gpu_samples": 0,
        "anomaly_labels": 0,
        "assistant_costs": 0,
        "business_metrics": 0,
    }
    assert not info.rebuilt
    assert rows(store, counts) == before


# --- the store equals the files it was built from --------------------------------------------------------


def test_demo_totals_equal_the_sums_of_the_generated_csv(kept: tuple[Store, Path]) -> None:
    store, files = kept
    [bill] = files.glob("*.focus.csv")
    billed, effective, count = defaultdict(Decimal), defaultdict(Decimal), 0
    with open(bill, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            billed[r["ProviderName"]] += Decimal(r["BilledCost"])
            effective[r["ProviderName"]] += Decimal(r["EffectiveCost"])
            count += 1
    got = rows(
        store,
        "SELECT ProviderName, sum(BilledCost), sum(EffectiveCost), count(*) FROM costs WHERE x_Source = 'focus' "
        "GROUP BY 1",
    )
    assert {p: (b, e) for p, b, e, _ in got} == {p: (billed[p], effective[p]) for p in billed}
    assert sum(n for *_, n in got) == count
    [events] = files.glob("*.jsonl")
    with open(events, encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    assert rows(store, "SELECT count(*), sum(output_tokens) FROM usage_events")[0] == (
        len(lines),
        sum(e["output_tokens"] for e in lines),
    )
    # the coding-assistant line: charges equal the generated API payloads' charges
    cursor = json.loads(next(files.glob("demo-cursor-*.json")).read_text(encoding="utf-8"))
    charged = sum(
        (
            Decimal(str(e["tokenUsage"]["totalCents"])) / 100
            for e in cursor["events"]
            if e["kind"] == "Usage-based"
        ),
        Decimal(0),
    )
    copilot = json.loads(next(files.glob("demo-github-copilot-*.json")).read_text(encoding="utf-8"))
    net = sum((Decimal(str(i["netAmount"])) for i in copilot["premium"]), Decimal(0))
    assert (
        rows(
            store,
            "SELECT sum(EffectiveCost) FROM costs WHERE x_Source = 'cursor' AND ChargeFrequency = 'Usage-Based'",
        )[0][0]
        == charged
    )
    assert (
        rows(
            store,
            "SELECT sum(BilledCost) FROM costs WHERE x_Source = 'github_copilot' AND ChargeFrequency = 'Usage-Based'",
        )[0][0]
        == net
    )
    [gpu] = files.glob("demo-gpu-*.csv")
    with open(gpu, encoding="utf-8", newline="") as fh:
        samples = list(csv.DictReader(fh))
    assert rows(store, "SELECT count(*) FROM gpu_samples")[0][0] == len(samples)


# --- every element the features need ---------------------------------------------------------------------


def test_demo_covers_the_providers_services_and_days(demo_store: Store) -> None:
    services = {(p, s) for p, s in rows(demo_store, "SELECT DISTINCT ProviderName, ServiceName FROM costs")}
    assert set(BILLED_AS.values()) | {("AWS", "Amazon Elastic Compute Cloud")} <= services
    first, last, days = rows(
        demo_store,
        "SELECT min(CAST(ChargePeriodStart AS DATE)), max(CAST(ChargePeriodStart "
        "AS DATE)), count(DISTINCT CAST(ChargePeriodStart AS DATE)) FROM costs",
    )[0]
    assert days >= 90 and last == dt.date(2026, 10, 31) and (last - first).days + 1 == DAYS


def test_token_rows_use_focus_units_and_every_token_type_and_name_their_model(demo_store: Store) -> None:
    units = rows(
        demo_store,
        "SELECT DISTINCT PricingUnit, ConsumedUnit FROM costs WHERE x_Tokens IS NOT NULL AND x_Source = 'focus'",
    )
    assert units == [("1M Tokens", "Tokens")]
    types = {
        r[0] for r in rows(demo_store, "SELECT DISTINCT x_TokenType FROM costs WHERE x_Tokens IS NOT NULL")
    }
    assert {"input", "output", "cached_input", "cache_write"} <= types
    assert (
        rows(demo_store, "SELECT count(*) FROM costs WHERE x_Tokens IS NOT NULL AND x_Model IS NULL")[0][0]
        == 0
    )
    bedrock = rows(
        demo_store, "SELECT DISTINCT ResourceId, x_Model FROM costs WHERE ServiceName = 'Amazon Bedrock'"
    )
    assert any("anthropic.claude-" in rid and model.startswith("claude-") for rid, model in bedrock)
    assert any(not model.startswith("claude-") for _, model in bedrock)  # a third-party model


def test_teams_features_customers_and_envs_are_there(demo_store: Store) -> None:
    teams, features, envs = rows(
        demo_store,
        """SELECT count(DISTINCT json_extract_string(Tags, '$.team')),
        count(DISTINCT json_extract_string(Tags, '$.feature')), list(DISTINCT json_extract_string(Tags, '$.env'))
        FROM costs""",
    )[0]
    assert teams >= 5 and features >= 8 and {"prod", "staging"} <= set(envs)
    ev = rows(
        demo_store,
        """SELECT count(DISTINCT team), count(DISTINCT feature), count(DISTINCT customer),
        list(DISTINCT env), count(DISTINCT commit_sha), count(*) FILTER (WHERE code_path IS NULL), count(*),
        count(*) FILTER (WHERE NOT priced AND provider <> 'vllm') FROM usage_events""",
    )[0]
    assert ev[0] >= 5 and ev[1] >= 8 and ev[2] >= 25 and {"prod", "staging"} <= set(ev[3])
    assert ev[4] >= 3 and ev[5] == 0 and 0 < ev[6] <= 60_000 and ev[7] == 0
    accounts = {r[0] for r in rows(demo_store, "SELECT DISTINCT SubAccountName FROM costs")}
    assert {"search-prod", "support-bot"} <= accounts


def test_untagged_spend_is_between_one_and_ten_percent(demo_store: Store) -> None:
    untagged, total = rows(
        demo_store,
        """SELECT sum(EffectiveCost) FILTER (WHERE json_extract_string(Tags, '$.team')
        IS NULL), sum(EffectiveCost) FROM costs""",
    )[0]
    assert Decimal(1) <= untagged / total * 100 <= Decimal(10)


def test_weekends_are_quieter_and_features_grow(demo_store: Store) -> None:
    daily = rows(
        demo_store,
        """SELECT CAST(ChargePeriodStart AS DATE) AS d, sum(EffectiveCost) FROM costs
        WHERE json_extract_string(Tags, '$.feature') = 'insights-agent' AND ChargePeriodStart < '2026-09-01'
        GROUP BY 1""",
    )
    weekend = statistics.mean(float(c) for d, c in daily if d.weekday() >= 5)
    weekday = statistics.mean(float(c) for d, c in daily if d.weekday() < 4)
    assert 0.4 <= weekend / weekday <= 0.6
    by_month = dict(
        rows(
            demo_store,
            """SELECT strftime(ChargePeriodStart, '%Y-%m'), sum(EffectiveCost) FROM costs
        WHERE json_extract_string(Tags, '$.feature') = 'insights-agent' GROUP BY 1""",
        )
    )
    assert by_month["2026-10"] / by_month["2026-08"] > Decimal("1.2")  # 20% a month


def test_the_idle_gpu_instance_is_idle_and_joins_its_cost_rows(demo_store: Store) -> None:
    stats = rows(
        demo_store,
        """SELECT g.instance_id, avg((utilization_pct < 5)::INT), avg(utilization_pct),
        any_value(c.x_InstanceType), any_value(c.x_GpuCount), count(DISTINCT g.gpu_index)
        FROM gpu_samples g JOIN (SELECT DISTINCT ResourceId, x_InstanceType, x_GpuCount FROM costs
                                 WHERE x_GpuCount > 0) c ON c.ResourceId = g.instance_id
        GROUP BY 1""",
    )
    idle = [s for s in stats if s[1] >= 0.9]
    busy = [s for s in stats if s[2] >= 40]
    assert idle and busy and len(stats) == 3
    assert {s[3].split(".")[0] for s in stats} == {"g5", "p5"}
    assert all(s[4] == s[5] for s in stats)  # one sample series per GPU
    gaps = rows(
        demo_store,
        """SELECT DISTINCT ts - lag(ts) OVER (ORDER BY ts) FROM gpu_samples
        WHERE instance_id = ? AND gpu_index = 0""",
        [idle[0][0]],
    )
    assert {g for (g,) in gaps if g is not None} == {dt.timedelta(minutes=15)}


def test_the_ptu_commitment_is_under_used_and_amortises_its_purchase(demo_store: Store) -> None:
    used, unused, bought = rows(
        demo_store,
        """SELECT
        sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Used'),
        sum(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Unused'),
        sum(BilledCost) FILTER (WHERE ChargeCategory = 'Purchase')
        FROM costs WHERE CommitmentDiscountId IS NOT NULL AND strftime(ChargePeriodStart, '%Y-%m') = '2026-10'""",
    )[0]
    assert Decimal("0.45") <= used / (used + unused) <= Decimal("0.65")
    assert used + unused == bought


def test_telemetry_estimates_track_the_bill_within_a_few_percent(demo_store: Store) -> None:
    estimated = defaultdict(Decimal)
    for provider, model, cost in rows(
        demo_store,
        """SELECT provider, model, sum(estimated_cost) FROM usage_events
            WHERE ts >= '2026-10-01' AND ts < '2026-11-01' GROUP BY 1, 2""",
    ):
        if provider != "vllm":  # self-hosted: no per-token bill (test_tools_model_costs covers them)
            estimated[(*BILLED_AS[provider], normalize_model(model))] += cost
    billed = {
        (p, s, m): c
        for p, s, m, c in rows(
            demo_store,
            """SELECT ProviderName, ServiceName, x_Model,
        sum(BilledCost) FROM costs WHERE x_Tokens IS NOT NULL AND ChargePeriodStart >= '2026-10-01'
        AND ChargePeriodStart < '2026-11-01' GROUP BY 1, 2, 3""",
        )
    }
    committed = ("Microsoft", "Azure OpenAI", "gpt-4o")  # the PTU's traffic: no per-token bill
    assert set(estimated) - set(billed) == {committed} and len(billed) >= 8
    for key, est in estimated.items():
        if key != committed:
            assert abs(est / billed[key] - 1) <= Decimal("0.06"), key
    # at pay-as-you-go prices the PTU's traffic costs less than the PTU: it is below break-even
    ptu = rows(
        demo_store,
        """SELECT sum(EffectiveCost) FROM costs WHERE CommitmentDiscountId IS NOT NULL
        AND ChargePeriodStart >= '2026-10-01' AND ChargePeriodStart < '2026-11-01'""",
    )[0][0]
    assert Decimal("0.5") * ptu < estimated[committed] < Decimal("0.95") * ptu


def test_each_labelled_anomaly_stands_out_in_its_series(demo_store: Store) -> None:
    labels = rows(demo_store, "SELECT day, end_day, dimension, value, kind, impact FROM anomaly_labels")
    assert len(labels) >= 4 and len({lab[4] for lab in labels}) == len(labels)
    series_sql = {
        "feature": "SELECT CAST(ChargePeriodStart AS DATE), sum(EffectiveCost) FROM costs "
        "WHERE json_extract_string(Tags, '$.feature') = ? GROUP BY 1",
        "service": "SELECT CAST(ChargePeriodStart AS DATE), sum(EffectiveCost) FROM costs WHERE ServiceName = ? "
        "GROUP BY 1",
        "customer": "SELECT CAST(ts AS DATE), sum(estimated_cost) FROM usage_events WHERE customer = ? GROUP BY 1",
    }
    for day, end_day, dimension, value, kind, impact in labels:
        daily = dict(rows(demo_store, series_sql[dimension], [value]))
        before = [float(daily.get(day - dt.timedelta(days=k), 0)) for k in range(1, 15)]
        during = [float(daily.get(day + dt.timedelta(days=k), 0)) for k in range((end_day - day).days + 1)]
        assert statistics.mean(during) > 1.3 * statistics.median(before), kind
        assert impact > 100, kind


# --- the store file is handled safely --------------------------------------------------------------------


def test_a_fresh_build_never_deletes_a_store_holding_other_data(tmp_path: Path) -> None:
    mine = Store(tmp_path / "mine.duckdb", lock_timeout=10)
    own = tmp_path / "own.csv"
    own.write_text(
        "BilledCost,EffectiveCost,ChargePeriodStart,ChargePeriodEnd,ProviderName\n"
        "12.5,12.5,2026-09-01T00:00:00Z,2026-09-02T00:00:00Z,OpenAI\n",
        encoding="utf-8",
    )
    import_focus(mine, own)
    info = build_demo(mine, end="2026-09-30", days=62, seed=3, fresh=True)
    assert not info.rebuilt
    assert rows(mine, "SELECT count(*) FROM costs WHERE x_SourceFile = ?", [str(own.resolve())])[0][0] == 1
    assert rows(mine, "SELECT count(*) FROM costs")[0][0] == 1 + info.rows + info.assistant_rows


def test_bad_end_or_days_are_refused_with_typed_errors(tmp_path: Path) -> None:
    store = Store(tmp_path / "x.duckdb")
    with pytest.raises(InvalidPeriod) as bad_end:
        build_demo(store, end="31/10/2026")
    assert bad_end.value.code == "invalid_period"
    with pytest.raises(InvalidArgument) as bad_days:
        build_demo(store, end="2026-10-31", days=10)
    assert bad_days.value.code == "invalid_argument"
    assert not store.path.exists()


# --- the command -----------------------------------------------------------------------------------------


def test_spendscope_demo_with_db_prints_the_summary(tmp_path: Path) -> None:
    from spendscope.cli import app

    db = tmp_path / "mine.duckdb"
    result = CliRunner().invoke(app, ["demo", "--db", str(db), "--end", "2026-09-30", "--days", "62"])
    assert result.exit_code == 0, result.output
    out = result.output
    for text in (
        "Spend by provider, September 2026",
        "Spend by team, September 2026",
        "Anthropic",
        "support",
        "(untagged)",
        "Total",
        "Try next:",
        f"--db {db}",
        "spendscope query",
    ):
        assert text in out, text
    assert db.exists()


def test_spendscope_demo_without_db_rebuilds_the_separate_demo_file_and_prints_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spendscope.cli import app

    monkeypatch.setenv("SPENDSCOPE_DEMO_DB", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("SPENDSCOPE_DB", str(tmp_path / "mine.duckdb"))
    for _ in range(2):  # the second run deletes and rebuilds the demo file: nothing doubles
        result = CliRunner().invoke(app, ["demo", "--end", "2026-09-30", "--days", "62", "--json"])
        assert result.exit_code == 0, result.output
        doc = json.loads(result.output)
        assert doc["demo"]["rebuilt"] and doc["demo"]["added"]["costs"] == doc["demo"]["rows"]
    assert (
        doc["demo"]["path"] == str(tmp_path / "demo.duckdb") and doc["demo"]["last_full_month"] == "2026-09"
    )
    assert (
        rows(Store(tmp_path / "demo.duckdb"), "SELECT count(*) FROM costs")[0][0]
        == doc["demo"]["rows"] + doc["demo"]["assistant_rows"]
    )
    assert not (tmp_path / "mine.duckdb").exists()
    providers = {r["group"]["provider"] for r in doc["by_provider"]["rows"]}
    assert {"OpenAI", "Anthropic", "AWS", "Microsoft", "Google Cloud"} <= providers
    team_total = sum(r["value"] for r in doc["by_team"]["rows"])
    assert team_total == pytest.approx(doc["by_provider"]["total"], rel=1e-9)
    assert len(doc["try_next"]) == 3


def test_the_suggested_commands_exist_and_their_queries_run_on_the_demo(demo_store: Store) -> None:
    from spendscope.data.demo import DemoInfo
    from spendscope.data.sql_guard import run_select

    from spendscope.demo_summary import example_commands

    info = DemoInfo.model_construct(path=demo_store.path, last_full_month="2026-10")
    without_ask = [shlex.split(c) for c in example_commands(info, {"query", "demo"})]
    assert len(without_ask) == 3 and all(args[1] == "query" for args in without_ask)
    for args in without_ask:
        assert args[-2:] == ["--db", str(demo_store.path)]
        assert run_select(demo_store, args[2]).rows
    with_ask = [shlex.split(c) for c in example_commands(info, {"query", "ask"})]
    assert [args[1] for args in with_ask] == ["query", "query", "ask"]
    assert "October 2026" in with_ask[2][2]
