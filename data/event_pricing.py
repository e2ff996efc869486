"""Pricing telemetry in SQL: the price catalog's timeline for every (provider, model, tier, geography) a set of
events names, as one table of DECIMAL prices keyed by validity window and prompt-size band, joined to the events
(no Python loop over events). Used by every telemetry import and by `spendscope reprice`.

A request's band is decided by its input tokens (uncached + cache reads + cache writes) per request: an event
with `requests` > 1 is that many identical requests, so its tokens are divided by `requests` first.
"""

from __future__ import annotations

import datetime as dt

import duckdb
from spendscope.data.price_rules import SELF_HOSTED, STANDARD, normalize_geo, normalize_tier
from spendscope.data.prices import PriceCatalog

PRICE_COLUMNS = ("p_in", "p_out", "p_cr", "p_cw", "p_cw1h", "p_rs")
_RATE_OF = dict(
    zip(
        PRICE_COLUMNS,
        ("input", "output", "cached_input", "cache_write", "cache_write_1h", "reasoning"),
        strict=True,
    )
)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None


def register_price_table(
    con: duckdb.DuckDBPyConnection, keys_sql: str, catalog: PriceCatalog, name: str = "event_prices"
) -> list[str]:
    """Temp table `name` with the prices of every (provider, model, tier, geo) that `keys_sql` selects (those four
    columns, tier and geo already normalised). Returns warnings naming the models the catalog does not know."""
    import pandas as pd  # imported here: query paths must not pay for pandas

    keys = con.execute(f"SELECT DISTINCT * FROM ({keys_sql}) WHERE model IS NOT NULL").fetchall()
    rows: list[dict[str, object]] = []
    unpriced, self_hosted = set(), set()
    for provider, model, tier, geo in keys:
        tier_key, geo_key = normalize_tier(tier), normalize_geo(geo) or ""
        windows = catalog.windows(model, provider, tier=tier_key, geo=geo_key or None)
        if not any(w.price for w in windows):
            (self_hosted if (provider or "").lower() in SELF_HOSTED else unpriced).add(f"{provider}/{model}")
            continue
        for w in windows:
            if w.price is None:
                continue
            bands = [(-1, w.price.rates), *((b.above, b.rates) for b in w.price.bands)]
            for i, (lo, rates) in enumerate(bands):
                hi = bands[i + 1][0] if i + 1 < len(bands) else None
                rows.append(
                    {
                        "provider": provider,
                        "model": model,
                        "tier": tier_key,
                        "geo": geo_key,
                        "valid_from": _midnight(w.start),
                        "valid_to": _midnight(w.end),
                        "lo": lo,
                        "hi": hi,
                        **{c: str(getattr(rates, _RATE_OF[c])) for c in PRICE_COLUMNS},
                        "source": w.price.source + "".join(f"; {n}" for n in w.price.notes),
                        "committed": w.price.committed,
                    }
                )
    columns = ["provider", "model", "tier", "geo", "valid_from", "valid_to", "lo", "hi", *PRICE_COLUMNS]
    frame = pd.DataFrame(rows, columns=[*columns, "source", "committed"]).astype(object)
    con.register(f"{name}_frame", frame)
    try:
        typed = ", ".join(f"CAST({c} AS DECIMAL(38,18)) AS {c}" for c in PRICE_COLUMNS)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {name} AS SELECT CAST(provider AS VARCHAR) AS provider,
                CAST(model AS VARCHAR) AS model, CAST(tier AS VARCHAR) AS tier, CAST(geo AS VARCHAR) AS geo,
                CAST(valid_from AS TIMESTAMPTZ) AS valid_from, CAST(valid_to AS TIMESTAMPTZ) AS valid_to,
                CAST(lo AS BIGINT) AS lo, CAST(hi AS BIGINT) AS hi, {typed}, CAST(source AS VARCHAR) AS source,
                CAST(committed AS BOOLEAN) AS committed FROM {name}_frame"""
        )
    finally:
        con.unregister(f"{name}_frame")
    warnings = []
    if unpriced:
        warnings.append(
            f"unpriced models (events kept, no estimated cost): {', '.join(sorted(unpriced)[:20])}"
        )
    if self_hosted:
        warnings.append(
            "self-hosted models (no per-token price; `spendscope prices compare` prices them from their GPU "
            f"instances): {', '.join(sorted(self_hosted)[:20])}"
        )
    return warnings


def prompt_sql(e: str = "e") -> str:
    """Input tokens per request of an event (uncached + cache reads + cache writes) / requests."""
    return (
        f"((coalesce({e}.input_tokens, 0) + coalesce({e}.cached_input_tokens, 0) + "
        f"coalesce({e}.cache_write_tokens, 0)) / greatest(coalesce({e}.requests, 1), 1))"
    )


def price_join_sql(e: str = "e", p: str = "p", tier: str | None = None, geo: str | None = None) -> str:
    """ON clause matching an event to its one price row: key, validity window and prompt-size band."""
    tier = tier or f"coalesce({e}.service_tier, '{STANDARD}')"
    geo = geo or f"coalesce({e}.inference_geo, '')"
    return (
        f"{p}.provider IS NOT DISTINCT FROM {e}.provider AND {p}.model = {e}.model AND {p}.tier = {tier} "
        f"AND {p}.geo = {geo} AND ({p}.valid_from IS NULL OR {e}.ts >= {p}.valid_from) "
        f"AND ({p}.valid_to IS NULL OR {e}.ts < {p}.valid_to) AND {prompt_sql(e)} > {p}.lo "
        f"AND ({p}.hi IS NULL OR {prompt_sql(e)} <= {p}.hi)"
    )


def catalog_cost_sql(e: str = "e", p: str = "p") -> str:
    """The catalog cost of an event joined to its price row (NULL when it has none). Token kinds are disjoint,
    except cache_write_1h_tokens, the part of cache_write_tokens written with a 1-hour TTL."""
    cw = f"coalesce({e}.cache_write_tokens, 0)"
    cw1h = f"least(coalesce({e}.cache_write_1h_tokens, 0), {cw})"
    terms = [
        (f"coalesce({e}.input_tokens, 0)", "p_in"),
        (f"coalesce({e}.output_tokens, 0)", "p_out"),
        (f"coalesce({e}.cached_input_tokens, 0)", "p_cr"),
        (f"({cw} - {cw1h})", "p_cw"),
        (cw1h, "p_cw1h"),
        (f"coalesce({e}.reasoning_tokens, 0)", "p_rs"),
    ]
    body = " + ".join(f"{t} * {p}.{c}" for t, c in terms)
    # at the store's money scale (catalog_cost is DECIMAL(38,10)), so it mixes with reported costs on any engine
    return f"CAST(CASE WHEN {p}.model IS NOT NULL THEN {body} END AS DECIMAL(38,10))"
