"""Slash dates are read in one order per file, decided by the file's own values (data/date_order.py): a day-first
file (a spreadsheet's re-save in a European locale) lands in the right month, or is refused, never read as
another month; month-first files (Azure's own order) import as before."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest
from focus_rows import row, write
from spendscope.data.date_order import slash_order
from spendscope.data.errors import ImportRejected
from spendscope.data.import_azure import import_azure
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store

AZURE = Path(__file__).parent / "fixtures" / "providers" / "azure" / "ea_actual_openai_ptu_gpu.csv"


def _slash(iso: str, day_first: bool) -> str:
    """'2026-10-02T00:00:00Z' -> '02/10/2026' (day first) or '10/02/2026' (month first)."""
    y, m, d = iso[:10].split("-")
    return f"{d}/{m}/{y}" if day_first else f"{m}/{d}/{y}"


def _focus(
    tmp_path: Path, days: list[int], *, day_first: bool, periods: bool = True, iso_periods=False
) -> Path:
    rows = []
    for d in days:
        r = row(d, "1.5")
        for col in ("ChargePeriodStart", "ChargePeriodEnd") + (
            () if iso_periods else ("BillingPeriodStart", "BillingPeriodEnd")
        ):
            r[col] = _slash(r[col], day_first)
        if not periods:
            del r["BillingPeriodStart"], r["BillingPeriodEnd"]
        rows.append(r)
    return write(tmp_path / "f.csv", rows)


def _days(store: Store) -> list[str]:
    with store.reader() as con:
        rows = con.execute("SELECT DISTINCT CAST(ChargePeriodStart AS DATE) FROM costs ORDER BY 1").fetchall()
    return [str(r[0]) for r in rows]


def test_a_day_first_file_with_a_day_past_12_imports_in_its_month(store: Store, tmp_path: Path) -> None:
    result = import_focus(store, _focus(tmp_path, [11, 12, 13], day_first=True))
    assert _days(store) == ["2026-10-11", "2026-10-12", "2026-10-13"]
    assert any("day first" in w and "'13/10/2026'" in w for w in result.warnings)


def test_a_day_first_file_whose_days_read_either_way_follows_its_billing_period(
    store: Store, tmp_path: Path
) -> None:
    # every date reads either way ('01/10/2026' is 10 January month first): the billing period, read day first,
    # starts on the 1st of October and holds the charges; read month first it is January 10 to 11 and holds none
    result = import_focus(store, _focus(tmp_path, [1, 2, 3], day_first=True))
    assert _days(store) == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert any("day first" in w for w in result.warnings)


def test_iso_billing_periods_decide_for_ambiguous_charge_dates(store: Store, tmp_path: Path) -> None:
    import_focus(store, _focus(tmp_path, [4, 5], day_first=True, iso_periods=True))
    assert _days(store) == ["2026-10-04", "2026-10-05"]


def test_a_month_first_file_whose_days_read_either_way_stays_month_first(
    store: Store, tmp_path: Path
) -> None:
    result = import_focus(store, _focus(tmp_path, [1, 2, 3], day_first=False))
    assert _days(store) == ["2026-10-01", "2026-10-02", "2026-10-03"]
    assert not any("first" in w for w in result.warnings)


def test_without_anything_to_decide_dates_read_month_first_and_the_import_says_so(
    store: Store, tmp_path: Path
) -> None:
    result = import_focus(store, _focus(tmp_path, [4, 5], day_first=False, periods=False))
    assert _days(store) == ["2026-10-04", "2026-10-05"]
    (note,) = [w for w in result.warnings if "read either way" in w]
    assert "'10/04/2026'" in note and "4 October 2026, not 10 April 2026" in note


def test_dates_in_both_orders_are_refused_naming_one_of_each(store: Store, tmp_path: Path) -> None:
    rows = [row(d, "1.5") for d in (13, 14)]
    rows[0]["ChargePeriodStart"], rows[0]["ChargePeriodEnd"] = "13/10/2026", "14/10/2026"
    rows[1]["ChargePeriodStart"], rows[1]["ChargePeriodEnd"] = "10/14/2026", "10/15/2026"
    with pytest.raises(
        ImportRejected, match=r"two orders: '13/10/2026' is day first and '10/14/2026' month first"
    ):
        import_focus(store, write(tmp_path / "f.csv", rows))
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM costs").fetchall()[0][0] == 0


def test_a_bad_date_in_a_day_first_file_is_named_by_its_row(store: Store, tmp_path: Path) -> None:
    rows = [row(d, "1.5") for d in (13, 14, 15)]
    for r in rows:
        for col in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
            r[col] = _slash(r[col], True)
    rows[2]["ChargePeriodStart"] = "32/10/2026"
    with pytest.raises(
        ImportRejected,
        match=r"row 3 \(line 4\), column ChargePeriodStart: '32/10/2026' is not a date "
        r"\(ISO 8601 or D/M/YYYY\)",
    ):
        import_focus(store, write(tmp_path / "f.csv", rows))


def _azure(tmp_path: Path, day_first: bool, drop: str | None = None) -> Path:
    with open(AZURE, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        for col in ("Date", "BillingPeriodStartDate", "BillingPeriodEndDate"):
            m, d, y = r[col].split("/")
            r[col] = f"{int(d):02d}/{int(m):02d}/{y}" if day_first else r[col]
        if drop:
            del r[drop]
    path = tmp_path / "azure.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("day_first", [False, True])
def test_azure_exports_read_in_either_order(store: Store, tmp_path: Path, day_first: bool) -> None:
    result = import_azure(store, _azure(tmp_path, day_first))
    assert _days(store) == ["2026-04-01", "2026-04-02", "2026-04-03", "2026-04-04"]
    assert any("day first" in w for w in result.warnings) is day_first


def test_an_azure_export_whose_dates_read_either_way_is_month_first_without_a_warning(
    store: Store, tmp_path: Path
) -> None:
    # 4/1/2026 .. 4/4/2026 and no period end: nothing tells the order, and Azure's format is month first
    result = import_azure(store, _azure(tmp_path, False, drop="BillingPeriodEndDate"))
    assert _days(store) == ["2026-04-01", "2026-04-02", "2026-04-03", "2026-04-04"]
    assert not any("either way" in w or "day first" in w for w in result.warnings)


def _order(texts: list[str]):
    con = duckdb.connect()
    values = "SELECT * FROM (VALUES " + ", ".join(f"('{t}')" for t in texts) + ") AS t(v)"
    return slash_order(con, "f.csv", values)


def test_the_order_is_read_from_the_values() -> None:
    assert _order(["2026-10-13", "10/13/2026 04:00"]).day_first is False
    assert _order(["13/10/26", "1/10/26"]).day_first is True
    assert _order(["05/05/2026", "01/01/2026"]).warning is None  # the same date either way
    assert _order(["31/31/2026", "1/2/2026"]).warning is not None  # not a date either way: left to the parse
    assert _order(["2026-10-01"]).warning is None


def _metric_periods(store: Store) -> list[tuple]:
    with store.reader() as con:
        return con.execute("SELECT period_start, grain FROM business_metrics ORDER BY 1").fetchall()


def test_business_metrics_dates_read_in_the_files_order(store: Store, tmp_path: Path) -> None:
    import datetime as dt

    from spendscope.data.import_metrics import import_metrics

    daily = tmp_path / "daily.csv"
    daily.write_text("date,metric,value\n12/10/2026,orders,5\n13/10/2026,orders,7\n", encoding="utf-8")
    import_metrics(store, daily)
    assert _metric_periods(store) == [(dt.date(2026, 10, 12), "day"), (dt.date(2026, 10, 13), "day")]
    monthly = tmp_path / "monthly.csv"  # a month column's dates are 1sts: read day first, they are
    monthly.write_text(
        "month,metric,value\n01/10/2026,revenue,100\n01/11/2026,revenue,120\n", encoding="utf-8"
    )
    result = import_metrics(store, monthly)
    assert (dt.date(2026, 10, 1), "month") in _metric_periods(store)
    assert (dt.date(2026, 11, 1), "month") in _metric_periods(store)
    assert any("day first" in w for w in result.warnings)


def test_the_cli_says_how_a_day_first_file_was_read(store: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from spendscope.cli import app

    path = _focus(tmp_path, [1, 2], day_first=True)
    result = CliRunner().invoke(app, ["import", "focus", str(path), "--db", str(store.path)])
    assert result.exit_code == 0, result.output
    assert "dates read day first (D/M/YYYY: '01/10/2026' is 1 October 2026)" in result.output
    assert _days(store) == ["2026-10-01", "2026-10-02"]
