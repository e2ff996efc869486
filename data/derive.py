"""Derive spendscope's AI columns (x_Model, x_TokenType, x_Tokens, x_Requests, x_GpuCount, x_InstanceType,
x_GpuHours) from whatever a cost row offers: SkuPriceDetails keys, SkuMeter, ResourceName, ResourceId,
ChargeDescription, SkuId and the units.

Rows repeat the same few descriptive combinations millions of times, so the text work runs in Python once
per *distinct* combination and the result is joined back in DuckDB: bulk, with no per-row Python.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
from spendscope.data.gpu_catalog import find_instance_type, gpu_count
from spendscope.data.models import (
    canonical_token_type,
    may_name_model_sql,
    normalize_model,
    parse_unit,
    token_type_of,
)
from spendscope.data.sql import ident, rounded_integer, table_from_columns

KEY_COLUMNS = (
    "SkuPriceDetails",
    "SkuMeter",
    "ResourceName",
    "ChargeDescription",
    "SkuId",
    "ResourceType",
    "ServiceName",
    "ConsumedUnit",
    "PricingUnit",
)
# ResourceId is often unique per row (instances, CUR line items), so it is not part of the key: it is read only
# for the combinations whose other fields name no model (e.g. a Bedrock ARN that alone names the model).

_MODEL_KEYS = (
    "x_ModelName",
    "x_Model",
    "x_ModelId",
    "ModelName",
    "Model",
    "ModelId",
    "model",
    "model_name",
    "modelId",
)
_TYPE_KEYS = ("x_TokenType", "TokenType", "x_token_type", "token_type")
_GPU_KEYS = ("GpuCount", "x_GpuCount", "gpu_count")
_INSTANCE_KEYS = ("InstanceType", "x_InstanceType", "instance_type")


def _details(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _first(d: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {k.lower(): v for k, v in d.items()}
    for k in keys:
        if d.get(k) not in (None, ""):
            return d[k]
        if lowered.get(k.lower()) not in (None, ""):
            return lowered[k.lower()]
    return None


def derive_one(row: dict[str, str | None]) -> dict[str, Any]:
    """The AI columns for one distinct combination of descriptive fields."""
    d = _details(row.get("SkuPriceDetails"))
    texts = [row.get(c) for c in ("SkuMeter", "ResourceName", "ChargeDescription", "SkuId", "ResourceId")]

    declared = _first(d, _MODEL_KEYS)
    model = None
    if declared is not None:
        model = normalize_model(str(declared)) or str(declared).strip().lower()
    if model is None:
        for t in texts:
            model = normalize_model(t)
            if model:
                break

    cu = parse_unit(row.get("ConsumedUnit"))
    pu = parse_unit(row.get("PricingUnit"))
    all_text = " ".join(t for t in texts if t)
    tokenish = (cu and cu[0] == "tokens") or (pu and pu[0] == "tokens") or "token" in all_text.lower()

    token_type = None
    declared_type = _first(d, _TYPE_KEYS)
    if declared_type is not None:
        token_type = canonical_token_type(str(declared_type))
    elif d.get("x_TokenDirection"):
        direction = canonical_token_type(str(d["x_TokenDirection"]))
        cache = str(d.get("x_CacheType") or "").lower()
        token_type = "cached_input" if cache == "read" else "cache_write" if cache == "write" else direction
    if token_type is None and (tokenish or model):
        for t in (
            row.get("SkuMeter"),
            row.get("ChargeDescription"),
            row.get("SkuId"),
            row.get("ResourceName"),
        ):
            token_type = token_type_of(t)
            if token_type:
                break
    if not tokenish and declared_type is None:
        token_type = None if token_type is None or not model else token_type

    instance_type = _first(d, _INSTANCE_KEYS)
    instance_type = str(instance_type).lower() if instance_type else None
    if instance_type is None:
        for t in (
            row.get("SkuId"),
            row.get("ChargeDescription"),
            row.get("ResourceType"),
            row.get("SkuMeter"),
            row.get("ResourceName"),
        ):
            instance_type = find_instance_type(t)
            if instance_type:
                break
    gpus = _first(d, _GPU_KEYS)
    try:
        gpus = int(float(gpus)) if gpus is not None else None
    except (TypeError, ValueError):
        gpus = None
    if gpus is None:
        gpus = gpu_count(instance_type)

    return {
        "x_Model": model,
        "x_TokenType": token_type,
        "cq_tokens": cu[1] if cu and cu[0] == "tokens" else None,
        "pq_tokens": pu[1] if pu and pu[0] == "tokens" else None,
        "cq_requests": cu[1] if cu and cu[0] == "requests" else None,
        "cq_hours": 1.0
        if cu and cu[0] == "hours"
        else (1.0 if (not cu and pu and pu[0] == "hours") else None),
        "x_GpuCount": gpus if gpus else None,
        "x_InstanceType": instance_type if (gpus or instance_type) else None,
    }


def _says_nothing(text: str) -> bool:
    """True when `text`, as the ResourceName, cannot change what `derive_one` derives: it names no model, no token
    type and no instance type, and does not contain "token" (each of derive_one's uses of the name)."""
    return (
        not normalize_model(text)
        and token_type_of(text) is None
        and find_instance_type(text) is None
        and "token" not in text.lower()
    )


def derive_key_sql(alias: str | None = None) -> str:
    """The key under which a row's descriptive fields are looked up in the derived table."""
    prefix = f"{alias}." if alias else ""
    return "hash(" + ", ".join(prefix + ident(c) for c in KEY_COLUMNS) + ")"


_DERIVED_TYPES = {
    "x_DeriveKey": "UBIGINT",
    "x_Model": "VARCHAR",
    "x_TokenType": "VARCHAR",
    "cq_tokens": "DOUBLE",
    "pq_tokens": "DOUBLE",
    "cq_requests": "DOUBLE",
    "cq_hours": "DOUBLE",
    "x_GpuCount": "INTEGER",
    "x_InstanceType": "VARCHAR",
}


def register_derivations(con: duckdb.DuckDBPyConnection, table: str, name: str = "derived_keys") -> str:
    """Compute the AI columns once per distinct combination of descriptive fields in `table` and store them in
    temp table `name` (column x_DeriveKey joins to `derive_key_sql()` over the table), plus table `{name}_resources`
    (x_DeriveKey, ResourceId, x_Model) for combinations whose model only the ResourceId names.

    Resource names are often unique per resource while the other fields repeat: a name that says nothing
    (`_says_nothing`) leaves the answer of the other fields unchanged, so such names are replaced by NULL in SQL
    and the deriver runs once per distinct combination of what is left. Only the distinct names and those
    combinations reach Python; the full keys are matched to their answers in SQL."""
    names = con.execute(
        f"SELECT DISTINCT ResourceName FROM {table} WHERE ResourceName IS NOT NULL"
    ).fetchall()
    speaking = [n for (n,) in names if not _says_nothing(n)]
    table_from_columns(con, f"{name}_names", {"n": "VARCHAR"}, {"n": speaking}, temp=True)
    named = f"CASE WHEN ResourceName IN (SELECT n FROM {name}_names) THEN ResourceName END"
    kept = [named if c == "ResourceName" else ident(c) for c in KEY_COLUMNS]
    kept_sql = ", ".join(f"{e} AS {ident(c)}" for e, c in zip(kept, KEY_COLUMNS, strict=True))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name}_map AS SELECT DISTINCT {derive_key_sql()} AS x_DeriveKey, "
        f"{kept_sql} FROM {table}"
    )
    keycols = ", ".join(ident(c) for c in KEY_COLUMNS)
    distinct = con.execute(f"SELECT DISTINCT {derive_key_sql()} AS k, {keycols} FROM {name}_map").fetchall()
    columns: dict[str, list] = {c: [] for c in _DERIVED_TYPES}
    for values in distinct:
        out = derive_one(dict(zip(KEY_COLUMNS, values[1:], strict=True)))
        columns["x_DeriveKey"].append(values[0])
        for c in list(_DERIVED_TYPES)[1:]:
            v = out.get(c)
            columns[c].append(float(v) if v is not None and _DERIVED_TYPES[c] == "DOUBLE" else v)
    table_from_columns(con, f"{name}_answers", _DERIVED_TYPES, columns, temp=True)
    answers = ", ".join(f"a.{ident(c)}" for c in list(_DERIVED_TYPES)[1:])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT m.x_DeriveKey, {answers} FROM {name}_map AS m "
        f"JOIN {name}_answers AS a ON a.x_DeriveKey = {derive_key_sql('m')}"
    )
    for part in ("names", "map", "answers"):
        con.execute(f"DROP TABLE {name}_{part}")

    # the ResourceId is read only where the other fields name no model, and only ids that name one: the distinct
    # ids are listed first (a regular expression per row costs ~0.5 CPU s per million rows; DuckDB would push a
    # filter below the DISTINCT), those that may name a model (`may_name_model`, the test normalize_model itself
    # starts with) reach Python, and the rows are read again only when one does
    resources: dict[str, list] = {"x_DeriveKey": [], "ResourceId": [], "x_Model": []}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name}_ids AS SELECT DISTINCT ResourceId AS id FROM {table} "
        "WHERE ResourceId IS NOT NULL"
    )
    candidates = con.execute(f"SELECT id FROM {name}_ids WHERE {may_name_model_sql('id')}").fetchall()
    by_id = {rid: model for (rid,) in candidates if (model := normalize_model(rid))}
    con.execute(f"DROP TABLE {name}_ids")
    if by_id:
        table_from_columns(con, f"{name}_ids", {"id": "VARCHAR"}, {"id": list(by_id)}, temp=True)
        pairs = con.execute(
            f"""SELECT DISTINCT t.k, t.ResourceId FROM (SELECT {derive_key_sql()} AS k, ResourceId FROM {table}
                WHERE ResourceId IN (SELECT id FROM {name}_ids)) AS t
                WHERE t.k IN (SELECT x_DeriveKey FROM {name} WHERE x_Model IS NULL)"""
        ).fetchall()
        con.execute(f"DROP TABLE {name}_ids")
        for key, resource_id in pairs:
            resources["x_DeriveKey"].append(key)
            resources["ResourceId"].append(resource_id)
            resources["x_Model"].append(by_id[resource_id])
    types = {"x_DeriveKey": "UBIGINT", "ResourceId": "VARCHAR", "x_Model": "VARCHAR"}
    table_from_columns(con, f"{name}_resources", types, resources, temp=True)
    return name


def derived_columns(s: str = "s", d: str = "d", r: str = "r") -> dict[str, str]:
    """SQL for each AI column over staged rows `s` joined to derivations `d` and resource models `r`; values an
    importer set win."""
    gpus = f"coalesce({s}.x_GpuCount, CAST({d}.x_GpuCount AS INTEGER))"
    return {
        "x_Model": f"coalesce({s}.x_Model, {d}.x_Model, {r}.x_Model)",
        "x_TokenType": f"coalesce({s}.x_TokenType, {d}.x_TokenType)",
        "x_Tokens": f"""coalesce({s}.x_Tokens, coalesce(
            {rounded_integer(f"{s}.ConsumedQuantity", f"CAST({d}.cq_tokens AS DECIMAL(38,4))")},
            {rounded_integer(f"{s}.PricingQuantity", f"CAST({d}.pq_tokens AS DECIMAL(38,4))")}))""",
        "x_Requests": f"coalesce({s}.x_Requests, "
        f"{rounded_integer(f'{s}.ConsumedQuantity', f'CAST({d}.cq_requests AS DECIMAL(38,4))')})",
        "x_GpuCount": gpus,
        "x_InstanceType": f"coalesce({s}.x_InstanceType, {d}.x_InstanceType)",
        "x_GpuHours": f"""coalesce({s}.x_GpuHours, CASE WHEN {d}.cq_hours IS NOT NULL AND {gpus} > 0
            THEN coalesce({s}.ConsumedQuantity, {s}.PricingQuantity) * {gpus} END)""",
    }
