"""The FOCUS importer: liberal in what it accepts, strict about numbers and dates, all-or-nothing, idempotent."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from focus_rows import HEADER, row, total, write
from samples import SAMPLES, public_export, shared_file
from spendscope.data.errors import ImportRejected
from spendscope.data.import_focus import import_focus
from spendscope.data.store import Store

# The FOCUS 1.2 specification's worked examples (CC BY 4.0), read from ../shared: never copied into the repository
SPEC_EXAMPLES = SAMPLES / "focus"
SPEC_EXAMPLE_NAMES = (
    "spec-1.2_commitment_discount_flexibility_2_resources.csv",
    "spec-1.2_commitment_discount_purchase_scenario_2.csv",
    "spec-1.2_commitment_discount_usage_scenario_3.csv",
    "spec-1.2_saas_spend_agreements_b2.csv",
    "spec-1.2_saas_virtual_currency_tokens_a2.csv",
)


def _sum(store: Store, column: str = "EffectiveCost") -> Decimal:
    with store.reader() as con:
        return con.execute(f"SELECT coalesce(sum({column}), 0) FROM costs").fetchall()[0][0]


def _count(store: Store, table: str = "costs") -> int:
    with store.reader() as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _snapshot(store: Store) -> list[tuple]:
    with store.reader() as con:
        return (
            con.execute("SELECT * FROM costs ORDER BY ALL").fetchall()
            + con.execute("SELECT import_id, status FROM imports ORDER BY import_id").fetchall()
        )


def test_import_loads_every_row_and_the_file_total(store: Store, tmp_path: Path) -> None:
    rows = [row(d, f"{d}.125") for d in range(1, 11)]
    result = import_focus(store, write(tmp_path / "f.csv", rows))
    assert result.rows_inserted == 10
    assert _count(store) == 10
    assert _sum(store) == total(rows)
    assert _sum(store, "BilledCost") == total(rows, "BilledCost")


def test_reimport_of_same_file_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", [row(d, "2.5") for d in range(1, 6)])
    import_focus(store, path)
    again = import_focus(store, path)
    assert again.status == "duplicate"
    assert again.rows_inserted == 0
    assert _count(store) == 5


def test_an_overlapping_export_replaces_the_days_it_re_sends(store: Store, tmp_path: Path) -> None:
    first = [row(d, "1.5") for d in range(1, 6)]
    second = [row(d, "1.5") for d in range(4, 9)]  # days 4 and 5 again, in a different file
    import_focus(store, write(tmp_path / "a.csv", first))
    result = import_focus(store, write(tmp_path / "b.csv", second))
    assert (result.rows_inserted, result.rows_replaced) == (5, 2)
    assert _count(store) == 8
    assert _sum(store) == Decimal("12.0")


def test_identical_lines_within_one_file_are_both_kept(store: Store, tmp_path: Path) -> None:
    rows = [row(1, "3.0"), row(1, "3.0")]
    import_focus(store, write(tmp_path / "f.csv", rows))
    assert _count(store) == 2


def test_corrupted_number_names_row_and_column_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    import_focus(store, write(tmp_path / "good.csv", [row(d, "1.0") for d in range(1, 4)]))
    before = _snapshot(store)
    rows = [row(d, "2.0") for d in range(1, 8)]
    rows[4]["BilledCost"] = "12,5x"
    with pytest.raises(ImportRejected) as info:
        import_focus(store, write(tmp_path / "bad.csv", rows))
    assert info.value.code == "import_rejected"
    assert info.value.details["row"] == 5
    assert info.value.details["column"] == "BilledCost"
    assert "bad.csv" in info.value.message
    assert _snapshot(store) == before


def test_unparseable_date_is_rejected_with_its_row(store: Store, tmp_path: Path) -> None:
    rows = [row(d, "2.0") for d in range(1, 4)]
    rows[2]["ChargePeriodStart"] = "31/31/2026"
    with pytest.raises(ImportRejected) as info:
        import_focus(store, write(tmp_path / "bad.csv", rows))
    assert (info.value.details["row"], info.value.details["column"]) == (3, "ChargePeriodStart")
    assert _count(store) == 0


def test_missing_required_column_is_rejected(store: Store, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "EffectiveCost"]
    with pytest.raises(ImportRejected) as info:
        import_focus(store, write(tmp_path / "f.csv", [row(1, "1")], header=header))
    assert info.value.details["missing"] == ["EffectiveCost"]


def test_null_spellings_become_nulls(store: Store, tmp_path: Path) -> None:
    rows = [row(1, "1.0"), row(2, "2.0"), row(3, "3.0")]
    rows[0]["ChargeClass"] = "NULL"
    rows[1]["ChargeClass"] = "null"
    rows[2]["ListCost"] = ""
    import_focus(store, write(tmp_path / "f.csv", rows))
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM costs WHERE ChargeClass IS NULL").fetchall()[0][0] == 3
        assert con.execute("SELECT count(*) FROM costs WHERE ListCost IS NULL").fetchall()[0][0] == 1


@pytest.mark.parametrize(
    "text",
    [
        "2026-10-05T00:00:00Z",
        "2026-10-05 00:00:00",
        "2026-10-05T00:00:00",
        "2026-10-05",
        "10/5/26",
        "10/05/2026",
        "2026-10-05T02:00:00+02:00",
        "2026-10-05T00:00:00.000Z",
    ],
)
def test_date_formats_are_read_as_utc(store: Store, tmp_path: Path, text: str) -> None:
    r = row(5, "1.0")
    r["ChargePeriodStart"] = text
    import_focus(store, write(tmp_path / "f.csv", [r]))
    with store.reader() as con:
        got = con.execute("SELECT strftime(ChargePeriodStart, '%Y-%m-%d %H:%M') FROM costs").fetchall()[0][0]
    assert got == "2026-10-05 00:00"


def test_bom_header_case_and_extra_columns_kept_in_x_extra(store: Store, tmp_path: Path) -> None:
    header = [h.lower() if h == "SkuMeter" else h for h in HEADER] + ["lineItemFoo", "x_Custom"]
    rows = []
    for d in (1, 2):
        r = row(d, "1.0")
        r["skumeter"] = r.pop("SkuMeter")
        r["lineItemFoo"] = f"foo{d}"
        r["x_Custom"] = "kept"
        rows.append(r)
    import_focus(store, write(tmp_path / "f.csv", rows, header=header, bom=True))
    with store.reader() as con:
        got = con.execute(
            "SELECT BilledCost, SkuMeter, json_extract_string(x_Extra, '$.lineItemFoo'), "
            "json_extract_string(x_Extra, '$.x_Custom') FROM costs ORDER BY 3"
        ).fetchall()
        columns = {r[0] for r in con.execute("DESCRIBE costs").fetchall()}
    assert got == [
        (Decimal("1"), "Input Tokens", "foo1", "kept"),
        (Decimal("1"), "Input Tokens", "foo2", "kept"),
    ]
    assert not {"x_lineItemFoo", "x_Custom", "lineItemFoo"} & columns  # the schema never widens per file


def test_json_with_doubled_quotes_and_azure_style_tags_are_parsed(store: Store, tmp_path: Path) -> None:
    rows = [row(1, "1.0"), row(2, "1.0"), row(3, "1.0")]
    rows[0]["Tags"] = '{""team"":""ads""}'  # quotes doubled by a second round of CSV quoting
    rows[1]["Tags"] = '"team": "ml", "env": "prod"'  # Azure's brace-less form
    rows[2]["Tags"] = "not json at all"
    import_focus(store, write(tmp_path / "f.csv", rows))
    with store.reader() as con:
        got = con.execute(
            "SELECT json_extract_string(Tags, '$.team'), json_extract_string(Tags, '$.x_raw') FROM costs "
            "ORDER BY ChargePeriodStart"
        ).fetchall()
    assert got == [("ads", None), ("ml", None), (None, "not json at all")]


def test_gzip_and_parquet_exports_import_like_csv(tmp_path: Path) -> None:
    rows = [row(d, "4.75") for d in range(1, 6)]
    gz_store = Store(tmp_path / "gz.duckdb")
    import_focus(gz_store, write(tmp_path / "f.csv.gz", rows, gz=True))
    assert _sum(gz_store) == total(rows)

    csv_path = write(tmp_path / "plain.csv", rows)
    pq_path = tmp_path / "f.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar=true)) TO '{pq_path}' (FORMAT parquet)"
        )
    pq_store = Store(tmp_path / "pq.duckdb")
    import_focus(pq_store, pq_path)
    assert _sum(pq_store) == total(rows)
    assert _count(pq_store) == 5


def test_parquet_map_struct_and_list_columns_are_read_as_json(store: Store, tmp_path: Path) -> None:
    """AWS Data Exports write FOCUS Tags (and x_CostCategories, x_Discounts) as Parquet MAP columns: read as JSON,
    not as DuckDB's `{team=ads}` rendering that was kept whole under Tags' x_raw (probe 27)."""
    rows = [row(d, "2.5", team=None) for d in range(1, 4)]
    csv_path = write(tmp_path / "plain.csv", rows, header=[h for h in HEADER if h != "Tags"])
    pq_path = tmp_path / "f.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"""COPY (SELECT *, MAP {{'team': 'ads', 'env': 'prod'}} AS Tags,
                             {{'bundled_discount': -0.5}} AS x_Discounts, ['a', 'b'] AS x_Parts
                      FROM read_csv('{csv_path}', all_varchar=true)) TO '{pq_path}' (FORMAT parquet)"""
        )
    import_focus(store, pq_path)
    with store.reader() as con:
        got = con.execute(
            "SELECT DISTINCT Tags->>'team', Tags->>'x_raw', x_Extra->>'x_Discounts', x_Extra->>'x_Parts' FROM costs"
        ).fetchall()
    assert got == [("ads", None, '{"bundled_discount":-0.5}', '["a","b"]')]


def test_focus_1_0_column_names_are_mapped(store: Store, tmp_path: Path) -> None:
    header = ["Provider" if h == "ProviderName" else h for h in HEADER]
    r = row(1, "1.0")
    r["Provider"] = r.pop("ProviderName")
    import_focus(store, write(tmp_path / "f.csv", [r], header=header))
    with store.reader() as con:
        assert con.execute("SELECT ProviderName FROM costs").fetchall() == [("OpenAI",)]


def test_ai_columns_are_derived_from_descriptions_when_sku_details_are_empty(
    store: Store, tmp_path: Path
) -> None:
    rows = [row(1, "1.0", model="claude-sonnet-4-5", kind="Output", tokens=2_000_000, provider="Anthropic")]
    rows[0]["SkuMeter"] = ""
    rows[0]["ConsumedQuantity"] = ""
    rows[0]["ConsumedUnit"] = ""
    rows[0]["ResourceName"] = "Claude Sonnet 4.5"
    import_focus(store, write(tmp_path / "f.csv", rows))
    with store.reader() as con:
        got = con.execute("SELECT x_Model, x_TokenType, x_Tokens FROM costs").fetchall()
    assert got == [("claude-sonnet-4-5", "output", 2_000_000)]


def test_provenance_names_file_and_row(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", [row(d, "1.0") for d in range(1, 4)])
    result = import_focus(store, path)
    with store.reader() as con:
        got = con.execute(
            "SELECT x_ImportId, x_SourceFile, x_SourceRow FROM costs ORDER BY x_SourceRow"
        ).fetchall()
    assert got == [(result.import_id, str(path.resolve()), n) for n in (1, 2, 3)]


def test_broken_csv_is_rejected_cleanly(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(
        "BilledCost,EffectiveCost,ChargePeriodStart,ChargePeriodEnd\n1,1,2026-10-01,2026-10-02\n"
        '2,2,"2026-10-02,2026-10-03\n',
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as info:
        import_focus(store, path)
    assert "broken.csv" in info.value.message
    assert _count(store) == 0


@pytest.mark.parametrize("name", SPEC_EXAMPLE_NAMES)
def test_focus_spec_examples_import(store: Store, name: str) -> None:
    path = shared_file(SPEC_EXAMPLES / name)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    result = import_focus(store, path)
    assert result.rows_inserted == len(rows)
    expected = sum((Decimal(r["EffectiveCost"]) for r in rows), Decimal(0))
    assert _sum(store) == expected


def test_shared_eval_export_loads_3763_rows_and_matches_file_total(tmp_path: Path) -> None:
    path = shutil.copy(public_export(), tmp_path / "focus_public.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    store = Store(tmp_path / "t.duckdb")
    import_focus(store, path)
    assert _count(store) == 3763
    assert _sum(store) == total(rows)


@pytest.mark.parametrize(
    ("text", "model", "token_type"),
    [
        ("GPT-4o mini Input", "gpt-4o-mini", "input"),
        ("gpt-4o-mini-0718-Inp-glbl Tokens", "gpt-4o-mini", "input"),
        ("GPT-4.1 nano output", "gpt-4.1-nano", "output"),
        ("Claude 3.5 Sonnet Prompt Caching Read Tokens", "claude-3-5-sonnet", "cached_input"),
        ("Claude 3.5 Sonnet Prompt Caching Write Tokens", "claude-3-5-sonnet", "cache_write"),
        ("USE1-Claude4.6Sonnet-cache-read-input-token-count", "claude-sonnet-4-6", "cached_input"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", None),
        ("Gemini 2.5 Pro Text Input", "gemini-2.5-pro", "input"),
        ("meta.llama3-3-70b-instruct-v1:0", "llama3-3-70b-instruct", None),
        # "in" / "out" as prepositions are no direction (a Cursor request row re-imported from a FOCUS export
        # was filed as input tokens); a text that says "token" keeps Azure's short forms
        ("Cursor Included in Business gpt-5", "gpt-5", None),
        ("gpt-5 requests billed in EUR", "gpt-5", None),
        ("o1 Out regnl Tokens", "o1", "output"),
        ("gpt-4o In", "gpt-4o", "input"),
    ],
)
def test_model_and_token_type_are_read_from_provider_meter_text(
    text: str, model: str, token_type: str | None
) -> None:
    from spendscope.data.models import normalize_model, token_type_of

    assert (normalize_model(text), token_type_of(text)) == (model, token_type)


def test_a_focus_1_0_charge_subcategory_gives_the_commitment_status(tmp_path: Path) -> None:
    header = "ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,Provider,ServiceName,ChargeCategory,ChargeSubcategory"
    lines = [
        header,
        "1/5/25,1/6/25,0,7.5,Anthropic,Anthropic API,Usage,Used Commitment",
        "1/5/25,1/6/25,0,2.5,Anthropic,Anthropic API,Usage,unused commitment",
        "1/5/25,1/6/25,4,4,Anthropic,Anthropic API,Usage,On-Demand",
    ]
    path = tmp_path / "f10.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store(tmp_path / "t.duckdb")
    import_focus(store, path)
    with store.reader() as con:
        got = con.execute(
            "SELECT CommitmentDiscountStatus, sum(EffectiveCost) FROM costs GROUP BY 1 ORDER BY 1 NULLS LAST"
        ).fetchall()
    assert got == [("Unused", Decimal("2.5")), ("Used", Decimal("7.5")), (None, Decimal("4"))]


def test_a_spaced_mistral_name_keeps_its_tier() -> None:
    from spendscope.data.models import normalize_model

    text = "$0.002 per 1K input tokens for Mistral Large (24.07) in US East (N. Virginia)"
    assert (normalize_model(text), normalize_model("Mistral Small"), normalize_model("mistral")) == (
        "mistral-large",
        "mistral-small",
        "mistral",
    )
