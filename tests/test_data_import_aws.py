"""`spendscope import aws-cur`: CUR 2.0 and legacy CUR (CSV, gzip, Parquet), Bedrock tokens, GPU instances,
amortisation, attribution; all-or-nothing, idempotent, totals to the cent."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from samples import SAMPLES, shared_file
from spendscope.data.errors import ImportRejected
from spendscope.data.import_aws import import_aws_cur
from spendscope.data.import_common import snake_header
from spendscope.data.models import normalize_model, token_type_of
from spendscope.data.store import Store
from spendscope_in_process import run_spendscope
from typer.testing import CliRunner

from spendscope.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "providers" / "aws"
CUR2 = FIXTURES / "cur2_bedrock_gpu.csv"
LEGACY_TAGS = FIXTURES / "cur_legacy_bedrock_tags.csv"
# finopsfoundation/focus_converters (MIT), read from ../shared: never copied into the repository
LEGACY_SAMPLE = SAMPLES / "providers" / "aws" / "cur-legacy_sample-anonymous-aws-export-dataset.csv"


def _cli(db: Path, *files: Path, flags: tuple[str, ...] = ()) -> list[dict]:
    result = CliRunner().invoke(
        app, ["import", "aws-cur", *map(str, files), "--db", str(db), "--json", *flags]
    )
    if result.exception:
        raise result.exception
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _d(text: str | None) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def _expected_effective(row: dict[str, str]) -> Decimal:
    """AWS's amortisation rules, written independently of the importer's SQL."""
    kind = row["line_item_line_item_type"]
    if kind == "SavingsPlanCoveredUsage":
        return _d(row["savings_plan_savings_plan_effective_cost"])
    if kind == "SavingsPlanRecurringFee":
        return _d(row["savings_plan_total_commitment_to_date"]) - _d(row["savings_plan_used_commitment"])
    if kind in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return Decimal(0)
    if kind == "DiscountedUsage":
        return _d(row["reservation_effective_cost"])
    if kind == "RIFee":
        return _d(row["reservation_unused_amortized_upfront_fee_for_billing_period"]) + _d(
            row["reservation_unused_recurring_fee"]
        )
    return _d(row["line_item_unblended_cost"])


def _one(store: Store, sql: str, params: list | None = None) -> tuple:
    with store.reader() as con:
        return con.execute(sql, params or []).fetchall()[0]


def _all(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql, params or []).fetchall()


def _snapshot(store: Store) -> list[tuple]:
    return _all(store, "SELECT * FROM costs ORDER BY x_RowHash") + _all(
        store, "SELECT import_id FROM imports"
    )


def test_cur2_file_imports_every_row_with_billed_and_effective_totals_to_the_cent(tmp_path: Path) -> None:
    rows = _rows(CUR2)
    [result] = _cli(tmp_path / "s.duckdb", CUR2)
    store = Store(tmp_path / "s.duckdb")
    assert result["rows_inserted"] == len(rows) == _one(store, "SELECT count(*) FROM costs")[0]
    billed, effective = _one(store, "SELECT sum(BilledCost), sum(EffectiveCost) FROM costs")
    assert billed == sum(_d(r["line_item_unblended_cost"]) for r in rows)
    assert effective == sum(_expected_effective(r) for r in rows)
    assert billed != effective  # the Savings Plan and the RDS reservation are amortised
    assert _one(
        store, "SELECT count(DISTINCT x_SourceRow), min(x_SourceRow), max(x_SourceRow) FROM costs"
    ) == (len(rows), 1, len(rows))
    assert _one(store, "SELECT DISTINCT x_Source FROM costs")[0] == "aws_cur"


def test_bedrock_token_line_items_get_model_token_kind_and_token_count(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", CUR2)
    got = {
        r[0]: r[1:]
        for r in _all(
            Store(tmp_path / "s.duckdb"),
            "SELECT SkuMeter, x_Model, x_TokenType, x_Tokens, ServiceSubcategory FROM costs WHERE x_Tokens IS NOT NULL",
        )
    }
    assert got == {
        "USE1-Claude4.6Sonnet-input-tokens": ("claude-sonnet-4-6", "input", 23000, "Generative AI"),
        "USE1-Claude4.6Sonnet-output-tokens": ("claude-sonnet-4-6", "output", 1200, "Generative AI"),
        "USE1-Claude4.6Sonnet-cache-read-input-token-count": (
            "claude-sonnet-4-6",
            "cached_input",
            150000,
            "Generative AI",
        ),
        "USE1-Claude4.6Sonnet-cache-write-input-token-count": (
            "claude-sonnet-4-6",
            "cache_write",
            40000,
            "Generative AI",
        ),
        # priced per 1K tokens: the usage amount is in blocks of 1,000
        "USE1-Claude4.6Opus-input-tokens": ("claude-opus-4-6", "input", 12500, "Generative AI"),
        "USE1-Claude4.6Opus-output-tokens": ("claude-opus-4-6", "output", 2750, "Generative AI"),
        "USE1-Claude4.5Haiku-mantle-input-tokens-global": (
            "claude-haiku-4-5",
            "input",
            1000000,
            "Generative AI",
        ),
        # Marketplace model: the product code lacks "Bedrock", the model is only in the product name
        "USW2-MP:USW2_InputTokenCount-Units": ("claude-3-haiku", "input", 480000, "Generative AI"),
        "USW2-MP:USW2_OutputTokenCount-Units": ("claude-3-haiku", "output", 96000, "Generative AI"),
        "USE1-Zeta9Ultra-input-tokens": (None, "input", 5000, "Generative AI"),
    }


def test_unknown_bedrock_meter_is_kept_and_reported_as_unmapped(tmp_path: Path) -> None:
    [result] = _cli(tmp_path / "s.duckdb", CUR2)
    assert any("unmapped" in w and "USE1-Zeta9Ultra-input-tokens" in w for w in result["warnings"])
    cost = _one(
        Store(tmp_path / "s.duckdb"),
        "SELECT BilledCost FROM costs WHERE SkuMeter = 'USE1-Zeta9Ultra-input-tokens'",
    )
    assert cost == (Decimal("0.0123456789"),)


def test_gpu_instance_hours_get_gpu_count_and_gpu_hours_once(tmp_path: Path) -> None:
    [result] = _cli(tmp_path / "s.duckdb", CUR2)
    store = Store(tmp_path / "s.duckdb")
    got = _all(
        store,
        "SELECT x_LineItemType, x_InstanceType, x_GpuCount, x_GpuHours FROM costs "
        "WHERE x_InstanceType IS NOT NULL ORDER BY x_SourceRow",
    )
    assert got == [
        ("SavingsPlanCoveredUsage", "p5.48xlarge", 8, Decimal(192)),
        ("SavingsPlanNegation", "p5.48xlarge", 8, Decimal(0)),  # the negation must not count the hours again
        ("Usage", "g5.xlarge", 1, Decimal(10)),
        ("Usage", "p6e-gb200.36xlarge", None, None),
        ("Usage", "m7i.large", None, None),
    ]
    assert any("p6e-gb200.36xlarge" in w and "GPU catalog" in w for w in result["warnings"])
    assert _one(store, "SELECT sum(x_GpuHours) FROM gpu_instance_costs") == (Decimal(202),)


def test_attribution_fields_are_kept(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", CUR2)
    row = _one(
        Store(tmp_path / "s.duckdb"),
        "SELECT SubAccountId, SubAccountName, BillingAccountId, BillingAccountName, x_IamPrincipal, Tags, "
        "ResourceId, RegionId, ServiceName, ProviderName FROM costs WHERE x_SourceRow = 1",
    )
    assert row[:5] == (
        "111122223333",
        "ml-platform",
        "999988887777",
        "Acme Payer",
        "arn:aws:iam::111122223333:user/alice",
    )
    assert json.loads(row[5]) == {
        "team": "search",
        "feature": "answers",
        "aws_created_by": "IAMUser:AIDA:alice",
    }
    assert row[6].endswith("application-inference-profile/a1b2c3")
    assert row[7:] == ("us-east-1", "Amazon Bedrock", "AWS")
    marketplace = _one(
        Store(tmp_path / "s.duckdb"), "SELECT PublisherName, ServiceName FROM costs WHERE x_SourceRow = 8"
    )
    assert marketplace == ("Anthropic, PBC", "Claude 3 Haiku (Amazon Bedrock Edition)")


def test_commitment_lines_are_mapped_like_aws_focus(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", CUR2)
    got = _all(
        Store(tmp_path / "s.duckdb"),
        "SELECT x_LineItemType, ChargeCategory, PricingCategory, CommitmentDiscountType, CommitmentDiscountStatus, "
        "BilledCost, EffectiveCost FROM costs WHERE CommitmentDiscountId IS NOT NULL ORDER BY x_SourceRow",
    )
    assert got == [
        (
            "SavingsPlanCoveredUsage",
            "Usage",
            "Committed",
            "Savings Plan",
            "Used",
            Decimal("1320.24"),
            Decimal("871.3584"),
        ),
        ("SavingsPlanNegation", "Usage", None, "Savings Plan", None, Decimal("-1320.24"), Decimal(0)),
        (
            "SavingsPlanRecurringFee",
            "Purchase",
            None,
            "Savings Plan",
            "Unused",
            Decimal(900),
            Decimal("28.6416"),
        ),
        ("DiscountedUsage", "Usage", "Committed", "Reserved Instance", "Used", Decimal(0), Decimal("3.1416")),
        ("RIFee", "Purchase", None, "Reserved Instance", "Unused", Decimal("94.248"), Decimal("1.5708")),
    ]
    other = dict(
        _all(
            Store(tmp_path / "s.duckdb"),
            "SELECT x_LineItemType, ChargeCategory FROM costs WHERE x_LineItemType IN ('Credit', 'Tax')",
        )
    )
    assert other == {"Credit": "Credit", "Tax": "Tax"}


def test_real_legacy_cur_sample_imports_to_the_cent(tmp_path: Path) -> None:
    rows = _rows(shared_file(LEGACY_SAMPLE))
    [result] = _cli(tmp_path / "s.duckdb", LEGACY_SAMPLE)
    assert result["rows_inserted"] == len(rows) == 1281
    billed, effective, tax = _one(
        Store(tmp_path / "s.duckdb"),
        "SELECT sum(BilledCost), sum(EffectiveCost), sum(BilledCost) FILTER (ChargeCategory = 'Tax') FROM costs",
    )
    assert billed == effective == sum(_d(r["lineItem/UnblendedCost"]) for r in rows)
    assert tax == sum(_d(r["lineItem/UnblendedCost"]) for r in rows if r["lineItem/LineItemType"] == "Tax")


def test_legacy_bedrock_lines_and_resource_tag_columns(tmp_path: Path) -> None:
    rows = _rows(LEGACY_TAGS)
    _cli(tmp_path / "s.duckdb", LEGACY_TAGS)
    store = Store(tmp_path / "s.duckdb")
    assert _one(store, "SELECT sum(BilledCost) FROM costs")[0] == sum(
        _d(r["lineItem/UnblendedCost"]) for r in rows
    )
    got = _all(
        store,
        "SELECT x_Model, x_TokenType, x_Tokens, Tags FROM costs WHERE x_Tokens IS NOT NULL ORDER BY x_SourceRow",
    )
    assert [g[:3] for g in got] == [
        ("claude-3-5-sonnet", "input", 120000),
        ("claude-3-5-sonnet", "output", 8000),
        ("llama3.1-70b-instruct", "input", 250000),
        ("nova-lite", "output", 900000),
    ]
    assert json.loads(got[0][3]) == {
        "team": "search",
        "feature": "chat",
        "aws:createdBy": "IAMUser:AIDA:carol",
    }
    assert json.loads(got[2][3]) == {"feature": "batch-eval"}  # the empty team tag is left out
    gpus = _all(
        store, "SELECT x_InstanceType, x_GpuCount, x_GpuHours FROM costs WHERE x_GpuCount > 0 ORDER BY 1"
    )
    assert gpus == [("ml.g5.12xlarge", 4, Decimal(4)), ("p4d.24xlarge", 8, Decimal(8))]


def test_gzip_and_parquet_exports_import_like_csv(tmp_path: Path) -> None:
    gz = tmp_path / "legacy.csv.gz"
    gz.write_bytes(gzip.compress(LEGACY_TAGS.read_bytes()))
    parquet = tmp_path / "cur2.parquet"
    _write_cur2_parquet(_rows(CUR2), parquet)

    def summary(db: Path, path: Path) -> list[tuple]:
        _cli(db, path)
        return _all(
            Store(db),
            "SELECT x_SourceRow, BilledCost, EffectiveCost, x_Model, x_TokenType, x_Tokens, "
            "x_GpuCount, SkuMeter, CommitmentDiscountId, Tags::VARCHAR FROM costs ORDER BY x_SourceRow",
        )

    assert summary(tmp_path / "a.duckdb", gz) == summary(tmp_path / "b.duckdb", LEGACY_TAGS)
    from_parquet = summary(tmp_path / "c.duckdb", parquet)
    from_csv = summary(tmp_path / "d.duckdb", CUR2)
    assert [r[:9] for r in from_parquet] == [r[:9] for r in from_csv]
    assert [json.loads(r[9]) if r[9] else None for r in from_parquet] == [
        json.loads(r[9]) if r[9] else None for r in from_csv
    ]


def _write_cur2_parquet(rows: list[dict[str, str]], path: Path) -> None:
    """CUR 2.0 as AWS writes Parquet: numbers as doubles, dates as timestamps, `product`/`resource_tags` as maps,
    empty text as ''."""
    numeric = {
        "line_item_usage_amount",
        "line_item_unblended_cost",
        "line_item_unblended_rate",
        "line_item_blended_cost",
        "pricing_public_on_demand_cost",
        "pricing_public_on_demand_rate",
        "reservation_effective_cost",
        "reservation_unused_amortized_upfront_fee_for_billing_period",
        "reservation_unused_recurring_fee",
        "savings_plan_savings_plan_effective_cost",
        "savings_plan_total_commitment_to_date",
        "savings_plan_used_commitment",
    }
    dates = {
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "bill_billing_period_start_date",
        "bill_billing_period_end_date",
    }
    maps = {"product", "resource_tags", "cost_category"}
    arrays = {}
    import datetime as dt

    for name in rows[0]:
        values = [r[name] or None for r in rows]
        if name in numeric:
            arrays[name] = pa.array([float(v) if v else None for v in values], pa.float64())
        elif name in dates:
            arrays[name] = pa.array(
                [dt.datetime.fromisoformat(v.replace("Z", "+00:00")) for v in values],
                pa.timestamp("ms", tz="UTC"),
            )
        elif name in maps:
            arrays[name] = pa.array(
                [list(json.loads(v).items()) if v else None for v in values],
                pa.map_(pa.string(), pa.string()),
            )
        else:  # AWS writes empty strings, not nulls, in text columns
            arrays[name] = pa.array([r[name] for r in rows], pa.string())
    pq.write_table(pa.table(arrays), path)


def test_the_same_file_given_twice_in_one_command_is_read_once(tmp_path: Path) -> None:
    """Two mentions of one file are not two parts of an export (each row would be counted twice)."""
    [result] = _cli(tmp_path / "s.duckdb", CUR2, CUR2)
    assert result["rows_inserted"] == len(_rows(CUR2))
    assert Decimal(result["billed_cost"]) == sum(_d(r["line_item_unblended_cost"]) for r in _rows(CUR2))
    assert "cur2_bedrock_gpu.csv was given 2 times; it is read once" in result["warnings"]


def test_second_import_of_the_same_file_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _cli(db, CUR2)
    before = _snapshot(Store(db))
    copy = tmp_path / "renamed.csv"
    shutil.copy(CUR2, copy)
    again, renamed = _cli(db, CUR2, copy)
    assert again["status"] == renamed["status"] == "duplicate"
    assert again["rows_inserted"] == renamed["rows_inserted"] == 0
    assert _snapshot(Store(db)) == before


def test_an_overlapping_delivery_is_refused_by_default_and_appended_with_append(tmp_path: Path) -> None:
    rows = _rows(CUR2)
    first, second = tmp_path / "part1.csv", tmp_path / "part2.csv"
    for path, part in ((first, rows[:12]), (second, rows[8:])):
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(part)
    db = tmp_path / "s.duckdb"
    _cli(db, first)
    with pytest.raises(ImportRejected) as info:  # neither a restatement of part1 nor other days: say so
        _cli(db, second)
    assert info.value.code == "import_rejected"
    [result] = _cli(db, second, flags=("--append",))
    assert (result["rows_inserted"], result["rows_skipped"]) == (len(rows) - 12, 4)
    assert _one(Store(db), "SELECT sum(BilledCost) FROM costs")[0] == sum(
        _d(r["line_item_unblended_cost"]) for r in rows
    )


@pytest.mark.parametrize(
    ("source", "row", "column", "value"),
    [(CUR2, 7, "line_item_unblended_cost", "1.0O"), (LEGACY_TAGS, 3, "lineItem/UsageAmount", "2,5e5")],
)
def test_corrupted_number_names_row_and_column_and_leaves_the_store_unchanged(
    tmp_path: Path, source: Path, row: int, column: str, value: str
) -> None:
    db = tmp_path / "s.duckdb"
    _cli(db, LEGACY_TAGS if source == CUR2 else CUR2)
    before = _snapshot(Store(db))
    rows = _rows(source)
    rows[row - 1][column] = value
    bad = tmp_path / "bad.csv"
    with open(bad, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ImportRejected) as info:
        import_aws_cur(Store(db), bad)
    assert info.value.code == "import_rejected"
    assert (info.value.details["row"], info.value.details["column"], info.value.details["value"]) == (
        row,
        column,
        value,
    )
    assert info.value.details["file"] == str(bad)
    assert _snapshot(Store(db)) == before


def test_cli_reports_a_bad_file_in_one_line_and_exits_1(tmp_path: Path) -> None:
    rows = _rows(CUR2)
    rows[2]["line_item_usage_start_date"] = "yesterday"
    bad = tmp_path / "bad.csv"
    with open(bad, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    proc = run_spendscope("import", "aws-cur", str(bad), "--db", str(tmp_path / "s.duckdb"), cwd=None)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert (
        "row 3 (line 4)" in lines[0]
        and "line_item_usage_start_date" in lines[0]
        and "Traceback" not in proc.stderr
    )


def test_a_file_that_is_not_a_cur_is_rejected_naming_the_missing_columns(tmp_path: Path) -> None:
    azure = Path(__file__).parent / "fixtures" / "providers" / "azure" / "ea_actual_openai_ptu_gpu.csv"
    with pytest.raises(ImportRejected) as info:
        import_aws_cur(Store(tmp_path / "s.duckdb"), azure)
    assert info.value.details["missing"] == ["line_item_unblended_cost", "line_item_usage_start_date"]
    assert "lineItem/UnblendedCost" in info.value.message


@pytest.mark.parametrize(
    ("usage_type", "model", "kind"),
    [
        ("USE1-Claude4.6Sonnet-input-tokens", "claude-sonnet-4-6", "input"),
        ("USE1-Claude4.6Opus-cache-write-input-token-count", "claude-opus-4-6", "cache_write"),
        ("USE1-Claude3.5Sonnet-v2-output-tokens", "claude-3-5-sonnet", "output"),
        ("USE1-NovaLite-input-tokens", "nova-lite", "input"),
        ("USE1-Nova2.0Lite-output-tokens", "nova-2-lite", "output"),
        ("USE1-gpt-oss-120b-output-tokens", "gpt-oss-120b", "output"),
        ("USE1-DeepSeek-R1-input-tokens", "deepseek-r1", "input"),
        ("USW2-MP:USW2_OutputTokenCount-Units", None, "output"),
        ("USE1-MistralLarge-input-tokens", "mistral-large", "input"),  # was "mistral": a family, no model
        ("USE1-MistralSmall2402-output-tokens", "mistral-small", "output"),
    ],
)
def test_bedrock_usage_type_names_are_recognised(usage_type: str, model: str | None, kind: str) -> None:
    assert normalize_model(usage_type) == model
    assert token_type_of(usage_type) == kind


def test_athena_style_snake_case_legacy_columns_import_like_the_original(tmp_path: Path) -> None:
    rows = _rows(LEGACY_TAGS)
    header = [
        "resource_tags_" + h.split("/", 1)[1].replace(":", "_")
        if h.startswith("resourceTags/")
        else snake_header(h)
        for h in rows[0]
    ]
    athena = tmp_path / "athena.csv"
    with open(athena, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows([list(r.values()) for r in rows])
    query = (
        "SELECT x_SourceRow, BilledCost, x_Model, x_Tokens, x_GpuCount, Tags::VARCHAR FROM costs ORDER BY 1"
    )
    _cli(tmp_path / "a.duckdb", athena)
    _cli(tmp_path / "b.duckdb", LEGACY_TAGS)
    renamed = [
        r[:5] + (json.loads(r[5]) if r[5] else None,) for r in _all(Store(tmp_path / "a.duckdb"), query)
    ]
    original = [
        r[:5] + (json.loads(r[5]) if r[5] else None,) for r in _all(Store(tmp_path / "b.duckdb"), query)
    ]
    for row in original:  # Athena spells `aws:createdBy` as `aws_createdBy`
        if row[5] and "aws:createdBy" in row[5]:
            row[5]["aws_createdBy"] = row[5].pop("aws:createdBy")
    assert renamed == original
