"""Import probes, round 23: AWS CUR, Azure, GCP, provider usage files, telemetry, GPU logs and the update paths
(docs/performance.md, "Import probes 23").

Written before re-reading the importers. Each probe runs the real CLI (`spendscope import ...` through typer's
CliRunner, as the importer tests do) into a fresh store, then compares plain SQL over the store with totals
computed here from the file itself (csv/json modules, Decimal), or checks what a user reads for bad input:
the file, row and column named, and nothing imported (the store as it was before).
Probe names start with their category: cur, azure, gcp, provider, telemetry, gpu, update.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import shutil
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from samples import SAMPLES, shared_file
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
CUR2 = FIXTURES / "providers" / "aws" / "cur2_bedrock_gpu.csv"
CUR_LEGACY = FIXTURES / "providers" / "aws" / "cur_legacy_bedrock_tags.csv"
AZ_ACTUAL = FIXTURES / "providers" / "azure" / "ea_actual_openai_ptu_gpu.csv"
AZ_AMORTIZED = FIXTURES / "providers" / "azure" / "ea_amortized_openai_ptu.csv"
GCP_JSONL = FIXTURES / "providers" / "gcp" / "billing_export_vertex.jsonl"
GCP_FLAT = FIXTURES / "providers" / "gcp" / "billing_export_vertex_flat.csv"
LITELLM_CSV = FIXTURES / "telemetry" / "litellm_spend_logs.csv"
LITELLM_JSON = FIXTURES / "telemetry" / "litellm_spend_logs.json"
OTLP = FIXTURES / "telemetry" / "otlp_traces.jsonl"
REAL = SAMPLES / "real"
OPENAI_SAMPLES = SAMPLES / "providers" / "openai"

ZERO = Decimal(0)


# --- running the CLI and reading the store ------------------------------------------------------------------


class Run:
    def __init__(self, code: int, output: str) -> None:
        self.code, self.output = code, output

    def json(self) -> Any:
        return json.loads(self.output)


def cli(*args: str | Path) -> Run:
    result = CliRunner().invoke(app, [str(a) for a in args])
    output = result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        output += f"\n[exception] {type(result.exception).__name__}: {result.exception}"
    return Run(result.exit_code, output)


def imp(kind: str, db: Path, *files: str | Path, flags: tuple[str, ...] = ()) -> Run:
    return cli("import", kind, *files, "--db", db, *flags)


def ok(run: Run) -> Run:
    assert run.code == 0, run.output
    return run


def q(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    if not db.exists():
        return []
    with Store(db).reader() as con:
        return con.execute(sql, params or []).fetchall()


def cost_state(db: Path) -> tuple:
    """Everything a bad import must leave as it was: rows and both cost sums."""
    if not db.exists():
        return (0, ZERO, ZERO)
    ((n, b, e),) = q(
        db, "SELECT count(*), coalesce(sum(BilledCost), 0), coalesce(sum(EffectiveCost), 0) FROM costs"
    )
    return (n, Decimal(b), Decimal(e))


def billed_by_month(db: Path, where: str = "TRUE") -> dict[str, Decimal]:
    rows = q(
        db,
        f"""SELECT strftime(ChargePeriodStart, '%Y-%m'), sum(BilledCost) FROM costs WHERE {where}
            GROUP BY 1 ORDER BY 1""",
    )
    return {m: Decimal(v) for m, v in rows}


def billed_by(db: Path, column: str) -> dict[str, Decimal]:
    rows = q(db, f"SELECT {column}, sum(BilledCost) FROM costs GROUP BY 1")
    return {k: Decimal(v) for k, v in rows}


def d(text: Any) -> Decimal:
    if text is None or text == "":
        return ZERO
    return Decimal(str(text))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], *, gz: bool = False) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def month_sums(
    rows: list[dict[str, str]], date_col: str, cost_col: str, fmt=lambda s: s[:7]
) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        out[fmt(r[date_col])] += d(r[cost_col])
    return dict(out)


def names_where(output: str, *parts: str) -> None:
    """What a user reads for bad input names each part (file, row, column)."""
    low = output.lower()
    missing = [p for p in parts if p.lower() not in low]
    assert not missing, f"the message does not name {missing}: {output!r}"


# --- AWS CUR ------------------------------------------------------------------------------------------------

CUR_COST = "line_item_unblended_cost"


def cur_rows() -> tuple[list[str], list[dict[str, str]]]:
    header, rows = read_csv(CUR2)
    refund = dict(rows[0])
    refund.update(
        identity_line_item_id="li-refund-probe",
        line_item_line_item_type="Refund",
        line_item_unblended_cost="-0.05",
        line_item_blended_cost="-0.05",
        line_item_usage_amount="0",
    )
    return header, [*rows, refund]


def cur_effective(r: dict[str, str]) -> Decimal:
    """AWS's amortisation, written from the CUR documentation: what each line item type costs per period."""
    kind = r["line_item_line_item_type"]
    if kind == "SavingsPlanCoveredUsage":
        return d(r["savings_plan_savings_plan_effective_cost"])
    if kind == "SavingsPlanNegation" or kind in ("SavingsPlanUpfrontFee", "Fee"):
        return ZERO
    if kind == "SavingsPlanRecurringFee":
        return d(r["savings_plan_total_commitment_to_date"]) - d(r["savings_plan_used_commitment"])
    if kind == "DiscountedUsage":
        return d(r["reservation_effective_cost"])
    if kind == "RIFee":
        return d(r["reservation_unused_amortized_upfront_fee_for_billing_period"]) + d(
            r["reservation_unused_recurring_fee"]
        )
    return d(r[CUR_COST])


def shift_cur(
    rows: list[dict[str, str]], days: int = 0, account: str | None = None, scale: str = "1"
) -> list:
    out = []
    for r in rows:
        r = dict(r)
        if account:
            r["line_item_usage_account_id"] = account
            r["bill_payer_account_id"] = account
            r["identity_line_item_id"] += account[-4:]
        for col in ("line_item_unblended_cost", "line_item_blended_cost"):
            if r.get(col):
                r[col] = str((Decimal(r[col]) * Decimal(scale)).normalize())
        out.append(r)
    return out


def test_cur_cur2_line_item_types_total_to_the_cent(tmp_path: Path) -> None:
    header, rows = cur_rows()
    path = write_csv(tmp_path / "cur.csv", header, rows)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, path))
    ((n, billed, eff),) = q(db, "SELECT count(*), sum(BilledCost), sum(EffectiveCost) FROM costs")
    assert n == len(rows)
    assert Decimal(billed) == sum(d(r[CUR_COST]) for r in rows)
    assert Decimal(eff) == sum(cur_effective(r) for r in rows)


def test_cur_each_line_item_type_keeps_its_billed_sign_and_category(tmp_path: Path) -> None:
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", header, rows)))
    got = dict(q(db, "SELECT ChargeCategory, sum(BilledCost) FROM costs GROUP BY 1"))
    want: dict[str, Decimal] = defaultdict(Decimal)
    category = {"Credit": "Credit", "Refund": "Credit", "Tax": "Tax", "RIFee": "Purchase"}
    for r in rows:
        kind = r["line_item_line_item_type"]
        want[category.get(kind, "Purchase" if kind.endswith("Fee") else "Usage")] += d(r[CUR_COST])
    assert {k: Decimal(v) for k, v in got.items() if k in ("Credit", "Tax")} == {
        k: v for k, v in want.items() if k in ("Credit", "Tax")
    }


def test_cur_parquet_gives_the_same_totals_as_csv(tmp_path: Path) -> None:
    header, rows = cur_rows()
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, tmp_path / "cur.parquet")
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, tmp_path / "cur.parquet"))
    assert billed_by_month(db) == month_sums(rows, "line_item_usage_start_date", CUR_COST)


def test_cur_parquet_with_typed_numbers_gives_the_file_total(tmp_path: Path) -> None:
    header, rows = cur_rows()
    numeric = [
        c for c in header if c.endswith(("_cost", "_amount", "_rate", "_to_date", "_commitment", "_fee"))
    ]
    cols = {c: [r[c] for r in rows] for c in header}
    for c in numeric:
        cols[c] = [float(v) if v not in ("", None) else None for v in cols[c]]
    cols[CUR_COST] = pa.array([Decimal(r[CUR_COST]) for r in rows], pa.decimal128(28, 10))
    pq.write_table(pa.table(cols), tmp_path / "cur.parquet")
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, tmp_path / "cur.parquet"))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows)


def test_cur_parquet_cost_column_as_text_with_a_bad_value_names_row_and_column(tmp_path: Path) -> None:
    header, rows = cur_rows()
    rows[4][CUR_COST] = "n/a"
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "typed.parquet")
    db = tmp_path / "s.duckdb"
    run = imp("aws-cur", db, tmp_path / "typed.parquet")
    assert run.code != 0
    names_where(run.output, "typed.parquet", "line_item_unblended_cost", "n/a")
    assert "row 5" in run.output.lower() or "row 6" in run.output.lower(), run.output
    assert cost_state(db) == (0, ZERO, ZERO)


def test_cur_legacy_column_names_total_to_the_cent(tmp_path: Path) -> None:
    header, rows = read_csv(CUR_LEGACY)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, CUR_LEGACY))
    assert sum(billed_by_month(db).values()) == sum(d(r["lineItem/UnblendedCost"]) for r in rows)


def test_cur_real_legacy_sample_totals_match_the_file(tmp_path: Path) -> None:
    path = shared_file(SAMPLES / "providers" / "aws" / "cur-legacy_sample-anonymous-aws-export-dataset.csv")
    header, rows = read_csv(path)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, path))
    got = billed_by_month(db)
    want = month_sums(rows, "lineItem/UsageStartDate", "lineItem/UnblendedCost")
    assert sum(got.values()) == sum(want.values())


def test_cur_gzipped_csv_gives_the_same_total(tmp_path: Path) -> None:
    header, rows = cur_rows()
    path = write_csv(tmp_path / "cur.csv.gz", header, rows, gz=True)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, path))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows)


def test_cur_the_same_file_twice_adds_nothing(tmp_path: Path) -> None:
    header, rows = cur_rows()
    path = write_csv(tmp_path / "cur.csv", header, rows)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, path))
    first = cost_state(db)
    ok(imp("aws-cur", db, path))
    assert cost_state(db) == first


def test_cur_the_same_rows_in_a_renamed_gzipped_copy_add_nothing(tmp_path: Path) -> None:
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", header, rows)))
    first = cost_state(db)
    ok(imp("aws-cur", db, write_csv(tmp_path / "copy-of-cur.csv.gz", header, rows, gz=True)))
    assert cost_state(db) == first


def test_cur_restated_month_with_a_removed_day_and_changed_amounts_replaces(tmp_path: Path) -> None:
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "v1.csv", header, rows)))
    restated = [dict(r) for r in rows if not r["line_item_usage_start_date"].startswith("2026-04-05")]
    for r in restated:
        if r["line_item_line_item_type"] == "Usage":
            r[CUR_COST] = str(Decimal(r[CUR_COST]) * 2)
    assert len(restated) < len(rows)
    ok(imp("aws-cur", db, write_csv(tmp_path / "v2.csv", header, restated)))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in restated)
    assert q(db, "SELECT count(*) FROM costs WHERE ChargePeriodStart::date = DATE '2026-04-05'") == [(0,)]


def test_cur_a_month_to_date_export_then_a_longer_one_keeps_only_the_longer(tmp_path: Path) -> None:
    header, rows = cur_rows()
    short = [r for r in rows if r["line_item_usage_start_date"][:10] <= "2026-04-05"]
    assert 0 < len(short) < len(rows)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "mtd-05.csv", header, short)))
    ok(imp("aws-cur", db, write_csv(tmp_path / "mtd-11.csv", header, rows)))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows)


def test_cur_a_second_account_is_added_beside_the_first(tmp_path: Path) -> None:
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "a.csv", header, rows)))
    other = shift_cur(rows, account="444455556666", scale="3")
    ok(imp("aws-cur", db, write_csv(tmp_path / "b.csv", header, other)))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows + other)
    got = {k: Decimal(v) for k, v in q(db, "SELECT SubAccountId, sum(BilledCost) FROM costs GROUP BY 1")}
    assert got["444455556666"] == sum(d(r[CUR_COST]) for r in other)


def test_cur_a_linked_account_in_a_second_file_of_the_same_payer_is_added(tmp_path: Path) -> None:
    """Two exports of one payer, each holding a different linked (usage) account: neither replaces the other."""
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "a.csv", header, rows)))
    other = []
    for r in rows:
        r = dict(r)
        r["line_item_usage_account_id"] = "777700001111"
        r["identity_line_item_id"] += "-b"
        other.append(r)
    ok(imp("aws-cur", db, write_csv(tmp_path / "b.csv", header, other)))
    assert sum(billed_by_month(db).values()) == 2 * sum(d(r[CUR_COST]) for r in rows)


def test_cur_mixed_currencies_keep_each_currencys_total(tmp_path: Path) -> None:
    header, rows = cur_rows()
    for r in rows[::3]:
        r["line_item_currency_code"] = "EUR"
    db = tmp_path / "s.duckdb"
    run = imp("aws-cur", db, write_csv(tmp_path / "cur.csv", header, rows))
    if run.code != 0:  # refusing a mixed file is fine when it says so and keeps nothing
        names_where(run.output, "cur.csv", "currenc")
        assert cost_state(db)[0] == 0
        return
    want: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[r["line_item_currency_code"]] += d(r[CUR_COST])
    assert billed_by(db, "BillingCurrency") == dict(want)


def test_cur_a_bad_cost_on_row_5_names_file_row_and_column_and_keeps_the_store(tmp_path: Path) -> None:
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "good.csv", header, rows[:3])))
    before = cost_state(db)
    bad = shift_cur(rows, account="444455556666")
    bad[4][CUR_COST] = "12,50"
    run = imp("aws-cur", db, write_csv(tmp_path / "bad.csv", header, bad))
    assert run.code != 0
    names_where(run.output, "bad.csv", "row 5", "line_item_unblended_cost", "12,50")
    assert cost_state(db) == before


def test_cur_a_focus_file_given_to_aws_cur_names_the_right_command(tmp_path: Path) -> None:
    focus = write_csv(
        tmp_path / "focus.csv",
        [
            "BillingAccountId",
            "BillingPeriodStart",
            "ProviderName",
            "BilledCost",
            "EffectiveCost",
            "ChargePeriodStart",
            "ChargePeriodEnd",
        ],
        [
            dict(
                BillingAccountId="a",
                BillingPeriodStart="2026-10-01",
                ProviderName="OpenAI",
                BilledCost="1",
                EffectiveCost="1",
                ChargePeriodStart="2026-10-01",
                ChargePeriodEnd="2026-10-02",
            )
        ],
    )
    db = tmp_path / "s.duckdb"
    run = imp("aws-cur", db, focus)
    assert run.code != 0
    names_where(run.output, "focus.csv", "import focus")


def test_cur_a_directory_of_partitioned_files_is_imported_once(tmp_path: Path) -> None:
    header, rows = cur_rows()
    part = tmp_path / "export" / "data" / "BILLING_PERIOD=2026-04"
    part.mkdir(parents=True)
    write_csv(part / "part-0.csv", header, rows[:10])
    write_csv(part / "part-1.csv", header, rows[10:])
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, tmp_path / "export"))
    ok(imp("aws-cur", db, tmp_path / "export"))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows)


# --- Azure --------------------------------------------------------------------------------------------------

AZ_COST = "CostInBillingCurrency"


def az_month(r: dict[str, str]) -> str:
    m, _day, y = r["Date"].split("/")
    return f"{y}-{int(m):02d}"


def test_azure_ea_actual_with_a_reservation_purchase_totals_to_the_cent(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, AZ_ACTUAL))
    (billed,) = q(db, "SELECT sum(BilledCost) FROM costs")[0]
    assert Decimal(billed) == sum(d(r[AZ_COST]) for r in rows)
    purchase = sum(d(r[AZ_COST]) for r in rows if r["ChargeType"] == "Purchase")
    assert q(db, "SELECT sum(BilledCost) FROM costs WHERE ChargeCategory = 'Purchase'") == [(purchase,)]


def test_azure_ea_amortized_effective_cost_is_the_files_cost(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_AMORTIZED)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, AZ_AMORTIZED))
    (eff,) = q(db, "SELECT sum(EffectiveCost) FROM costs")[0]
    assert Decimal(eff) == sum(d(r[AZ_COST]) for r in rows)


def test_azure_real_ea_amortized_sample_matches_the_manifest(tmp_path: Path) -> None:
    path = shared_file(REAL / "azure_ea_amortizedcost_small_finops-toolkit.csv")
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, path))
    ((eff, billed),) = q(db, "SELECT sum(EffectiveCost), sum(BilledCost) FROM costs")
    # each row is stored to 10 places (DECIMAL(38,10)); the file's rows have up to 20, so the sums may differ
    # from the exact figure in the 10th place
    assert abs(Decimal(eff) - Decimal("16.29693213663664462748541900")) < Decimal("1e-9")
    assert abs(Decimal(billed) - Decimal("15.797780136168644627")) < Decimal("1e-9")


def test_azure_real_mca_cost_details_sample_matches_the_manifest(tmp_path: Path) -> None:
    path = shared_file(REAL / "azure_mca_koku_camel_azure_version_2.csv")
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, path))
    assert q(db, "SELECT count(*), round(sum(BilledCost), 10) FROM costs") == [(4, Decimal("0.0000262412"))]


def test_azure_real_header_only_export_says_so_and_imports_nothing(tmp_path: Path) -> None:
    path = shared_file(REAL / "azure_ea_norows_finops-toolkit.csv")
    db = tmp_path / "s.duckdb"
    run = imp("azure", db, path)
    assert "no data rows" in run.output or "nothing" in run.output.lower(), run.output
    assert cost_state(db)[0] == 0


def test_azure_restated_month_with_fewer_rows_replaces(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, AZ_ACTUAL))
    restated = [dict(r) for r in rows if r["Date"] != "4/3/2026"]
    for r in restated:
        if r["PricingModel"] != "Reservation":  # covered usage costs 0 in an actual-cost export
            r[AZ_COST] = str(d(r[AZ_COST]) + Decimal("0.01"))
    ok(imp("azure", db, write_csv(tmp_path / "restated.csv", header, restated)))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in restated)


def test_azure_actual_then_amortized_of_the_same_month_does_not_count_twice(tmp_path: Path) -> None:
    """The two views of one month are two readings of one bill: the store holds one of them, never both."""
    _, actual = read_csv(AZ_ACTUAL)
    _, amort = read_csv(AZ_AMORTIZED)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, AZ_ACTUAL))
    run = imp("azure", db, AZ_AMORTIZED)
    (eff,) = q(db, "SELECT sum(EffectiveCost) FROM costs")[0]
    one_view = {sum(d(r[AZ_COST]) for r in amort), sum(d(r[AZ_COST]) for r in actual)}
    assert Decimal(eff) in one_view | {ZERO}, (eff, run.output)
    if run.code != 0:  # refused: it says which file, and how to switch views
        names_where(run.output, AZ_AMORTIZED.name, "--replace-period")


def test_azure_amortized_then_actual_of_the_same_month_does_not_count_twice(tmp_path: Path) -> None:
    _, actual = read_csv(AZ_ACTUAL)
    _, amort = read_csv(AZ_AMORTIZED)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, AZ_AMORTIZED))
    run = imp("azure", db, AZ_ACTUAL)
    (eff,) = q(db, "SELECT sum(EffectiveCost) FROM costs")[0]
    one_view = {sum(d(r[AZ_COST]) for r in amort), sum(d(r[AZ_COST]) for r in actual)}
    assert Decimal(eff) in one_view, (eff, run.output)
    ok(imp("azure", db, AZ_ACTUAL, flags=("--replace-period",)))  # switching views on purpose
    assert q(db, "SELECT sum(EffectiveCost) FROM costs") == [(sum(d(r[AZ_COST]) for r in actual),)]


def test_azure_mixed_billing_currencies_keep_each_currencys_total(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    for r in rows[::2]:
        r["BillingCurrencyCode"] = "EUR"
    db = tmp_path / "s.duckdb"
    run = imp("azure", db, write_csv(tmp_path / "mixed.csv", header, rows))
    if run.code != 0:
        names_where(run.output, "mixed.csv", "currenc")
        assert cost_state(db)[0] == 0
        return
    want: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[r["BillingCurrencyCode"]] += d(r[AZ_COST])
    assert billed_by(db, "BillingCurrency") == dict(want)


def test_azure_a_bad_quantity_names_file_row_and_column(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    rows[6]["Quantity"] = "twelve"
    db = tmp_path / "s.duckdb"
    run = imp("azure", db, write_csv(tmp_path / "bad.csv", header, rows))
    assert run.code != 0
    names_where(run.output, "bad.csv", "row 7", "Quantity", "twelve")
    assert cost_state(db)[0] == 0


def test_azure_a_bad_cost_names_file_row_and_column(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    rows[2][AZ_COST] = "1.2.3"
    db = tmp_path / "s.duckdb"
    run = imp("azure", db, write_csv(tmp_path / "bad.csv", header, rows))
    assert run.code != 0
    names_where(run.output, "bad.csv", "row 3", AZ_COST, "1.2.3")
    assert cost_state(db)[0] == 0


def test_azure_a_cost_with_a_thousands_separator_is_not_read_as_a_smaller_number(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    rows[2][AZ_COST] = "1,234.50"
    db = tmp_path / "s.duckdb"
    run = imp("azure", db, write_csv(tmp_path / "sep.csv", header, rows))
    if run.code != 0:
        names_where(run.output, "sep.csv", "row 3", AZ_COST)
        return
    want = sum(d(r[AZ_COST].replace(",", "")) for r in rows)
    assert sum(billed_by_month(db).values()) == want


def test_azure_gzipped_export_gives_the_same_total(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, write_csv(tmp_path / "export.csv.gz", header, rows, gz=True)))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in rows)


def test_azure_a_gcp_file_given_to_azure_names_the_right_command(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run = imp("azure", db, GCP_FLAT)
    assert run.code != 0
    names_where(run.output, GCP_FLAT.name, "import gcp")


# --- GCP ----------------------------------------------------------------------------------------------------


def gcp_lines(path: Path = GCP_JSONL) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gcp_net(rows: list[dict]) -> Decimal:
    return sum(d(r["cost"]) + sum((d(c["amount"]) for c in r.get("credits") or []), ZERO) for r in rows)


def write_jsonl(path: Path, rows: list[dict], *, gz: bool = False) -> Path:
    data = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def gcp_probe_rows() -> list[dict]:
    rows = gcp_lines()
    extra = json.loads(json.dumps(rows[0]))
    extra["project"]["id"] = "ads-prod"
    extra["cost"] = 10.25
    extra["credits"] = [
        {"name": "FreeTrial", "amount": -2.5, "full_name": "Free trial", "id": "c1", "type": "FREE_TIER"},
        {
            "name": "SUD",
            "amount": -0.75,
            "full_name": "Sustained use",
            "id": "c2",
            "type": "SUSTAINED_USAGE_DISCOUNT",
        },
    ]
    return [*rows, extra]


def test_gcp_jsonl_cost_plus_credits_is_the_net_total(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, write_jsonl(tmp_path / "gcp.jsonl", rows)))
    assert sum(billed_by_month(db).values()) == gcp_net(rows)
    gross = q(db, "SELECT sum(BilledCost) FROM costs WHERE ChargeCategory <> 'Credit'")[0][0]
    assert Decimal(gross) == sum(d(r["cost"]) for r in rows)


def test_gcp_multiple_projects_keep_each_projects_net_total(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, write_jsonl(tmp_path / "gcp.jsonl", rows)))
    want: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[r["project"]["id"]] += gcp_net([r])
    assert billed_by(db, "SubAccountId") == dict(want)


def test_gcp_flat_csv_fixture_totals_to_the_cent(tmp_path: Path) -> None:
    header, rows = read_csv(GCP_FLAT)
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, GCP_FLAT))
    credits = sum(d(c["amount"]) for r in rows for c in json.loads(r["credits"] or "[]"))
    assert sum(billed_by_month(db).values()) == sum(d(r["cost"]) for r in rows) + credits


def test_gcp_real_koku_2020_sample_matches_the_manifest(tmp_path: Path) -> None:
    path = shared_file(REAL / "gcp_koku_202011_billing-export-flat.csv")
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, path))
    got = q(
        db,
        """SELECT round(sum(BilledCost) FILTER (WHERE ChargeCategory <> 'Credit'), 6),
                  round(sum(BilledCost) FILTER (WHERE ChargeCategory = 'Credit'), 6),
                  count(*) FILTER (WHERE ChargeCategory = 'Credit') FROM costs""",
    )
    assert got == [(Decimal("0.000032"), Decimal("-0.000032"), 8)]


def test_gcp_real_koku_2022_sample_matches_the_manifest(tmp_path: Path) -> None:
    path = shared_file(REAL / "gcp_koku_2022-08-01_5.csv")
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, path))
    assert q(db, "SELECT count(*), round(sum(BilledCost), 6) FROM costs") == [(9, Decimal("0.000012"))]


def test_gcp_a_non_usd_export_keeps_its_currency_and_amounts(tmp_path: Path) -> None:
    """`cost` is in the export's `currency`; currency_conversion_rate is USD->that currency, not a factor to apply."""
    rows = gcp_lines()
    for r in rows:
        r["currency"] = "JPY"
        r["currency_conversion_rate"] = 151.2
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, write_jsonl(tmp_path / "jpy.jsonl", rows)))
    assert billed_by(db, "BillingCurrency") == {"JPY": gcp_net(rows)}


def test_gcp_restated_month_with_a_removed_row_and_changed_cost_replaces(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, write_jsonl(tmp_path / "v1.jsonl", rows)))
    restated = json.loads(json.dumps(rows[1:]))
    restated[0]["cost"] = float(d(restated[0]["cost"]) + 1)
    ok(imp("gcp", db, write_jsonl(tmp_path / "v2.jsonl", restated)))
    assert sum(billed_by_month(db).values()) == gcp_net(restated)


def test_gcp_gzipped_jsonl_gives_the_same_total(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, write_jsonl(tmp_path / "gcp.jsonl.gz", rows, gz=True)))
    assert sum(billed_by_month(db).values()) == gcp_net(rows)


def test_gcp_parquet_with_nested_credits_gives_the_net_total(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    for r in rows:
        for c in r["credits"]:
            c["amount"] = float(c["amount"])
        r["cost"] = float(r["cost"])
        r.pop("adjustment_info", None)
        r.pop("tags", None)
        r.pop("system_labels", None)
        r["project"].pop("ancestors", None)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "gcp.parquet")
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, tmp_path / "gcp.parquet"))
    assert sum(billed_by_month(db).values()) == gcp_net(rows)


def test_gcp_a_bad_cost_names_file_line_and_field_and_imports_nothing(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    rows[2]["cost"] = "1,5"
    db = tmp_path / "s.duckdb"
    run = imp("gcp", db, write_jsonl(tmp_path / "bad.jsonl", rows))
    assert run.code != 0
    names_where(run.output, "bad.jsonl", "cost", "1,5")
    assert "row 3" in run.output.lower() or "line 3" in run.output.lower(), run.output
    assert cost_state(db)[0] == 0


def test_gcp_a_cur_file_given_to_gcp_names_the_right_command(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run = imp("gcp", db, CUR2)
    assert run.code != 0
    names_where(run.output, CUR2.name, "import aws-cur")


# --- provider usage and cost files (OpenAI, Anthropic) ----------------------------------------------------


def anthropic_cost_report(tmp_path: Path) -> Path:
    body = {
        "data": [
            {
                "starting_at": "2026-10-01T00:00:00Z",
                "ending_at": "2026-10-02T00:00:00Z",
                "results": [
                    {
                        "currency": "USD",
                        "amount": "12345.67",
                        "workspace_id": "wrkspc_1",
                        "description": "Claude Sonnet 4.5 Usage - Input Tokens",
                        "cost_type": "tokens",
                        "context_window": "0-200k",
                        "model": "claude-sonnet-4-5-20250929",
                        "service_tier": "standard",
                        "token_type": "uncached_input_tokens",
                    }
                ],
            }
        ],
        "has_more": False,
        "next_page": None,
    }
    path = tmp_path / "anthropic_cost_report.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["events", "focus"])
def test_provider_openai_costs_api_json_is_refused_naming_the_sync(tmp_path: Path, kind: str) -> None:
    path = shared_file(OPENAI_SAMPLES / "costs_response.example.json")
    db = tmp_path / "s.duckdb"
    run = imp(kind, db, path)
    assert run.code != 0, run.output
    names_where(run.output, path.name, "sync openai")
    assert q(db, "SELECT count(*) FROM usage_events") in ([], [(0,)])
    assert cost_state(db)[0] == 0


def test_provider_anthropic_cost_report_json_is_refused_naming_the_sync(tmp_path: Path) -> None:
    path = anthropic_cost_report(tmp_path)
    db = tmp_path / "s.duckdb"
    run = imp("events", db, path)
    assert run.code != 0, run.output
    names_where(run.output, path.name, "sync anthropic")
    assert q(db, "SELECT count(*) FROM usage_events") in ([], [(0,)])


def test_provider_openai_usage_api_json_is_refused_naming_the_sync(tmp_path: Path) -> None:
    path = shared_file(OPENAI_SAMPLES / "usage_completions_response.example.json")
    db = tmp_path / "s.duckdb"
    run = imp("events", db, path)
    assert run.code != 0, run.output
    names_where(run.output, path.name, "sync openai")


# --- telemetry: Bedrock invocation logs, LiteLLM, Langfuse, OTLP ------------------------------------------


def bedrock_invocation_log(tmp_path: Path) -> tuple[Path, int, int]:
    records = []
    for i in range(3):
        records.append(
            {
                "schemaType": "ModelInvocationLog",
                "schemaVersion": "1.0",
                "timestamp": f"2026-10-0{i + 1}T10:00:00Z",
                "accountId": "111122223333",
                "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/app/x"},
                "region": "us-east-1",
                "requestId": f"req-{i}",
                "operation": "Converse",
                "modelId": "anthropic.claude-3-5-sonnet-20241022-v2:0",
                "input": {"inputContentType": "application/json", "inputTokenCount": 1000 + i},
                "output": {"outputContentType": "application/json", "outputTokenCount": 200 + i},
            }
        )
    path = write_jsonl(tmp_path / "bedrock_invocations.jsonl", records)
    return path, sum(1000 + i for i in range(3)), sum(200 + i for i in range(3))


def tokens(db: Path) -> tuple:
    got = q(
        db,
        "SELECT count(*), coalesce(sum(input_tokens + cached_input_tokens + cache_write_tokens), 0), coalesce(sum(output_tokens + reasoning_tokens), 0) FROM usage_events",
    )
    return got[0] if got else (0, 0, 0)


def test_telemetry_bedrock_invocation_log_is_imported_or_refused_never_silently_empty(tmp_path: Path) -> None:
    path, inp, out = bedrock_invocation_log(tmp_path)
    db = tmp_path / "s.duckdb"
    run = imp("events", db, path)
    if run.code != 0:
        names_where(run.output, path.name)
        assert "bedrock" in run.output.lower() or "invocation" in run.output.lower(), run.output
        assert tokens(db)[0] == 0
        return
    assert tokens(db) == (3, inp, out), run.output


def test_telemetry_litellm_csv_tokens_match_the_file(tmp_path: Path) -> None:
    header, rows = read_csv(LITELLM_CSV)
    db = tmp_path / "s.duckdb"
    ok(imp("litellm", db, LITELLM_CSV))
    n, inp, out = tokens(db)
    assert (inp, out) == (
        sum(int(r["prompt_tokens"] or 0) for r in rows),
        sum(int(r["completion_tokens"] or 0) for r in rows),
    )


def test_telemetry_litellm_csv_and_json_of_the_same_requests_add_once(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ok(imp("litellm", db, LITELLM_CSV))
    first = tokens(db)
    ok(imp("litellm", db, LITELLM_CSV))
    assert tokens(db) == first


def test_telemetry_litellm_reported_spend_is_kept(tmp_path: Path) -> None:
    header, rows = read_csv(LITELLM_CSV)
    db = tmp_path / "s.duckdb"
    ok(imp("litellm", db, LITELLM_CSV))
    (spend,) = q(db, "SELECT sum(reported_cost) FROM usage_events")[0]
    assert Decimal(str(spend)).quantize(Decimal("1e-9")) == sum(d(r["spend"]) for r in rows).quantize(
        Decimal("1e-9")
    )


def test_telemetry_langfuse_export_is_imported_or_refused_never_silently_empty(tmp_path: Path) -> None:
    path = shared_file(REAL / "langfuse_export_microsoft-agent-2025-10-14.json")
    db = tmp_path / "s.duckdb"
    run = imp("otel", db, path)
    if run.code != 0:
        names_where(run.output, path.name)
        said = run.output.replace(str(path), "").lower()  # what the message says, not the file's own name
        assert "langfuse" in said, run.output
        return
    n, inp, out = tokens(db)
    assert (n, inp, out) == (2, 656, 105), run.output


def test_telemetry_real_otlp_example_without_genai_spans_imports_nothing_and_says_why(tmp_path: Path) -> None:
    path = shared_file(REAL / "otel_otlp-proto_examples_trace.json")
    db = tmp_path / "s.duckdb"
    run = imp("otel", db, path)
    assert tokens(db)[0] == 0
    assert "gen_ai" in run.output.lower() or "genai" in run.output.lower() or "no " in run.output.lower(), (
        run.output
    )


def otlp_expected(path: Path) -> tuple[int, int, int]:
    n = inp = out = 0
    seen: set[tuple[str, str]] = set()
    model_ops = {"chat", "text_completion", "generate_content", "embeddings", None}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        for rs in json.loads(line)["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for span in ss["spans"]:
                    attrs = {a["key"]: a["value"] for a in span.get("attributes", [])}

                    def val(k: str, attrs: dict = attrs) -> Any:
                        v = attrs.get(k)
                        return None if v is None else next(iter(v.values()))

                    i = val("gen_ai.usage.input_tokens") or val("gen_ai.usage.prompt_tokens")
                    o = val("gen_ai.usage.output_tokens") or val("gen_ai.usage.completion_tokens")
                    if i is None and o is None:
                        continue
                    if val("gen_ai.operation.name") not in model_ops:
                        continue
                    if (span["traceId"], span["spanId"]) in seen:  # a resent batch
                        continue
                    seen.add((span["traceId"], span["spanId"]))
                    n += 1
                    inp += int(i or 0)
                    out += int(o or 0)
    return n, inp, out


def test_telemetry_otlp_file_token_totals_match_the_model_spans(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ok(imp("otel", db, OTLP))
    assert tokens(db) == otlp_expected(OTLP)


def test_telemetry_gzipped_otlp_gives_the_same_events_and_reimport_adds_nothing(tmp_path: Path) -> None:
    gz = tmp_path / "traces.jsonl.gz"
    gz.write_bytes(gzip.compress(OTLP.read_bytes()))
    db = tmp_path / "s.duckdb"
    ok(imp("otel", db, gz))
    ok(imp("otel", db, OTLP))
    assert tokens(db) == otlp_expected(OTLP)


def test_telemetry_an_empty_events_file_says_so_and_imports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    db = tmp_path / "s.duckdb"
    run = imp("events", db, path)
    names_where(run.output, "empty.jsonl")
    assert "empty" in run.output.lower() or "no " in run.output.lower(), run.output
    assert tokens(db)[0] == 0


def test_telemetry_a_cur_file_given_to_events_names_the_right_command(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run = imp("events", db, CUR2)
    assert run.code != 0
    names_where(run.output, CUR2.name, "import aws-cur")


# --- GPU logs -----------------------------------------------------------------------------------------------


def gpu(db: Path) -> list[tuple]:
    return q(
        db, "SELECT utilization_pct, memory_used_mib, memory_total_mib, power_w FROM gpu_samples ORDER BY ts"
    )


@pytest.mark.parametrize(
    ("name", "instance", "expected"),
    [
        ("gpu_nvidia-smi_query-gpu_H100_load.csv", "i-h100", (100.0, 19818.0, 81559.0, 631.95)),
        ("gpu_nvidia-smi_query-gpu_L40S_idle.csv", "i-l40s", (100.0, 0.0, 46068.0, 144.97)),
    ],
)
def test_gpu_real_query_gpu_samples(tmp_path: Path, name: str, instance: str, expected: tuple) -> None:
    path = shared_file(REAL / name)
    db = tmp_path / "s.duckdb"
    ok(imp("gpu", db, path, flags=("--instance", instance)))
    ((u, used, total, power),) = gpu(db)
    assert (float(u), float(used), float(total), float(power)) == expected


def test_gpu_real_dmon_h100_samples(tmp_path: Path) -> None:
    path = shared_file(REAL / "gpu_nvidia-smi_dmon_H100_load.txt")
    db = tmp_path / "s.duckdb"
    ok(imp("gpu", db, path, flags=("--instance", "i-h100", "--start", "2026-10-01T00:00:00Z")))
    got = gpu(db)
    assert [float(r[0]) for r in got] == [100.0] * 5
    assert [float(r[3]) for r in got] == [631, 634, 633, 634, 636]


def test_gpu_real_dmon_mig_dash_is_unknown_not_zero(tmp_path: Path) -> None:
    path = shared_file(REAL / "gpu_nvidia-smi_dmon_H100-MIG_load.txt")
    db = tmp_path / "s.duckdb"
    ok(imp("gpu", db, path, flags=("--instance", "i-mig", "--start", "2026-10-01T00:00:00Z")))
    got = gpu(db)
    assert [r[0] for r in got] == [None] * 5
    assert [float(r[3]) for r in got] == [438, 440, 437, 439, 439]


def test_gpu_the_same_log_twice_adds_nothing(tmp_path: Path) -> None:
    path = FIXTURES / "gpu" / "dcgm_exporter_metrics.prom"
    db = tmp_path / "s.duckdb"
    ok(imp("gpu", db, path, flags=("--instance", "i-1", "--start", "2026-10-01T00:00:00Z")))
    n = len(gpu(db))
    ok(imp("gpu", db, path, flags=("--instance", "i-1", "--start", "2026-10-01T00:00:00Z")))
    assert len(gpu(db)) == n > 0


def test_gpu_a_cost_export_given_to_gpu_is_refused_naming_the_file(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run = imp("gpu", db, AZ_ACTUAL, flags=("--instance", "i-1"))
    assert run.code != 0
    names_where(run.output, AZ_ACTUAL.name)
    assert q(db, "SELECT count(*) FROM gpu_samples") in ([], [(0,)])


# --- the update paths ---------------------------------------------------------------------------------------


def test_update_two_providers_in_turn_keep_both_totals(tmp_path: Path) -> None:
    header, rows = cur_rows()
    _, az = read_csv(AZ_ACTUAL)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", header, rows)))
    ok(imp("azure", db, AZ_ACTUAL))
    ok(imp("gcp", db, GCP_JSONL))
    got = billed_by(db, "ProviderName")
    assert got["AWS"] == sum(d(r[CUR_COST]) for r in rows)
    assert got["Microsoft"] == sum(d(r[AZ_COST]) for r in az)
    assert got["Google Cloud"] == gcp_net(gcp_lines())


def test_update_a_multi_file_import_that_fails_on_its_second_file_leaves_the_store_unchanged(
    tmp_path: Path,
) -> None:
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, AZ_ACTUAL))
    before = cost_state(db)
    good = write_csv(tmp_path / "a.csv", header, rows)
    bad_rows = shift_cur(rows, account="444455556666")
    bad_rows[-1]["line_item_usage_start_date"] = "yesterday"
    bad = write_csv(tmp_path / "b.csv", header, bad_rows)
    run = imp("aws-cur", db, good, bad)
    assert run.code != 0
    names_where(run.output, "b.csv", "line_item_usage_start_date", "yesterday")
    assert cost_state(db) == before


def test_update_a_restated_export_failing_halfway_keeps_the_earlier_rows(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, AZ_ACTUAL))
    before = cost_state(db)
    restated = [dict(r) for r in rows]
    restated[-1]["Date"] = "13/45/2026"
    run = imp("azure", db, write_csv(tmp_path / "restated.csv", header, restated))
    assert run.code != 0
    names_where(run.output, "restated.csv")
    assert cost_state(db) == before


@pytest.mark.parametrize("kind", ["aws-cur", "azure", "gcp"])
def test_update_an_empty_file_is_named_and_imports_nothing(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"empty-{kind}.csv"
    path.write_bytes(b"")
    db = tmp_path / "s.duckdb"
    run = imp(kind, db, path)
    assert run.code != 0, run.output
    names_where(run.output, path.name, "empty")
    assert cost_state(db)[0] == 0


def test_update_a_folder_of_azure_exports_and_its_restatement_ends_with_the_latest(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    folder = tmp_path / "exports"
    folder.mkdir()
    write_csv(folder / "2026-04-a.csv", header, rows)
    later = [dict(r) for r in rows if r["Date"] != "4/3/2026"]
    for r in later:
        r[AZ_COST] = str(d(r[AZ_COST]) * 2)
    write_csv(folder / "2026-04-b.csv", header, later)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, folder))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in later)


def test_update_overlapping_exports_of_different_sizes_never_double_count_a_day(tmp_path: Path) -> None:
    """Days 1-3 then days 2-4 of the same account and month: each day counted once, from the newer file."""
    header, rows = read_csv(AZ_ACTUAL)
    days = sorted({r["Date"] for r in rows})
    first = [r for r in rows if r["Date"] in days[:3]]
    second = [dict(r) for r in rows if r["Date"] in days[1:]]
    for r in second:
        if r["PricingModel"] != "Reservation":
            r[AZ_COST] = str(d(r[AZ_COST]) + Decimal("0.5"))
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, write_csv(tmp_path / "first.csv", header, first)))
    ok(imp("azure", db, write_csv(tmp_path / "second.csv", header, second)))
    got = {
        k.isoformat(): Decimal(v)
        for k, v in q(db, "SELECT ChargePeriodStart::date, sum(BilledCost) FROM costs GROUP BY 1")
    }
    for r in second:  # every day of the newer file: its value, once
        m, dd, y = r["Date"].split("/")
        key = dt.date(int(y), int(m), int(dd)).isoformat()
        want = sum(d(x[AZ_COST]) for x in second if x["Date"] == r["Date"])
        assert got[key] == want, (key, got[key], want)


def test_update_an_older_export_imported_after_a_newer_one_does_not_double_count(tmp_path: Path) -> None:
    header, rows = cur_rows()
    short = [r for r in rows if r["line_item_usage_start_date"][:10] <= "2026-04-05"]
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "mtd-11.csv", header, rows)))
    imp("aws-cur", db, write_csv(tmp_path / "mtd-05.csv", header, short))
    total = sum(billed_by_month(db).values())
    assert total in (sum(d(r[CUR_COST]) for r in rows), sum(d(r[CUR_COST]) for r in short))


def test_update_the_store_total_matches_the_file_by_provider_and_month(tmp_path: Path) -> None:
    """The silent-drop check: every importer's store total against the file's own, per provider and month."""
    header, rows = cur_rows()
    _, az = read_csv(AZ_ACTUAL)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", header, rows)))
    ok(imp("azure", db, AZ_ACTUAL))
    ok(imp("gcp", db, GCP_FLAT))
    got = {
        (p, m): Decimal(v)
        for p, m, v in q(
            db,
            "SELECT ProviderName, strftime(ChargePeriodStart, '%Y-%m'), sum(BilledCost) FROM costs GROUP BY 1, 2",
        )
    }
    want: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in rows:
        want[("AWS", r["line_item_usage_start_date"][:7])] += d(r[CUR_COST])
    for r in az:
        want[("Microsoft", az_month(r))] += d(r[AZ_COST])
    _, g = read_csv(GCP_FLAT)
    for r in g:
        month = r["usage_start_time"][:7]
        want[("Google Cloud", month)] += d(r["cost"]) + sum(
            (d(c["amount"]) for c in json.loads(r["credits"] or "[]")), ZERO
        )
    assert got == dict(want)


def test_update_a_file_of_one_format_under_another_flag_imports_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    run = imp("azure", db, GCP_JSONL)
    assert run.code != 0
    names_where(run.output, GCP_JSONL.name, "import gcp")
    assert cost_state(db)[0] == 0


def test_update_a_bucket_delivery_then_its_restatement_ends_with_the_restatement(tmp_path: Path) -> None:
    moto_server = pytest.importorskip("moto.server", reason="moto[server] (a dev dependency) runs the S3 API")
    pytest.importorskip("s3fs", reason="s3fs (the [cloud] extra) reads s3:// URLs")
    boto3 = pytest.importorskip("boto3")
    import os
    import subprocess
    import sys

    header, rows = cur_rows()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        creds = {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="probes23")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SPENDSCOPE_"))}
        env |= creds | {"AWS_ENDPOINT_URL": endpoint, "HOME": str(tmp_path)}
        db = tmp_path / "s.duckdb"

        def put(name: str, body_rows: list) -> None:
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
            w.writeheader()
            w.writerows(body_rows)
            s3.put_object(Bucket="probes23", Key=f"cur/{name}", Body=buf.getvalue().encode("utf-8"))

        def run() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "spendscope",
                    "import",
                    "aws-cur",
                    "s3://probes23/cur/",
                    "--db",
                    str(db),
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=180,
            )

        put("2026-04-05.csv", [r for r in rows if r["line_item_usage_start_date"][:10] <= "2026-04-05"])
        assert run().returncode == 0
        restated = [dict(r) for r in rows]
        restated[0][CUR_COST] = str(d(restated[0][CUR_COST]) + 1)
        put("2026-04-11.csv", restated)
        proc = run()
        assert proc.returncode == 0, proc.stderr
        assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in restated)
    finally:
        server.stop()


def test_update_header_only_cur_says_no_data_rows(tmp_path: Path) -> None:
    header, _ = cur_rows()
    path = write_csv(tmp_path / "header.csv", header, [])
    db = tmp_path / "s.duckdb"
    run = imp("aws-cur", db, path)
    names_where(run.output, "header.csv", "no data rows")
    assert cost_state(db)[0] == 0


def test_update_a_csv_written_with_a_bom_and_crlf_gives_the_same_total(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, path))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in rows)


def test_update_a_moved_file_with_the_same_content_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, GCP_JSONL))
    first = cost_state(db)
    moved = tmp_path / "elsewhere" / "renamed.jsonl"
    moved.parent.mkdir()
    shutil.copy(GCP_JSONL, moved)
    ok(imp("gcp", db, moved))
    assert cost_state(db) == first


# --- more shapes a real export has --------------------------------------------------------------------------


def test_cur_data_exports_parquet_with_map_columns_totals_and_tags(tmp_path: Path) -> None:
    """AWS Data Exports write `product` and `resource_tags` as Parquet MAP columns, numbers as doubles."""
    header, rows = cur_rows()
    cols: dict[str, Any] = {}
    for c in header:
        values = [r[c] for r in rows]
        if c in ("product", "resource_tags", "cost_category"):
            maps = [list(json.loads(v or "{}").items()) for v in values]
            cols[c] = pa.array(maps, pa.map_(pa.string(), pa.string()))
        elif c.endswith(("_cost", "_amount", "_rate", "_to_date", "_commitment", "_fee", "_billing_period")):
            cols[c] = pa.array([float(v) if v else None for v in values], pa.float64())
        elif c.endswith("_date"):
            cols[c] = pa.array(
                [dt.datetime.fromisoformat(v.replace("Z", "+00:00")) if v else None for v in values],
                pa.timestamp("ms", tz="UTC"),
            )
        else:
            cols[c] = pa.array(values, pa.string())
    pq.write_table(pa.table(cols), tmp_path / "cur2-00001.snappy.parquet")
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, tmp_path / "cur2-00001.snappy.parquet"))
    got = sum(billed_by_month(db).values())
    assert abs(got - sum(d(r[CUR_COST]) for r in rows)) < Decimal("1e-9")
    team = sum(
        d(r[CUR_COST]) for r in rows if json.loads(r["resource_tags"] or "{}").get("user_team") == "search"
    )
    (tagged,) = q(
        db,
        "SELECT sum(BilledCost) FROM costs WHERE Tags->>'user_team' = 'search' OR Tags->>'team' = 'search'",
    )[0]
    assert abs(Decimal(tagged or 0) - team) < Decimal("1e-9")


def test_cur_one_line_item_id_over_several_hours_is_kept_per_hour(tmp_path: Path) -> None:
    """CUR repeats identity_line_item_id for the same resource in each time interval: each hour is its own cost."""
    header, rows = cur_rows()
    base = rows[0]
    hourly = []
    for h in range(3):
        r = dict(base)
        r["identity_time_interval"] = f"2026-04-03T{h:02d}:00:00Z/2026-04-03T{h + 1:02d}:00:00Z"
        r["line_item_usage_start_date"] = f"2026-04-03T{h:02d}:00:00Z"
        r["line_item_usage_end_date"] = f"2026-04-03T{h + 1:02d}:00:00Z"
        r[CUR_COST] = f"0.0{h + 1}"
        hourly.append(r)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "hourly.csv", header, hourly)))
    assert q(db, "SELECT count(*), sum(BilledCost) FROM costs") == [(3, Decimal("0.06"))]


def test_cur_two_identical_lines_in_one_file_are_both_counted(tmp_path: Path) -> None:
    header, rows = cur_rows()
    twice = [rows[0], dict(rows[0]), *rows[1:]]
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "twice.csv", header, twice)))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in twice)


def test_cur_a_credit_on_next_months_bill_for_this_months_usage_is_counted_once(tmp_path: Path) -> None:
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "apr.csv", header, rows)))
    credit = dict(rows[0])
    credit.update(
        identity_line_item_id="li-late-credit",
        line_item_line_item_type="Credit",
        line_item_unblended_cost="-5",
        bill_billing_period_start_date="2026-05-01T00:00:00Z",
        bill_billing_period_end_date="2026-06-01T00:00:00Z",
        billing_period="2026-05",
    )
    ok(imp("aws-cur", db, write_csv(tmp_path / "may.csv", header, [credit])))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows) - 5


def test_cur_a_gzipped_file_named_csv_is_read_or_named(tmp_path: Path) -> None:
    header, rows = cur_rows()
    path = write_csv(tmp_path / "looks-plain.csv", header, rows, gz=True)
    db = tmp_path / "s.duckdb"
    run = imp("aws-cur", db, path)
    if run.code != 0:
        names_where(run.output, "looks-plain.csv", "gzip")
        return
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows)


def test_cur_a_csv_named_parquet_is_named_not_a_traceback(tmp_path: Path) -> None:
    header, rows = cur_rows()
    path = write_csv(tmp_path / "export.parquet", header, rows)
    db = tmp_path / "s.duckdb"
    run = imp("aws-cur", db, path)
    if run.code == 0:
        assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows)
        return
    names_where(run.output, "export.parquet")
    assert "Traceback" not in run.output and "[exception] " + "IOException" not in run.output
    assert "parquet" in run.output.lower() and ("csv" in run.output.lower() or "not a" in run.output.lower())


def test_azure_a_refund_keeps_its_negative_amount(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    refund = dict(rows[-3])
    refund.update(ChargeType="Refund", CostInBillingCurrency="-100", Quantity="-1", Date="4/3/2026")
    rows.append(refund)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, write_csv(tmp_path / "refund.csv", header, rows)))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in rows)


def test_azure_two_identical_lines_in_one_export_are_both_counted(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    rows.append(dict(rows[1]))
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, write_csv(tmp_path / "dup.csv", header, rows)))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in rows)


def test_gcp_mixed_currencies_in_one_file_keep_each_currencys_total(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    rows[0]["currency"] = "EUR"
    db = tmp_path / "s.duckdb"
    run = imp("gcp", db, write_jsonl(tmp_path / "mixed.jsonl", rows))
    if run.code != 0:
        names_where(run.output, "mixed.jsonl", "currenc")
        assert cost_state(db)[0] == 0
        return
    want: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[r["currency"]] += gcp_net([r])
    assert billed_by(db, "BillingCurrency") == dict(want)


def test_gcp_a_later_snapshot_of_the_month_with_new_rows_keeps_one_copy_of_each(tmp_path: Path) -> None:
    """BigQuery rows never change: a later invoice-month snapshot is the earlier rows plus rows exported since."""
    rows = gcp_probe_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, write_jsonl(tmp_path / "snap-1.jsonl", rows)))
    late = json.loads(json.dumps(rows[0]))
    late["export_time"] = "2026-04-05 09:12:00 UTC"
    late["cost"] = 0.25
    late["credits"] = []
    snapshot = [*rows, late]
    ok(imp("gcp", db, write_jsonl(tmp_path / "snap-2.jsonl", snapshot)))
    assert sum(billed_by_month(db).values()) == gcp_net(snapshot)


def test_telemetry_litellm_json_tokens_match_the_file(tmp_path: Path) -> None:
    records = json.loads(LITELLM_JSON.read_text(encoding="utf-8"))
    if isinstance(records, dict):
        records = records.get("data") or records.get("logs") or [records]
    db = tmp_path / "s.duckdb"
    ok(imp("litellm", db, LITELLM_JSON))
    ids = {r["request_id"] for r in records}
    n, inp, out = tokens(db)
    assert n == len(ids)


def test_cur_discount_and_fee_line_types_keep_the_invoice_total(tmp_path: Path) -> None:
    header, rows = cur_rows()
    extra = []
    for i, (kind, cost) in enumerate(
        [
            ("EdpDiscount", "-3.25"),
            ("BundledDiscount", "-0.40"),
            ("PrivateRateDiscount", "-1.10"),
            ("SavingsPlanUpfrontFee", "120"),
            ("Fee", "50"),
            ("DistributorDiscount", "-0.05"),
        ]
    ):
        r = dict(rows[0])
        r.update(
            identity_line_item_id=f"li-extra-{i}",
            line_item_line_item_type=kind,
            line_item_unblended_cost=cost,
            line_item_usage_amount="0",
        )
        extra.append(r)
    allrows = [*rows, *extra]
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "types.csv", header, allrows)))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in allrows)


def refused_or_kept(run: Run, db: Path, names: tuple[str, ...], total: Decimal) -> bool:
    """A row the importer cannot place is refused (naming where, the store left empty) or kept with the file's
    whole cost, never dropped. Returns whether it was kept."""
    if run.code != 0:
        names_where(run.output, *names)
        assert cost_state(db)[0] == 0
        return False
    assert cost_state(db)[1] == total
    return True


def test_cur_a_row_without_a_usage_start_is_refused_or_kept_never_dropped(tmp_path: Path) -> None:
    header, rows = cur_rows()
    rows[3]["line_item_usage_start_date"] = ""
    db = tmp_path / "s.duckdb"
    run = imp("aws-cur", db, write_csv(tmp_path / "nostart.csv", header, rows))
    refused_or_kept(
        run, db, ("nostart.csv", "row 4", "line_item_usage_start_date"), sum(d(r[CUR_COST]) for r in rows)
    )


def test_azure_a_row_without_a_date_is_refused_or_kept_never_dropped(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    rows[5]["Date"] = ""
    db = tmp_path / "s.duckdb"
    run = imp("azure", db, write_csv(tmp_path / "nodate.csv", header, rows))
    refused_or_kept(run, db, ("nodate.csv", "row 6", "Date"), sum(d(r[AZ_COST]) for r in rows))


def test_gcp_a_row_without_a_cost_is_refused_or_kept_never_dropped(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    rows[1]["cost"] = None
    db = tmp_path / "s.duckdb"
    run = imp("gcp", db, write_jsonl(tmp_path / "nocost.jsonl", rows))
    if refused_or_kept(run, db, ("nocost.jsonl", "cost"), gcp_net(rows)):
        assert q(db, "SELECT count(*) FROM costs WHERE ChargeCategory <> 'Credit'") == [(len(rows),)]


def test_gcp_a_row_without_a_usage_start_is_refused_or_kept_never_dropped(tmp_path: Path) -> None:
    rows = gcp_probe_rows()
    rows[2]["usage_start_time"] = None
    db = tmp_path / "s.duckdb"
    run = imp("gcp", db, write_jsonl(tmp_path / "nostart.jsonl", rows))
    if not refused_or_kept(run, db, ("nostart.jsonl", "usage_start_time"), gcp_net(rows)):
        assert "row 3" in run.output.lower() or "line 3" in run.output.lower(), run.output


# --- added after the first fixes: one command given the same rows twice, parts, drifted schemas -------------


def test_update_the_same_file_twice_in_one_command_counts_once(tmp_path: Path) -> None:
    header, rows = cur_rows()
    path = write_csv(tmp_path / "cur.csv", header, rows)
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, path, path))
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows)


def test_update_a_file_and_its_gzipped_copy_in_one_command_count_once(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    a = write_csv(tmp_path / "export.csv", header, rows)
    b = write_csv(tmp_path / "export-copy.csv.gz", header, rows, gz=True)
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, a, b))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in rows)


def test_update_two_parquet_parts_with_drifted_types_add_up(tmp_path: Path) -> None:
    """Part 1 writes the cost as a double, part 2 as text (a column type changed between deliveries' parts)."""
    header, rows = cur_rows()
    first, second = rows[:10], rows[10:]
    t1 = pa.Table.from_pylist(first)
    t1 = t1.set_column(
        t1.schema.get_field_index(CUR_COST), CUR_COST, pa.array([float(r[CUR_COST]) for r in first])
    )
    pq.write_table(t1, tmp_path / "part-1.parquet")
    pq.write_table(pa.Table.from_pylist(second), tmp_path / "part-2.parquet")
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, tmp_path / "part-1.parquet", tmp_path / "part-2.parquet"))
    got = sum(billed_by_month(db).values())
    assert abs(got - sum(d(r[CUR_COST]) for r in rows)) < Decimal("1e-9")


def test_update_two_csv_parts_with_columns_in_another_order_add_up(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    a = write_csv(tmp_path / "part_0_0001.csv", header, rows[:7])
    b = write_csv(tmp_path / "part_0_0002.csv", list(reversed(header)), rows[7:])
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, a, b))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in rows)


def test_update_a_truncated_gzip_is_named_and_imports_nothing(tmp_path: Path) -> None:
    header, rows = cur_rows()
    full = gzip.compress(write_csv(tmp_path / "x.csv", header, rows).read_bytes())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(full[: len(full) // 2])
    db = tmp_path / "s.duckdb"
    run = imp("aws-cur", db, path)
    assert run.code != 0
    names_where(run.output, "cut.csv.gz")
    assert "Traceback" not in run.output
    assert cost_state(db)[0] == 0


@pytest.mark.parametrize("kind", ["otel", "litellm", "gpu"])
def test_telemetry_an_empty_file_is_named_and_imports_nothing(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"empty-{kind}.json"
    path.write_bytes(b"")
    db = tmp_path / "s.duckdb"
    run = imp(kind, db, path, flags=("--instance", "i-1") if kind == "gpu" else ())
    names_where(run.output, path.name)
    assert "empty" in run.output.lower() or "no " in run.output.lower(), run.output
    assert "Traceback" not in run.output


def test_telemetry_a_bedrock_invocation_log_is_named_as_such(tmp_path: Path) -> None:
    path, inp, out = bedrock_invocation_log(tmp_path)
    plain = path.rename(tmp_path / "logs-2026-10-01.jsonl")
    db = tmp_path / "s.duckdb"
    run = imp("events", db, plain)
    if run.code == 0:
        assert tokens(db) == (3, inp, out), run.output
        return
    names_where(run.output.replace(str(tmp_path), ""), plain.name, "bedrock")  # not from the folder's name


def test_gcp_parquet_with_cost_as_text_and_a_bad_value_names_row_and_column(tmp_path: Path) -> None:
    header, rows = read_csv(GCP_FLAT)
    rows[1]["cost"] = "n/a"
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "gcp.parquet")
    db = tmp_path / "s.duckdb"
    run = imp("gcp", db, tmp_path / "gcp.parquet")
    assert run.code != 0
    names_where(run.output, "gcp.parquet", "cost", "n/a", "row 2")
    assert cost_state(db)[0] == 0


def test_azure_parquet_export_gives_the_same_total(tmp_path: Path) -> None:
    header, rows = read_csv(AZ_ACTUAL)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "part_0_0001.parquet")
    db = tmp_path / "s.duckdb"
    ok(imp("azure", db, tmp_path / "part_0_0001.parquet"))
    assert sum(billed_by_month(db).values()) == sum(d(r[AZ_COST]) for r in rows)


def test_update_a_cur_and_a_focus_export_of_the_same_aws_bill_count_once(tmp_path: Path) -> None:
    """AWS Data Exports deliver one bill as CUR 2.0 and as FOCUS; a user who imports both holds one bill."""
    header, rows = cur_rows()
    db = tmp_path / "s.duckdb"
    ok(imp("aws-cur", db, write_csv(tmp_path / "cur.csv", header, rows)))
    ok(cli("export", "focus", "--output", tmp_path / "focus.csv", "--db", db))
    run = imp("focus", db, tmp_path / "focus.csv")
    assert sum(billed_by_month(db).values()) == sum(d(r[CUR_COST]) for r in rows), run.output
    if run.code != 0:
        names_where(run.output, "focus.csv", "import aws-cur", "--replace-period")


def _gcp_day(day: int, cost: float) -> dict:
    r = json.loads(json.dumps(gcp_lines()[0]))
    r.update(
        usage_start_time=f"2026-04-{day:02d} 00:00:00 UTC",
        usage_end_time=f"2026-04-{day:02d} 01:00:00 UTC",
        cost=cost,
        export_time=f"2026-04-{day:02d} 09:00:00 UTC",
        credits=[],
    )
    return r


def test_update_a_folder_of_daily_gcp_files_adds_each_day_once(tmp_path: Path) -> None:
    folder = tmp_path / "daily"
    folder.mkdir()
    for day in (1, 2, 3):
        write_jsonl(folder / f"2026-04-{day:02d}.jsonl", [_gcp_day(day, float(day))])
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, folder))
    ok(imp("gcp", db, folder))
    assert sum(billed_by_month(db).values()) == Decimal(6)


def test_update_a_folder_of_gcp_month_to_date_snapshots_ends_with_the_latest(tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    first = [_gcp_day(1, 1.0), _gcp_day(2, 2.0)]
    write_jsonl(folder / "snap-2026-04-02.jsonl", first)
    write_jsonl(folder / "snap-2026-04-03.jsonl", [*first, _gcp_day(3, 3.0)])
    db = tmp_path / "s.duckdb"
    ok(imp("gcp", db, folder))
    assert sum(billed_by_month(db).values()) == Decimal(6)
