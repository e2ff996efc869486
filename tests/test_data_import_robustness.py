"""Bad input to the cost importers: malformed rows named by row with the field count found and expected,
duplicated and over-wide headers refused, unknown columns kept in x_Extra without widening `costs`, and FOCUS's
loose rules (end before start, unknown ChargeCategory, non-ISO currency) warned about or refused under --strict."""

from __future__ import annotations

from pathlib import Path

import pytest
from spendscope.data.errors import ImportRejected
from spendscope.data.import_focus import import_focus
from spendscope.data.importing import import_delivery
from spendscope.data.store import Store
from typer.testing import CliRunner

from spendscope.cli import app

HEADER = "BillingAccountId,BillingPeriodStart,ProviderName,BilledCost,EffectiveCost,ChargePeriodStart,ChargePeriodEnd"


def _line(day: int, cost: str = "1.5") -> str:
    return f"acct-1,2026-10-01,OpenAI,{cost},{cost},2026-10-{day:02d},2026-10-{day + 1:02d}"


def _file(tmp_path: Path, body: str, name: str = "f.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def _count(store: Store) -> int:
    with store.reader() as con:
        return con.execute("SELECT count(*) FROM costs").fetchall()[0][0]


@pytest.mark.parametrize(
    ("bad", "row", "found"),
    [
        ("acct-1,2026-10-01,OpenAI,2,2,2026-10-02", 2, 6),  # a short row
        ("acct-1,2026-10-01,OpenAI,2,2,2026-10-02,2026-10-03,surprise", 2, 8),  # an extra field
    ],
)
def test_a_malformed_row_is_named_with_its_field_counts(
    store: Store, tmp_path: Path, bad: str, row: int, found: int
) -> None:
    path = _file(tmp_path, "\n".join([HEADER, _line(1), bad, _line(3)]) + "\n")
    with pytest.raises(ImportRejected) as info:
        import_focus(store, path)
    assert info.value.code == "import_rejected"
    assert (info.value.details["row"], info.value.details["found"], info.value.details["expected"]) == (
        row,
        found,
        7,
    )
    assert "missing required column" not in info.value.message
    assert _count(store) == 0


def test_an_unbalanced_quote_is_named_as_such(store: Store, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "\n".join([HEADER, _line(1), 'acct-1,2026-10-01,"OpenAI,2,2,2026-10-02,2026-10-03', _line(3)]),
    )
    with pytest.raises(ImportRejected) as info:
        import_focus(store, path)
    assert "quoted value that is never closed" in info.value.message
    assert info.value.details["row"] == 2
    assert _count(store) == 0


def test_a_truncated_last_line_is_named(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, "\n".join([HEADER, _line(1), _line(2), "acct-1,2026-10-01,Ope"]))
    with pytest.raises(ImportRejected) as info:
        import_focus(store, path)
    assert (info.value.details["row"], info.value.details["found"]) == (3, 3)
    assert "cut off" in info.value.message


def test_a_file_that_is_not_utf8_names_the_line_and_what_to_do(store: Store, tmp_path: Path) -> None:
    body = (
        "\n".join([HEADER + ",ChargeDescription", _line(1) + ",ok", _line(2) + ",caf\u00e9 cr\u00e8me"])
        + "\n"
    )
    path = _file(tmp_path, body, encoding="latin-1")
    with pytest.raises(ImportRejected) as info:
        import_focus(store, path)
    assert "UTF-8" in info.value.message and "iconv" in info.value.message
    assert info.value.details["row"] == 2


def test_a_duplicated_header_is_refused(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + ",BilledCost\n" + _line(1) + ",99\n")
    with pytest.raises(ImportRejected) as info:
        import_focus(store, path)
    assert info.value.details["column"] == "BilledCost"
    assert info.value.details["positions"] == [4, 8]
    assert _count(store) == 0


def test_unknown_columns_go_to_x_extra_and_never_widen_the_table(store: Store, tmp_path: Path) -> None:
    with store.reader() as con:
        before = [r[0] for r in con.execute("DESCRIBE costs").fetchall()]
    extra = [f"junk{i}" for i in range(150)]
    header = HEADER + "," + ",".join(extra)
    lines = [_line(d) + "," + ",".join(f"v{d}-{i}" for i in range(150)) for d in (1, 2)]
    import_focus(store, _file(tmp_path, "\n".join([header, *lines]) + "\n"))
    with store.reader() as con:
        after = [r[0] for r in con.execute("DESCRIBE costs").fetchall()]
        got = con.execute(
            "SELECT json_extract_string(x_Extra, '$.junk149') FROM costs ORDER BY ChargePeriodStart"
        ).fetchall()
    assert after == before
    assert got == [("v1-149",), ("v2-149",)]


def test_a_file_with_thousands_of_unknown_columns_is_refused_quickly(store: Store, tmp_path: Path) -> None:
    extra = [f"junk{i}" for i in range(1000)]
    path = _file(
        tmp_path, HEADER + "," + ",".join(extra) + "\n" + _line(1) + "," + ",".join("x" * 1000) + "\n"
    )
    with pytest.raises(ImportRejected) as info:
        import_focus(store, path)
    assert info.value.details["columns"] == 1000
    wide = _file(tmp_path, ",".join(f"c{i}" for i in range(10_000)) + "\n", name="wide.csv")
    with pytest.raises(ImportRejected) as info:
        import_focus(store, wide)
    assert info.value.details["columns"] == 10_000


def _loose(tmp_path: Path) -> Path:
    lines = [
        HEADER + ",ChargeCategory,BillingCurrency",
        _line(1) + ",Usage,USD",
        "acct-1,2026-10-01,OpenAI,1,1,2026-10-05,2026-10-04,Usage,USD",  # ends before it starts
        _line(2) + ",Refund,USD",  # not a FOCUS ChargeCategory
        _line(3) + ",Usage,DOLLARS",  # not an ISO 4217 code
    ]
    return _file(tmp_path, "\n".join(lines) + "\n", name="loose.csv")


def test_loose_values_are_imported_with_counted_warnings(store: Store, tmp_path: Path) -> None:
    result = import_delivery(store, "focus", [_loose(tmp_path)])
    assert _count(store) == 4
    text = " | ".join(result.warnings)
    assert "1 rows with ChargePeriodEnd before ChargePeriodStart" in text
    assert "1 rows with ChargeCategory outside FOCUS's values" in text and "'Refund'" in text
    assert "1 rows with BillingCurrency that is not an ISO 4217 code" in text and "'DOLLARS'" in text


def test_strict_refuses_loose_values_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportRejected) as info:
        import_delivery(store, "focus", [_loose(tmp_path)], strict=True)
    assert len(info.value.details["problems"]) == 3
    assert _count(store) == 0
    result = CliRunner().invoke(
        app, ["import", "focus", str(_loose(tmp_path)), "--db", str(store.path), "--strict"]
    )
    assert result.exit_code != 0
    assert _count(store) == 0


def test_tags_that_are_not_json_are_kept_and_counted_in_a_warning(store: Store, tmp_path: Path) -> None:
    lines = [HEADER + ",Tags", _line(1) + ',"{""team"":""search""}"', _line(2) + ",team=ads;env=prod"]
    result = import_delivery(store, "focus", [_file(tmp_path, "\n".join(lines) + "\n")])
    (note,) = [w for w in result.warnings if "Tags" in w]
    assert note.startswith("1 rows with Tags that are not a JSON object, kept whole under the key x_raw")
    assert "'team=ads;env=prod'" in note
    with store.reader() as con:
        kept = con.execute("SELECT Tags->>'x_raw' FROM costs WHERE Tags->>'team' IS NULL").fetchall()
    assert kept == [("team=ads;env=prod",)]
    with pytest.raises(ImportRejected, match="Tags that are not a JSON object"):
        import_delivery(
            store,
            "focus",
            [_file(tmp_path, "\n".join(lines[:2] + [_line(3) + ",a=b"]) + "\n", name="g.csv")],
            strict=True,
        )


def test_a_header_only_file_says_so_and_prints_no_cost(store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path, HEADER + "\n", name="empty.csv")
    result = import_delivery(store, "focus", [path])
    assert result.rows_inserted == 0
    assert any("header but no rows" in w for w in result.warnings)
    out = CliRunner().invoke(
        app,
        ["import", "focus", str(_file(tmp_path, HEADER + ",Note\n", name="e2.csv")), "--db", str(store.path)],
    )
    assert out.exit_code == 0, out.output
    assert "has a header but no data rows" in out.output and "effective cost" not in out.output
