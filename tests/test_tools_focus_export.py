"""`spendscope export focus`: a conformant FOCUS 1.2 / 1.3 dataset (checked by a checker written from the spec's
column requirements), and the round trip: export, import into an empty store, identical rows and totals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from export_layouts import CUR2_HEADER, csv_bytes, cur2_rows
from focus_rows import row, write
from spendscope.data.import_aws import import_aws_cur
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store
from spendscope.tools.costs.focus_conformance import check_file
from typer.testing import CliRunner

from spendscope.cli import app

COMPARED = (
    "BilledCost, EffectiveCost, ListCost, ContractedCost, ChargeCategory, ChargePeriodStart, ChargePeriodEnd, "
    "BillingPeriodStart, ProviderName, ServiceName, SubAccountId, SkuMeter, CommitmentDiscountStatus, "
    "CAST(Tags AS VARCHAR), x_Model, x_TokenType, x_Tokens, x_InstanceType, x_GpuCount"
)


def source_store(tmp_path: Path) -> Store:
    """FOCUS rows and a CUR 2.0 file (Bedrock tokens), two sources in one store."""
    store = Store(tmp_path / "source.duckdb")
    import_focus(store, write(tmp_path / "f.csv", [row(d, f"{d}.125") for d in range(1, 11)]))
    cur = tmp_path / "cur.csv"
    cur.write_bytes(csv_bytes(CUR2_HEADER, cur2_rows("2026-10", 12, "2.40")))
    import_aws_cur(store, cur)
    return store


def rows(store: Store) -> list[tuple]:
    with store.reader() as con:
        return sorted(con.execute(f"SELECT {COMPARED} FROM costs").fetchall(), key=repr)


def totals(store: Store) -> tuple:
    with store.reader() as con:
        return con.execute(
            "SELECT count(*), sum(BilledCost), sum(EffectiveCost), sum(x_Tokens) FROM costs"
        ).fetchall()[0]


@pytest.mark.parametrize(
    ("version", "suffix"), [("1.2", ".csv"), ("1.3", ".csv"), ("1.3", ".parquet"), ("1.2", ".parquet")]
)
def test_export_round_trips_into_an_empty_store_with_identical_rows_and_totals(
    tmp_path: Path, version: str, suffix: str
) -> None:
    source = source_store(tmp_path)
    out = tmp_path / f"focus{suffix}"
    result = CliRunner().invoke(
        app,
        ["export", "focus", "--version", version, "--output", str(out), "--db", str(source.path), "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["rows"] == totals(source)[0] == 22
    back = Store(tmp_path / "back.duckdb")
    import_focus(back, out)
    assert totals(back) == totals(source)
    assert rows(back) == rows(source)


def test_the_exported_datasets_are_conformant(tmp_path: Path) -> None:
    source = source_store(tmp_path)
    for version in ("1.2", "1.3"):
        out = tmp_path / f"v{version}.csv"
        CliRunner().invoke(
            app, ["export", "focus", "--version", version, "-o", str(out), "--db", str(source.path)]
        )
        report = check_file(out, version)
        assert report.rows == 22
        assert report.violations == []
        assert ("ServiceProviderName" in report.columns) == (version == "1.3")
        assert "x_Model" in report.columns and "x_RowHash" not in report.columns


def test_the_public_export_round_trips(tmp_path: Path) -> None:
    from samples import public_export

    original = Store(tmp_path / "a.duckdb")
    import_focus(original, public_export())
    out = tmp_path / "public.parquet"
    CliRunner().invoke(app, ["export", "focus", "-o", str(out), "--db", str(original.path)])
    assert check_file(out, "1.3").violations == []
    back = Store(tmp_path / "b.duckdb")
    import_focus(back, out)
    assert totals(back) == totals(original)
    assert rows(back) == rows(original)


def test_period_and_filter_select_the_exported_rows(tmp_path: Path) -> None:
    source = source_store(tmp_path)
    out = tmp_path / "bedrock.csv"
    result = CliRunner().invoke(
        app,
        [
            "export",
            "focus",
            "-o",
            str(out),
            "-p",
            "2026-10",
            "-f",
            "provider=AWS",
            "--db",
            str(source.path),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 12
    assert Decimal(json.loads(result.output)["billed_cost"]) == Decimal("2.40") * 12


def test_the_checker_names_what_breaks_the_spec(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "BilledCost,EffectiveCost,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,Tags,Custom\n"
        '1.0,abc,2026-10-01 00:00:00,2026-10-02T00:00:00Z,Usage,"[1,2]",x\n'
        "1.0,1.0,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Spend,,y\n",
        encoding="utf-8",
    )
    broken = {(v.rule, v.column) for v in check_file(bad, "1.2").violations}
    assert {
        ("not a decimal number", "EffectiveCost"),
        ("date/time not in YYYY-MM-DDTHH:mm:ssZ", "ChargePeriodStart"),
        ("value not allowed", "ChargeCategory"),
        ("not a JSON object", "Tags"),
        ("custom column without the x_ prefix", "Custom"),
        ("mandatory column missing", "ProviderName"),
    } <= broken


def test_an_unknown_output_format_is_refused(tmp_path: Path) -> None:
    from spendscope.data.errors import InvalidArgument

    source = source_store(tmp_path)
    result = CliRunner().invoke(
        app, ["export", "focus", "-o", str(tmp_path / "x.xlsx"), "--db", str(source.path)]
    )
    assert isinstance(result.exception, InvalidArgument)
