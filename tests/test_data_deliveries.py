"""`spendscope import ... FOLDER`: the provider's export layout is walked, the latest delivery of each period is
imported, superseded files are skipped, and walking an unchanged folder again adds nothing."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from export_layouts import (
    CUR2_HEADER,
    FOCUS_HEADER,
    Target,
    azure_rows,
    azure_run,
    csv_bytes,
    cur2_rows,
    data_exports,
    legacy_cur,
    total,
)
from spendscope.data.deliveries import find_deliveries
from spendscope.data.errors import ImportRejected
from spendscope.data.import_aws import import_aws_cur
from spendscope.data.object_store import Folder
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

COST = CUR2_HEADER.index("line_item_unblended_cost")


def cli(*args: str) -> str:
    out = CliRunner().invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return out.output


def figures(db: Path) -> tuple:
    with Store(db).reader() as con:
        return con.execute("SELECT count(*), coalesce(sum(BilledCost), 0) FROM costs").fetchall()[0]


def snapshot(db: Path) -> list:
    with Store(db).reader() as con:
        return con.execute(
            "SELECT x_LineItemId, BilledCost, ChargePeriodStart FROM costs ORDER BY x_LineItemId"
        ).fetchall()


def test_aws_data_exports_folder_imports_each_periods_manifest_files_only(tmp_path: Path) -> None:
    t = Target(tmp_path / "bucket", prefix="cur")
    sep = cur2_rows("2026-09", 28, "1.50")
    oct_a, oct_b = cur2_rows("2026-10", 14, "2.00"), cur2_rows("2026-10", 28, "2.00")[14:]
    data_exports(t, "cur2", "2026-09", [sep])
    # an earlier, larger October delivery left a third chunk behind; the current manifest lists two
    t.put(
        "cur2/data/BILLING_PERIOD=2026-10/cur2-00003.csv.gz",
        csv_bytes(CUR2_HEADER, cur2_rows("2026-10", 3, "9.99", tag="old"), gz=True),
    )
    data_exports(t, "cur2", "2026-10", [oct_a, oct_b])
    found = find_deliveries(Folder(t.url()))
    assert [(d.period, len(d.files), len(d.superseded), d.layout) for d in found] == [
        ("2026-09", 1, 0, "AWS Data Exports"),
        ("2026-10", 2, 1, "AWS Data Exports"),
    ]
    db = tmp_path / "s.duckdb"
    out = cli("import", "aws-cur", t.url(), "--db", str(db))
    assert "1 superseded file(s) skipped" in out
    assert figures(db) == (56, total(sep, COST) + total(oct_a, COST) + total(oct_b, COST))


def test_a_folder_import_gives_the_same_store_as_importing_the_latest_files_by_hand(tmp_path: Path) -> None:
    t = Target(tmp_path / "bucket")
    data_exports(t, "cur2", "2026-10", [cur2_rows("2026-10", 9, "3.00")], run="20261010T060000Z")
    latest = data_exports(t, "cur2", "2026-10", [cur2_rows("2026-10", 10, "3.10")], run="20261011T060000Z")
    walked, by_hand = tmp_path / "walked.duckdb", tmp_path / "hand.duckdb"
    cli("import", "aws-cur", t.url(), "--db", str(walked))
    for key in latest:
        import_aws_cur(Store(by_hand), tmp_path / "bucket" / key)
    assert snapshot(walked) == snapshot(by_hand)
    assert figures(walked) == (10, Decimal("31.00"))


def test_walking_an_unchanged_folder_again_adds_nothing(tmp_path: Path) -> None:
    t = Target(tmp_path / "bucket")
    data_exports(
        t, "cur2", "2026-10", [cur2_rows("2026-10", 5, "1.00"), cur2_rows("2026-10", 10, "1.00")[5:]]
    )
    db = tmp_path / "s.duckdb"
    cli("import", "aws-cur", t.url(), "--db", str(db))
    before = snapshot(db)
    again = cli("import", "aws-cur", t.url(), "--db", str(db))
    assert again.count("already imported") == 1 and "rows imported" not in again  # one delivery, two files
    assert snapshot(db) == before


def test_a_walk_reads_the_import_ledger_once_and_again_only_after_an_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of many deliveries walked again opens the store once for all of them (not twice per delivery);
    after a delivery is imported the ledger is read afresh, so a later copy of that same file is still a
    duplicate, not a second import."""
    import spendscope.data.importing as importing

    t = Target(tmp_path / "focus")
    row = ["acct", "1.25", "1.25", "2026-10-01", "2026-10-02", "Acme"]
    for m in range(1, 9):
        t.put(
            f"billing_period=2026-0{m}/part-0.csv",
            csv_bytes(FOCUS_HEADER, [[*row[:3], f"2026-0{m}-01", f"2026-0{m}-02", "Acme"]]),
        )
    db = tmp_path / "s.duckdb"
    cli("import", "focus", t.url(), "--db", str(db))
    reads = []
    real = importing.import_ledger
    monkeypatch.setattr(importing, "import_ledger", lambda *a: reads.append(a) or real(*a))
    again = cli("import", "focus", t.url(), "--db", str(db))
    assert again.count("already imported") == 8 and len(reads) == 1
    t.put("extra/new.csv", csv_bytes(FOCUS_HEADER, [row]))  # a new file, then a copy of it in the same walk
    t.put("extra/zz-copy-of-new.csv", csv_bytes(FOCUS_HEADER, [row]))
    reads.clear()
    third = cli("import", "focus", t.url(), "--db", str(db))
    assert third.count("rows imported") == 1 and third.count("already imported") == 9, third
    assert len(reads) == 2
    assert figures(db) == (9, Decimal("1.25") * 9)


def test_a_restated_period_walked_again_replaces_the_earlier_delivery_instead_of_adding_to_it(
    tmp_path: Path,
) -> None:
    t = Target(tmp_path / "bucket")
    data_exports(t, "cur2", "2026-10", [cur2_rows("2026-10", 3, "1.00")], run="20261004T060000Z")
    db = tmp_path / "s.duckdb"
    cli("import", "aws-cur", t.url(), "--db", str(db))
    assert figures(db) == (3, Decimal("3.00"))
    # the next day's export restates the month to date (every day revised) in a new run folder
    data_exports(t, "cur2", "2026-10", [cur2_rows("2026-10", 4, "1.25")], run="20261005T060000Z")
    out = cli("import", "aws-cur", t.url(), "--db", str(db))
    assert "replaced 3 rows" in out
    assert figures(db) == (4, Decimal("5.00"))  # the last export's rows and total, not 3 + 4 rows
    assert snapshot(db) == [(f"2026-10-{d:02d}", Decimal("1.25"), _day(d)) for d in range(1, 5)]


def _day(d: int) -> object:
    import datetime as dt

    return dt.datetime(2026, 10, d, tzinfo=dt.UTC)


def test_legacy_cur_imports_the_assembly_the_period_manifest_names(tmp_path: Path) -> None:
    t = Target(tmp_path / "reports", prefix="billing")
    legacy_cur(t, "hourly", "2026-10", "a1b2-older", cur2_rows("2026-10", 20, "5.00"), current=False)
    legacy_cur(t, "hourly", "2026-10", "c3d4-current", cur2_rows("2026-10", 22, "5.25"), current=True)
    legacy_cur(t, "hourly", "2026-09", "e5f6", cur2_rows("2026-09", 28, "4.00"), current=True)
    found = find_deliveries(Folder(t.url()))
    assert [(d.period, d.files[0].rel.split("/")[-2], len(d.superseded)) for d in found] == [
        ("2026-09", "e5f6", 0),
        ("2026-10", "c3d4-current", 1),
    ]
    db = tmp_path / "s.duckdb"
    cli("import", "aws-cur", t.url(), "--db", str(db))
    assert figures(db) == (50, Decimal("22") * Decimal("5.25") + Decimal("28") * Decimal("4.00"))


def test_azure_export_runs_import_the_latest_run_of_each_month(tmp_path: Path) -> None:
    t = Target(tmp_path / "msexports", prefix="billing-account")
    azure_run(
        t,
        "daily-actual",
        "2026-10",
        "2026-10-05T06:12:00.1234567Z",
        azure_rows("2026-10", 4, "1.00"),
        "run-1",
    )
    azure_run(
        t,
        "daily-actual",
        "2026-10",
        "2026-10-06T06:10:00.7654321Z",
        azure_rows("2026-10", 5, "1.10"),
        "run-2",
    )
    azure_run(
        t, "daily-actual", "2026-09", "2026-10-02T06:00:00Z", azure_rows("2026-09", 28, "0.50"), "run-0"
    )
    found = find_deliveries(Folder(t.url()))
    assert [(d.period, d.files[0].rel.split("/")[-2], len(d.superseded)) for d in found] == [
        ("2026-09", "run-0", 0),
        ("2026-10", "run-2", 1),
    ]
    db = tmp_path / "s.duckdb"
    cli("import", "azure", t.url(), "--db", str(db))
    assert figures(db) == (33, Decimal("5.50") + Decimal("14.00"))


def test_hive_partitions_are_one_delivery_each_and_loose_files_one_each(tmp_path: Path) -> None:
    t = Target(tmp_path / "focus")
    rows = {
        m: [["acct", "1.25", "1.25", f"{m}-0{d}", f"{m}-0{d + 1}", "Acme"] for d in range(1, 6)]
        for m in ("2026-09", "2026-10")
    }
    t.put("billing_period=2026-09/part-0.csv", csv_bytes(FOCUS_HEADER, rows["2026-09"][:2]))
    t.put("billing_period=2026-09/part-1.csv", csv_bytes(FOCUS_HEADER, rows["2026-09"][2:]))
    t.put("year=2026/month=10/part-0.csv", csv_bytes(FOCUS_HEADER, rows["2026-10"]))
    t.put(
        "extra/adhoc.csv", csv_bytes(FOCUS_HEADER, [["acct", "7", "7", "2026-08-01", "2026-08-02", "Acme"]])
    )
    t.put("_SUCCESS", b"")
    found = find_deliveries(Folder(t.url()))
    assert sorted((d.period or "", len(d.files), d.layout) for d in found) == [
        ("", 1, "file"),
        ("2026-09", 2, "partition"),
        ("2026-10", 1, "partition"),
    ]
    db = tmp_path / "s.duckdb"
    cli("import", "focus", t.url(), "--db", str(db))
    assert figures(db) == (11, Decimal("12.50") + Decimal(7))


def test_a_manifest_listing_a_missing_file_rejects_the_walk_and_imports_nothing(tmp_path: Path) -> None:
    t = Target(tmp_path / "bucket")
    keys = data_exports(
        t, "cur2", "2026-10", [cur2_rows("2026-10", 3, "1.00"), cur2_rows("2026-10", 6, "1.00")[3:]]
    )
    t.remove(keys[1])  # still being copied
    with pytest.raises(ImportRejected) as info:
        find_deliveries(Folder(t.url()))
    assert info.value.code == "import_rejected"
    assert "incomplete" in info.value.message and keys[1] in info.value.message
    out = CliRunner().invoke(app, ["import", "aws-cur", t.url(), "--db", str(tmp_path / "s.duckdb")])
    assert isinstance(out.exception, ImportRejected) and "incomplete" in out.exception.message
    assert not (tmp_path / "s.duckdb").exists() or figures(tmp_path / "s.duckdb")[0] == 0


def test_a_manifest_that_is_not_json_is_named(tmp_path: Path) -> None:
    t = Target(tmp_path / "bucket")
    data_exports(t, "cur2", "2026-10", [cur2_rows("2026-10", 3, "1.00")])
    (tmp_path / "bucket" / "cur2/metadata/BILLING_PERIOD=2026-10/cur2-Manifest.json").write_text(
        "{oops", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as info:
        find_deliveries(Folder(t.url()))
    assert "cur2-Manifest.json" in info.value.message and "not valid JSON" in info.value.message


def test_json_output_lists_one_result_per_delivery(tmp_path: Path) -> None:
    t = Target(tmp_path / "bucket")
    data_exports(t, "cur2", "2026-09", [cur2_rows("2026-09", 2, "1.00")])
    data_exports(t, "cur2", "2026-10", [cur2_rows("2026-10", 2, "1.00"), cur2_rows("2026-10", 4, "1.00")[2:]])
    results = json.loads(cli("import", "aws-cur", t.url(), "--db", str(tmp_path / "s.duckdb"), "--json"))
    assert [(r["rows_inserted"], len(r["files"])) for r in results] == [(2, 1), (4, 2)]
