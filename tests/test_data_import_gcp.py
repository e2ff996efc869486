"""`spendscope import gcp`: BigQuery billing export rows as JSON lines, Parquet or flattened CSV; Gemini and other
Vertex AI SKUs, labels, credits as Credit rows; all-or-nothing, idempotent, totals to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spendscope.data.errors import ImportRejected
from spendscope.data.import_gcp import import_gcp
from spendscope.data.models import normalize_model, token_type_of
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "providers" / "gcp"
JSONL = FIXTURES / "billing_export_vertex.jsonl"
FLAT_CSV = FIXTURES / "billing_export_vertex_flat.csv"


def _cli(db: Path, *files: Path) -> list[dict]:
    result = CliRunner().invoke(app, ["import", "gcp", *map(str, files), "--db", str(db), "--json"])
    if result.exception:
        raise result.exception
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _records(path: Path = JSONL) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line, parse_float=Decimal) for line in fh if line.strip()]


def _all(store: Store, sql: str) -> list[tuple]:
    with store.reader() as con:
        return con.execute(sql).fetchall()


def _snapshot(store: Store) -> list[tuple]:
    return _all(store, "SELECT * FROM costs ORDER BY x_RowHash") + _all(
        store, "SELECT import_id FROM imports"
    )


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, default=str) + "\n" for r in records), encoding="utf-8")
    return path


def test_json_export_imports_gross_cost_and_credits_to_the_cent(tmp_path: Path) -> None:
    records = _records()
    [result] = _cli(tmp_path / "s.duckdb", JSONL)
    gross = sum(Decimal(str(r["cost"])) for r in records)
    credits = [Decimal(str(c["amount"])) for r in records for c in r["credits"]]
    assert result["rows_inserted"] == len(records) + len(credits)
    got = dict(
        _all(
            Store(tmp_path / "s.duckdb"),
            "SELECT ChargeCategory = 'Credit', sum(BilledCost) FROM costs GROUP BY 1",
        )
    )
    assert got == {False: gross, True: sum(credits)}
    assert Decimal(result["billed_cost"]) == Decimal(result["effective_cost"]) == gross + sum(credits)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_csv_and_parquet_exports_import_like_json(tmp_path: Path, kind: str) -> None:
    path = FLAT_CSV if kind == "csv" else _write_parquet(tmp_path / "export.parquet", _records())
    query = (
        "SELECT x_SourceRow, ChargeCategory, BilledCost, x_Model, x_TokenType, x_Tokens, SubAccountId, "
        "Tags::VARCHAR, x_CreditType, ChargePeriodStart, BillingPeriodStart FROM costs ORDER BY ALL"
    )
    _cli(tmp_path / "a.duckdb", path)
    _cli(tmp_path / "b.duckdb", JSONL)
    assert _all(Store(tmp_path / "a.duckdb"), query) == _all(Store(tmp_path / "b.duckdb"), query)


def _write_parquet(path: Path, records: list[dict]) -> Path:
    """The export as BigQuery writes Parquet: nested STRUCTs, REPEATED key/value and credit records."""
    kv = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
    schema = pa.schema(
        [
            ("billing_account_id", pa.string()),
            ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
            ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
            ("usage_start_time", pa.string()),
            ("usage_end_time", pa.string()),
            (
                "project",
                pa.struct(
                    [("id", pa.string()), ("number", pa.string()), ("name", pa.string()), ("labels", kv)]
                ),
            ),
            ("labels", kv),
            ("location", pa.struct([("location", pa.string()), ("region", pa.string())])),
            ("cost", pa.float64()),
            ("currency", pa.string()),
            ("cost_at_list", pa.float64()),
            (
                "usage",
                pa.struct(
                    [
                        ("amount", pa.float64()),
                        ("unit", pa.string()),
                        ("amount_in_pricing_units", pa.float64()),
                        ("pricing_unit", pa.string()),
                    ]
                ),
            ),
            (
                "credits",
                pa.list_(
                    pa.struct(
                        [
                            ("name", pa.string()),
                            ("amount", pa.float64()),
                            ("full_name", pa.string()),
                            ("id", pa.string()),
                            ("type", pa.string()),
                        ]
                    )
                ),
            ),
            ("invoice", pa.struct([("month", pa.string())])),
            ("cost_type", pa.string()),
        ]
    )

    def plain(value: object) -> object:
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    rows = [{name: plain(r.get(name)) for name in schema.names} for r in records]
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def test_gemini_and_partner_model_skus_get_model_token_kind_and_tokens(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", JSONL)
    got = _all(
        Store(tmp_path / "s.duckdb"),
        "SELECT SkuMeter, x_Model, x_TokenType, x_Tokens, ConsumedUnit, ServiceSubcategory FROM costs "
        "WHERE x_Tokens IS NOT NULL ORDER BY x_SourceRow",
    )
    assert got == [
        ("Gemini 2.5 Pro Text Input (≤200k)", "gemini-2.5-pro", "input", 1250000, "Tokens", "Generative AI"),
        (
            "Gemini 2.5 Pro Text and Thinking Output (≤200k)",
            "gemini-2.5-pro",
            "output",
            300000,
            "Tokens",
            "Generative AI",
        ),
        (
            "Gemini 2.5 Flash Cached Text Input",
            "gemini-2.5-flash",
            "cached_input",
            2000000,
            "Tokens",
            "Generative AI",
        ),
        ("Gemini 2.5 Flash Text Input", "gemini-2.5-flash", "input", 4000000, "Tokens", "Generative AI"),
        ("Claude Sonnet 4.5 Input Tokens", "claude-sonnet-4-5", "input", 800000, "Tokens", "Generative AI"),
        (
            "Gemini 2.0 Flash Lite Input Text",
            "gemini-2.0-flash-lite",
            "input",
            10000000,
            "Tokens",
            "Generative AI",
        ),
        ("Zeta Ultra Text Input", None, "input", 1000, "Tokens", "AI Platforms"),
    ]


def test_unknown_vertex_sku_is_kept_and_reported_as_unmapped(tmp_path: Path) -> None:
    [result] = _cli(tmp_path / "s.duckdb", JSONL)
    assert any("unmapped" in w and "Zeta Ultra Text Input" in w for w in result["warnings"])


def test_labels_become_tags_and_the_project_the_sub_account(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", JSONL)
    [row] = _all(
        Store(tmp_path / "s.duckdb"),
        "SELECT SubAccountId, SubAccountName, SubAccountType, x_ProjectNumber, Tags, ServiceName, RegionId, "
        "BillingAccountId, ProviderName FROM costs WHERE x_SourceRow = 1",
    )
    assert row[:4] == ("search-prod", "Search Prod", "Project", "123456789012")
    # resource labels win over the project's labels with the same key
    assert json.loads(row[4]) == {"env": "prod", "team": "search", "feature": "answers"}
    assert row[5:] == ("Vertex AI", "us-central1", "01A2B3-C4D5E6-F7A8B9", "Google Cloud")


def test_each_credit_is_its_own_credit_row_on_the_source_row(tmp_path: Path) -> None:
    _cli(tmp_path / "s.duckdb", JSONL)
    got = _all(
        Store(tmp_path / "s.duckdb"),
        "SELECT x_SourceRow, x_CreditType, BilledCost, EffectiveCost, ChargeDescription, CommitmentDiscountId, "
        "CommitmentDiscountCategory, x_Model, x_Tokens FROM costs WHERE ChargeCategory = 'Credit' ORDER BY ALL",
    )
    assert got == [
        (
            4,
            "FREE_TIER",
            Decimal("-0.05"),
            Decimal("-0.05"),
            "Free trial credit",
            None,
            None,
            "gemini-2.5-flash",
            None,
        ),
        (
            4,
            "PROMOTION",
            Decimal("-0.1000001"),
            Decimal("-0.1000001"),
            "Vertex AI launch promotion",
            None,
            None,
            "gemini-2.5-flash",
            None,
        ),
        (
            8,
            "COMMITTED_USAGE_DISCOUNT",
            Decimal("-31.76"),
            Decimal("-31.76"),
            "Committed use discount: GPU",
            "projects/research-sandbox/commitments/gpu-1y",
            "Usage",
            None,
            None,
        ),
    ]


def test_second_import_of_the_same_file_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _cli(db, JSONL)
    before = _snapshot(Store(db))
    [again] = _cli(db, JSONL)
    assert (again["status"], again["rows_inserted"]) == ("duplicate", 0)
    assert _snapshot(Store(db)) == before


@pytest.mark.parametrize(
    ("field", "value", "column"),
    [
        ("cost", "1.2.3", "cost"),
        ("usage.amount", "lots", "usage.amount"),
        ("credits", "-0.1x", "credits[2].amount"),
    ],
)
def test_corrupted_number_names_row_and_field_and_leaves_the_store_unchanged(
    tmp_path: Path, field: str, value: str, column: str
) -> None:
    db = tmp_path / "s.duckdb"
    _cli(db, FLAT_CSV)
    before = _snapshot(Store(db))
    records = _records()
    if field == "usage.amount":
        records[5]["usage"]["amount"] = value
    elif field == "credits":
        records[3]["credits"][1]["amount"] = value
    else:
        records[3][field] = value
    bad = _write_jsonl(tmp_path / "bad.jsonl", records)
    with pytest.raises(ImportRejected) as info:
        import_gcp(Store(db), bad)
    assert info.value.code == "import_rejected"
    expected_row = 6 if field == "usage.amount" else 4
    assert (info.value.details["row"], info.value.details["column"], info.value.details["value"]) == (
        expected_row,
        column,
        value,
    )
    assert _snapshot(Store(db)) == before


def test_malformed_json_line_is_rejected_cleanly(tmp_path: Path) -> None:
    lines = JSONL.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:40]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_gcp(Store(tmp_path / "s.duckdb"), bad)
    assert "newline-delimited JSON" in info.value.message and "Traceback" not in info.value.message


@pytest.mark.parametrize(
    ("sku", "model", "kind"),
    [
        ("Gemini 2.5 Pro Text Input (≤200k)", "gemini-2.5-pro", "input"),
        ("Gemini 2.5 Pro Text and Thinking Output (≤200k)", "gemini-2.5-pro", "output"),
        ("Gemini 2.5 Flash Cached Text Input", "gemini-2.5-flash", "cached_input"),
        ("Gemini 2.5 Flash Image Output", "gemini-2.5-flash-image", "output"),
        ("Gemini 1.5 Flash Text Input - Predictions", "gemini-1.5-flash", "input"),
    ],
)
def test_gemini_sku_descriptions_are_recognised(sku: str, model: str, kind: str) -> None:
    assert normalize_model(sku) == model
    assert token_type_of(sku) == kind
