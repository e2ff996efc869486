"""Loose validation of imported cost rows: values that parse but break FOCUS's rules. Counted over the rows just
inserted, inside the import's transaction: a warning with counts and examples, or (with `--strict`) a refusal.
"""

from __future__ import annotations

import duckdb
from spendscope.data.errors import ImportRejected
from spendscope.data.sql import literal

CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")

# ISO 4217 alphabetic codes in use (2026), plus the fund and metal codes providers never bill in left out.
_ISO_4217_TEXT = """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD
    CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT
    LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD
    OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC
    SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG
    XOF XPF YER ZAR ZMW ZWG ZWL"""
ISO_4217 = frozenset(_ISO_4217_TEXT.split())

_PERIOD_BAD = "ChargePeriodEnd < ChargePeriodStart"
# Tags text that was no JSON object (`team=search`) is kept whole as {"x_raw": text} (data.sql.repair_json)
_TAGS_RAW = """starts_with(CAST(Tags AS VARCHAR), '{"x_raw":')"""
_PER_ROW = {_PERIOD_BAD: "n_period", _TAGS_RAW: "n_tags"}  # rules counted row by row in the grouped scan
# (what, SQL true for a bad row, column shown as examples); the value rules read only ChargeCategory and
# BillingCurrency (check_rows evaluates them on the distinct values)
_RULES = (
    ("ChargePeriodEnd before ChargePeriodStart", _PERIOD_BAD, "ChargePeriodStart"),
    (
        "Tags that are not a JSON object, kept whole under the key x_raw (a tag:<key> breakdown finds nothing in "
        "them; FOCUS Tags are a JSON object)",
        _TAGS_RAW,
        "Tags->>'x_raw'",
    ),
    (
        f"ChargeCategory outside FOCUS's values ({', '.join(CHARGE_CATEGORIES)})",
        "ChargeCategory IS NOT NULL AND ChargeCategory NOT IN ("
        + ", ".join(literal(c) for c in CHARGE_CATEGORIES)
        + ")",
        "ChargeCategory",
    ),
    (
        "BillingCurrency that is not an ISO 4217 code",
        "BillingCurrency IS NOT NULL AND NOT list_contains(getvariable('spendscope_iso4217'), BillingCurrency)",
        "BillingCurrency",
    ),
)


def check_rows(con: duckdb.DuckDBPyConnection, relation: str, *, strict: bool, where: str) -> list[str]:
    """Warnings (one per broken rule, with the row count and the commonest values) for the rows of `relation`;
    with `strict`, ImportRejected instead. `where` names the import in messages.

    One scan groups the rows by the columns the rules read (a few distinct values) and counts the per-row rule;
    the value rules are then evaluated on the groups (a set test per row cost 3.3 s at 10M rows, the grouped scan
    0.13 s)."""
    con.execute("SET VARIABLE spendscope_iso4217 = ?", [sorted(ISO_4217)])
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _check_groups AS
            SELECT ChargeCategory, BillingCurrency, count(*) AS n,
                   {", ".join(f"count(*) FILTER (WHERE {bad}) AS {alias}" for bad, alias in _PER_ROW.items())}
            FROM {relation} GROUP BY ALL"""
    )
    found = []
    try:
        for what, bad, column in _RULES:
            per_row = bad in _PER_ROW
            count = f"sum({_PER_ROW[bad]})" if per_row else f"sum(n) FILTER (WHERE {bad})"
            n = con.execute(f"SELECT coalesce({count}, 0) FROM _check_groups").fetchall()[0][0]
            if not n:
                continue
            source, rows = (relation, "count(*)") if per_row else ("_check_groups", "sum(n)")
            examples = con.execute(
                f"SELECT CAST({column} AS VARCHAR) AS v, {rows} AS c FROM {source} WHERE {bad} "
                "GROUP BY ALL ORDER BY c DESC, v LIMIT 3"
            ).fetchall()
            shown = ", ".join(repr(v) for v, _ in examples)
            found.append(f"{n:,} rows with {what} (e.g. {shown})")
    finally:
        con.execute("DROP TABLE IF EXISTS _check_groups")
    if found and strict:
        raise ImportRejected(
            f"{where}: " + "; ".join(found) + "; refused under --strict (without it they are imported with a "
            "warning); nothing was imported",
            problems=found,
        )
    return found
