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

# (what, SQL true for a bad row, column shown as examples)
_RULES = (
    ("ChargePeriodEnd before ChargePeriodStart", "ChargePeriodEnd < ChargePeriodStart", "ChargePeriodStart"),
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
    with `strict`, ImportRejected instead. `where` names the import in messages."""
    con.execute("SET VARIABLE spendscope_iso4217 = ?", [sorted(ISO_4217)])
    counts = con.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {bad})" for _, bad, _ in _RULES) + f" FROM {relation}"
    ).fetchall()[0]
    found = []
    for (what, bad, column), n in zip(_RULES, counts, strict=True):
        if not n:
            continue
        examples = con.execute(
            f"SELECT CAST({column} AS VARCHAR) AS v, count(*) AS c FROM {relation} WHERE {bad} "
            "GROUP BY ALL ORDER BY c DESC, v LIMIT 3"
        ).fetchall()
        shown = ", ".join(repr(v) for v, _ in examples)
        found.append(f"{n:,} rows with {what} (e.g. {shown})")
    if found and strict:
        raise ImportRejected(
            f"{where}: " + "; ".join(found) + "; refused under --strict (without it they are imported with a "
            "warning); nothing was imported",
            problems=found,
        )
    return found
