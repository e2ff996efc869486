"""`spendscope import langfuse FILE`: Langfuse trace exports -> `usage_events`.

Shapes read (what Langfuse produces): a trace export `{"trace": {...}, "observations": [...]}`; a trace with its
observations inline (the public API's `GET /api/public/traces/{id}`); a JSON array of either, or of observations;
a page of the public API's observations list (`{"data": [...], "meta": {...}}`, v1 or v2); JSON lines of any of
these (one per line, e.g. a batch export of observations). Plain or gzipped.

Which observations become usage events: GENERATION and EMBEDDING observations (model calls) with usage, and any
other observation with token usage unless an observation below it in the file also has usage (an AGENT or CHAIN
observation's usage sums the model calls under it: importing both would count them twice). Observations without
usage (spans, events, tools) and the skipped aggregates are counted in a warning, not imported.

Fields read per observation: id, traceId, type, name, startTime, endTime, model, level (ERROR -> status error),
usageDetails (Langfuse's keys: `input`, `output`, cache reads `input_cached_tokens`/`input_cache_read`/
`cache_read_input_tokens`, cache writes `input_cache_creation`/`cache_creation_input_tokens`, reasoning
`output_reasoning_tokens`/`output_reasoning`; Langfuse's SDKs take the detail keys out of `input` and `output`,
so `input` is the uncached input, as usage_events counts it; when `total` shows a source that did not, they are
taken out here), else the legacy `usage` (`input`/`output`, or
`promptTokens`/`completionTokens`) or the export's `inputUsage`/`outputUsage`; costDetails (`total`, else the sum
of its parts), else `calculatedTotalCost`/`totalCost` (Langfuse's own price: the reported cost); metadata
(`attributes.gen_ai.provider.name` when the observation came in over OpenTelemetry, `ls_provider` from LangChain,
and the attribution keys customer/feature/team/env/commit). From the trace: userId (-> customer), sessionId,
name, tags (`key:value` tags fill the attribution columns, as LiteLLM's request tags do), environment, release.
Inputs and outputs (prompt and completion text) are never read.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import duckdb
from spendscope.data.events import import_event_file
from spendscope.data.importing import ImportResult, reject
from spendscope.data.naming import canonicalize_models, provider_from_model_sql, provider_sql
from spendscope.data.prices import PriceCatalog
from spendscope.data.store import Store

KIND = "langfuse"
MODEL_CALLS = {"GENERATION", "EMBEDDING"}
# usage_events column -> usageDetails keys (first found)
USAGE_KEYS = {
    "input_tokens": ("input", "input_tokens", "prompt_tokens", "promptTokens"),
    "output_tokens": ("output", "output_tokens", "completion_tokens", "completionTokens"),
    "cached_input_tokens": (
        "input_cached_tokens",
        "input_cache_read",
        "cache_read_input_tokens",
        "input_cached",
        "cached_tokens",
    ),
    "cache_write_tokens": (
        "input_cache_creation",
        "cache_creation_input_tokens",
        "input_cache_write",
        "input_cache_creation_input_tokens",
    ),
    "reasoning_tokens": ("output_reasoning_tokens", "output_reasoning", "reasoning_tokens"),
}
ATTRIBUTION = {
    "customer": ("customer", "customer_id", "tenant_id"),
    "feature": ("feature",),
    "team": ("team",),
    "env": ("env", "environment"),
    "commit_sha": ("commit", "commit_sha"),
}
COLUMNS = (
    "event_id",
    "ts",
    "model",
    "provider_raw",
    "operation",
    *USAGE_KEYS,
    "latency_ms",
    "reported_cost",
    "status",
    *ATTRIBUTION,
    "tags",
)


class _Bad(Exception):
    def __init__(self, where: str, field: str, message: str) -> None:
        super().__init__(message)
        self.where, self.field, self.message = where, field, message


def _read_documents(path: Path) -> list[tuple[int, Any]]:
    """(line or 1, document) pairs: one JSON document, or JSON lines."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig") as fh:
            text = fh.read()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise reject(path, f"cannot be read: {exc}") from None
    try:
        return [(1, json.loads(text))]
    except ValueError:
        pass
    docs = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            docs.append((n, json.loads(line)))
        except ValueError as exc:
            raise reject(
                path,
                f"line {n} is not JSON ({str(exc).split(':')[0]}); a Langfuse export is one JSON document "
                "or JSON lines",
                row=n,
            ) from None
    if not docs:
        raise reject(path, "is empty: no Langfuse traces or observations")
    return docs


def _is_observation(x: Any) -> bool:
    return isinstance(x, dict) and "observations" not in x and ("startTime" in x or "type" in x) and "id" in x


def _walk(path: Path, docs: list[tuple[int, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every observation in the file with where it is (for messages) and its trace (or {})."""
    out: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    lines = len(docs) > 1

    def unit(item: Any, where: str) -> None:
        if isinstance(item, dict) and isinstance(item.get("observations"), list):
            trace = item["trace"] if isinstance(item.get("trace"), dict) else item
            for k, o in enumerate(item["observations"], 1):
                if isinstance(o, str):
                    raise reject(
                        path,
                        f"{where}: the trace lists its observations by id only (the traces list API); export the "
                        "trace with its observations (GET /api/public/traces/{id}) or the observations themselves",
                    )
                if not isinstance(o, dict):
                    raise reject(path, f"{where}, observation {k}: not a JSON object")
                out.append((f"{where}, observation {k}", o, trace))
        elif _is_observation(item):
            out.append((where, item, {}))
        elif isinstance(item, dict) and isinstance(item.get("data"), list):  # an API page
            for k, o in enumerate(item["data"], 1):
                unit(o, f"{where}, data item {k}")
        else:
            keys = ", ".join(list(item)[:8]) if isinstance(item, dict) else type(item).__name__
            raise reject(
                path,
                f"{where} is not a Langfuse trace or observation (found: {keys}); expected a trace export "
                '{"trace", "observations"}, a trace with observations, observations, or an API page {"data": [...]}',
            )

    for n, doc in docs:
        where = f"line {n}" if lines else "the document"
        if isinstance(doc, list):
            for k, item in enumerate(doc, 1):
                unit(item, f"{where}, item {k}" if lines else f"item {k}")
        else:
            unit(doc, where)
    return out


def _count(value: Any, where: str, field: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        else:
            raise _Bad(where, field, f"{value!r} is not a count")
    if value != value or value in (float("inf"), float("-inf")):  # NaN / Infinity, which Python's JSON reads
        raise _Bad(where, field, f"{value!r} is not a count")
    if value < 0:
        raise _Bad(where, field, f"{value!r} is not a count (zero or more)")
    return int(round(value))


def _usage(o: dict[str, Any], where: str) -> tuple[dict[str, int], str | None] | None:
    """The observation's token counts, with the usage field they came from; None when it has no usage."""
    details = o.get("usageDetails")
    if isinstance(details, dict) and any(v for v in details.values() if v):
        field = "usageDetails"
    else:
        legacy = o.get("usage")
        if isinstance(legacy, dict) and any(
            legacy.get(k) for k in ("input", "output", "promptTokens", "completionTokens")
        ):
            unit = str(legacy.get("unit") or "TOKENS").upper()
            if unit != "TOKENS":
                return {}, unit
            details, field = legacy, "usage"
        elif o.get("inputUsage") or o.get("outputUsage"):
            details, field = {"input": o.get("inputUsage"), "output": o.get("outputUsage")}, ""
        elif o.get("promptTokens") or o.get("completionTokens"):
            details = {"input": o.get("promptTokens"), "output": o.get("completionTokens")}
            field = ""
        else:
            return None
    counts = {}
    for column, keys in USAGE_KEYS.items():
        key = next((k for k in keys if details.get(k) is not None), None)
        label = f"{field}.{key}" if field else (key or column)
        counts[column] = _count(details.get(key) if key else None, where, label)
    if not any(counts.values()):
        return None
    # Langfuse's SDKs take cache and reasoning details out of `input`/`output`; a source that did not (its
    # `total` is input + output while the parts sum to more) counted them twice: take them out here
    total = details.get("total")
    if isinstance(total, (int, float)) and not isinstance(total, bool) and sum(counts.values()) > total:
        cache = counts["cached_input_tokens"] + counts["cache_write_tokens"]
        if cache and counts["input_tokens"] >= cache:
            counts["input_tokens"] -= cache
        if sum(counts.values()) > total and counts["output_tokens"] >= counts["reasoning_tokens"]:
            counts["output_tokens"] -= counts["reasoning_tokens"]
    return counts, None


def _cost(o: dict[str, Any], where: str) -> str | None:
    """Langfuse's cost of the observation (text, exact), or None when it gave none."""
    details = o.get("costDetails")
    value: Any = None
    field = ""
    if isinstance(details, dict) and details:
        if details.get("total") is not None:
            value, field = details["total"], "costDetails.total"
        else:
            parts = [v for v in details.values() if v is not None]
            if parts:
                try:
                    value = sum((Decimal(str(v)) for v in parts), Decimal(0))
                except InvalidOperation:
                    raise _Bad(where, "costDetails", f"{details!r} is not a set of amounts") from None
                field = "costDetails"
    for key in ("calculatedTotalCost", "totalCost"):
        if value is None and o.get(key) is not None:
            value, field = o[key], key
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _Bad(where, field, f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise _Bad(where, field, f"{value!r} is not an amount")
    return None if amount == 0 else str(amount)  # 0: Langfuse had no price for the model (not a free call)


def _time(value: Any, where: str, field: str, required: bool) -> dt.datetime | None:
    if value in (None, ""):
        if required:
            raise _Bad(where, field, "missing")
        return None
    if isinstance(value, str):
        try:
            t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    raise _Bad(where, field, f"{str(value)[:60]!r} is not a date and time")


def _meta(*sources: Any) -> dict[str, Any]:
    """Metadata objects merged, later sources first (JSON text inside a string is read too)."""
    merged: dict[str, Any] = {}
    for m in sources:
        if isinstance(m, str):
            try:
                m = json.loads(m)
            except ValueError:
                continue
        if isinstance(m, dict):
            merged = {**m, **merged}
    return merged


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value).strip() or None


def _row(o: dict[str, Any], trace: dict[str, Any], counts: dict[str, int], where: str) -> dict[str, Any]:
    oid = _text(o.get("id"))
    if oid is None:
        raise _Bad(where, "id", "missing")
    start = _time(o.get("startTime") or o.get("timestamp"), where, "startTime", True)
    end = _time(o.get("endTime"), where, "endTime", False)
    meta = _meta(o.get("metadata"), trace.get("metadata"))
    attrs = meta.get("attributes") if isinstance(meta.get("attributes"), dict) else {}
    tags = trace.get("tags") if isinstance(trace.get("tags"), list) else []
    tagged = {}
    for t in tags:
        if isinstance(t, str) and ":" in t:
            k, v = t.split(":", 1)
            tagged.setdefault(k.strip().lower(), v.strip())
    row: dict[str, Any] = {
        "event_id": f"langfuse:{oid}",
        "ts": start.astimezone(dt.UTC).isoformat() if start else None,
        "model": _text(o.get("model"))
        or _text(attrs.get("gen_ai.response.model"))
        or _text(attrs.get("gen_ai.request.model")),
        "provider_raw": _text(attrs.get("gen_ai.provider.name"))
        or _text(attrs.get("gen_ai.system"))
        or _text(meta.get("ls_provider")),
        "operation": _text(attrs.get("gen_ai.operation.name"))
        or (_text(o.get("type")) or "").lower()
        or None,
        **counts,
        "latency_ms": (end - start).total_seconds() * 1000 if end and start and end >= start else None,
        "reported_cost": _cost(o, where),
        "status": "error" if str(o.get("level") or "").upper() == "ERROR" else "ok",
    }
    user = _text(trace.get("userId")) or _text(o.get("userId"))
    for column, keys in ATTRIBUTION.items():
        found = next((_text(meta.get(k)) for k in keys if _text(meta.get(k))), None)
        row[column] = found or next((tagged[k] for k in keys if tagged.get(k)), None)
    row["customer"] = row["customer"] or user
    environment = _text(o.get("environment")) or _text(trace.get("environment"))
    if not row["env"] and environment and environment != "default":
        row["env"] = environment
    extra = {
        "trace_id": _text(o.get("traceId")) or _text(trace.get("id")),
        "trace_name": _text(trace.get("name")),
        "observation_name": _text(o.get("name")),
        "observation_type": _text(o.get("type")),
        "session_id": _text(trace.get("sessionId")) or _text(o.get("sessionId")),
        "user": user,
        "release": _text(trace.get("release")),
        "langfuse_tags": tags or None,
        "langfuse_project": _text(o.get("projectId")) or _text(trace.get("projectId")),
        "model_raw": row["model"],
        "provider_raw": row["provider_raw"],
    }
    row["tags"] = json.dumps({k: v for k, v in extra.items() if v is not None})
    return row


def stage(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The file -> `ev` (usage_events' columns), with warnings on what was counted and not imported."""
    observations = _walk(path, _read_documents(path))
    if not observations:
        raise reject(path, "holds no Langfuse observations")
    usage = {}
    skipped_units: dict[str, int] = {}
    for i, (where, o, _) in enumerate(observations):
        try:
            found = _usage(o, where)
        except _Bad as bad:
            raise reject(
                path, f"{bad.where}, field {bad.field}: {bad.message}", record=bad.where, column=bad.field
            ) from None
        if found is not None and found[1] is not None:
            skipped_units[found[1]] = skipped_units.get(found[1], 0) + 1
        elif found is not None:
            usage[i] = found[0]
    # a non-model observation with usage counts only when nothing below it has usage (else it sums them)
    parents = {str(o.get("id")): str(o.get("parentObservationId")) for _, o, _ in observations}
    has_usage_below: set[str] = set()
    for i in usage:
        seen: set[str] = set()
        parent = parents.get(str(observations[i][1].get("id")))
        while parent and parent in parents and parent not in seen:
            seen.add(parent)
            has_usage_below.add(parent)
            parent = parents.get(parent)
    rows, no_usage, aggregates = [], {}, {}
    for i, (where, o, trace) in enumerate(observations):
        kind = str(o.get("type") or "OBSERVATION").upper()
        if i not in usage:
            no_usage[kind] = no_usage.get(kind, 0) + 1
            continue
        if kind not in MODEL_CALLS and str(o.get("id")) in has_usage_below:
            aggregates[kind] = aggregates.get(kind, 0) + 1
            continue
        try:
            rows.append(_row(o, trace, usage[i], where))
        except _Bad as bad:
            raise reject(
                path, f"{bad.where}, field {bad.field}: {bad.message}", record=bad.where, column=bad.field
            ) from None

    def listed(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))

    warnings = []
    if no_usage:
        warnings.append(
            f"{sum(no_usage.values())} observations without token usage ({listed(no_usage)}) counted, not imported"
        )
    if aggregates:
        warnings.append(
            f"{sum(aggregates.values())} observations with usage that sums the model calls below them "
            f"({listed(aggregates)}) not imported, so those calls are counted once"
        )
    if skipped_units:
        warnings.append(
            f"{sum(skipped_units.values())} observations measure usage in other units than tokens "
            f"({listed(skipped_units)}): not imported"
        )
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    con.register("lf_rows", frame)
    try:
        tokens = ", ".join(f"CAST({c} AS BIGINT) AS {c}" for c in USAGE_KEYS)
        model = "nullif(trim(CAST(model AS VARCHAR)), '')"
        con.execute(
            f"""CREATE TABLE ev AS SELECT CAST(event_id AS VARCHAR) AS event_id, CAST(ts AS TIMESTAMPTZ) AS ts,
                coalesce({provider_sql("provider_raw")}, {provider_from_model_sql(model)}, 'unknown') AS provider,
                {model} AS model, CAST(operation AS VARCHAR) AS operation, {tokens},
                CAST(latency_ms AS DOUBLE) AS latency_ms,
                CAST(CAST(reported_cost AS VARCHAR) AS DECIMAL(38, 10)) AS reported_cost,
                CAST(status AS VARCHAR) AS status, {", ".join(f"CAST({c} AS VARCHAR) AS {c}" for c in ATTRIBUTION)},
                CAST(tags AS JSON) AS tags, {KIND!r} AS source
            FROM lf_rows"""
        )
    finally:
        con.unregister("lf_rows")
    canonicalize_models(con, "ev")
    unknown = con.execute("SELECT count(*) FROM ev WHERE provider = 'unknown'").fetchall()[0][0]
    if unknown:
        warnings.append(
            f"{unknown} observations name no provider and no known model family; kept with provider 'unknown'"
        )
    dup = con.execute("SELECT count(*) - count(DISTINCT event_id) FROM ev").fetchall()[0][0]
    if dup:
        warnings.append(f"{dup} observations appear more than once in the file; each is counted once")
    return warnings


def import_langfuse(store: Store, path: Path | str, *, catalog: PriceCatalog | None = None) -> ImportResult:
    """Import one Langfuse export, all or nothing; re-imports add nothing (events keyed by observation id)."""
    return import_event_file(store, path, kind=KIND, stage=stage, catalog=catalog)
