"""OpenTelemetry GenAI spans -> `usage_events`: an OTLP/HTTP JSON receiver (`spendscope otel --port N`) and a
file importer (`spendscope import otel FILE`) for the same JSON (ExportTraceServiceRequest objects, one per
line as the Collector's file exporter writes them, a single object, or an array of them).

A span becomes an event when it describes a model call: it has GenAI usage attributes
(`gen_ai.usage.input_tokens`/`output_tokens`, or the older `prompt_tokens`/`completion_tokens`) and its
`gen_ai.operation.name` is a model operation (chat, text_completion, generate_content, embeddings) or absent.
Agent, tool and workflow spans are skipped even when they carry usage, because their usage sums the model
calls below them. `event_id` is trace id + span id, so a resent batch never double counts. The whole
transformation runs in DuckDB over the JSON (no Python loop over spans). Mapping: docs/telemetry.md.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
from spendscope.data.errors import ImportRejected, SpendscopeError, StoreBusy
from spendscope.data.events import finish_event_import
from spendscope.data.file_kinds import elsewhere
from spendscope.data.importing import ImportResult, duplicate_result, previous_import, reject, sha256_file
from spendscope.data.naming import canonicalize_models, provider_from_model_sql, provider_sql
from spendscope.data.prices import PriceCatalog
from spendscope.data.sql import literal
from spendscope.data.store import Store, memory_connection

KIND = "otel"
MAX_BODY = 64 * 1024 * 1024
MODEL_OPERATIONS = ("chat", "text_completion", "generate_content", "embeddings", "completion", "responses")

# event field -> attribute keys, first found wins; span attributes win over resource attributes
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "provider": ("gen_ai.provider.name", "gen_ai.system"),
    "model": ("gen_ai.response.model", "gen_ai.request.model"),
    "operation": ("gen_ai.operation.name",),
    "in": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "out": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "cache_read": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "gen_ai.usage.cached_tokens",
    ),
    "cache_write": ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens"),
    "reasoning": ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens"),
    "cache_write_1h": (
        "gen_ai.usage.cache_creation.ephemeral_1h.input_tokens",
        "gen_ai.usage.cache_creation_1h_input_tokens",
        "spendscope.usage.cache_write_1h_tokens",
    ),
    # the tier the response says it was served at wins over the one requested
    "tier": (
        "openai.response.service_tier",
        "gen_ai.openai.response.service_tier",
        "gen_ai.response.service_tier",
        "anthropic.response.service_tier",
        "spendscope.service_tier",
        "openai.request.service_tier",
        "gen_ai.openai.request.service_tier",
        "gen_ai.request.service_tier",
    ),
    "geo": ("gen_ai.usage.inference_geo", "anthropic.usage.inference_geo", "spendscope.inference_geo"),
    "region": ("cloud.region",),
    # a cost the instrumentation reported (the GenAI cost proposals, Sentry's, Logfire's, OpenLLMetry's)
    "cost": (
        "gen_ai.usage.cost.amount",
        "gen_ai.usage.cost",
        "gen_ai.cost.total_tokens",
        "operation.cost",
        "llm.usage.cost",
        "spendscope.cost",
    ),
    "cost_currency": ("gen_ai.usage.cost.currency",),
    "cost_origin": ("gen_ai.usage.cost.source",),
    "instance": ("spendscope.instance_id", "host.id", "cloud.resource_id"),
    "customer": ("spendscope.customer", "customer", "customer.id", "app.customer", "tenant.id", "enduser.id"),
    "feature": ("spendscope.feature", "feature", "feature.name", "app.feature"),
    "team": ("spendscope.team", "team", "team.name", "app.team"),
    "env": ("spendscope.env", "env", "deployment.environment.name", "deployment.environment"),
    "commit": (
        "spendscope.commit",
        "commit",
        "commit_sha",
        "vcs.ref.head.revision",
        "vcs.repository.ref.revision",
        "git.commit.sha",
    ),
    "code_function": ("code.function.name", "code.function"),
    "code_namespace": ("code.namespace",),
    "code_file": ("code.file.path", "code.filepath"),
    "code_line": ("code.line.number", "code.lineno"),
    "service": ("service.name",),
    "agent": ("gen_ai.agent.name",),
    "conversation": ("gen_ai.conversation.id",),
}
TOKEN_FIELDS = ("in", "out", "cache_read", "cache_write", "reasoning", "cache_write_1h")

_MACROS = (
    "CREATE OR REPLACE MACRO otel_attrs(a) AS list_transform(json_extract(a, '$[*]'), lambda x: {'k': x->>'key', "
    "'v': coalesce(x->'value'->>'stringValue', x->'value'->>'intValue', x->'value'->>'doubleValue', "
    "x->'value'->>'boolValue')})",
    "CREATE OR REPLACE MACRO otel_get(l, name) AS list_filter(l, lambda x: x.k = name)[1].v",
)


def _pick(field: str) -> str:
    keys = ATTRIBUTES[field]
    parts = [f"otel_get(sa, {literal(k)})" for k in keys] + [f"otel_get(ra, {literal(k)})" for k in keys]
    return f"coalesce({', '.join(parts)})"


def stage_spans(con: duckdb.DuckDBPyConnection, source: str) -> tuple[int, int, list[str]]:
    """`otlp_raw(x_SourceRow, j)` -> staged table `ev` with usage_events columns.
    Returns (spans seen, spans kept, warnings). Raises ImportRejected naming request, span and attribute."""
    for macro in _MACROS:
        con.execute(macro)
    con.execute(
        """
        CREATE OR REPLACE TABLE otlp_spans AS
        WITH rs AS (SELECT x_SourceRow, unnest(json_extract(j, '$.resourceSpans[*]')) AS rs FROM otlp_raw),
        ss AS (SELECT x_SourceRow, otel_attrs(rs->'resource'->'attributes') AS ra,
                      unnest(json_extract(rs, '$.scopeSpans[*]')) AS ss FROM rs),
        sp AS (SELECT x_SourceRow, ra, unnest(json_extract(ss, '$.spans[*]')) AS sp FROM ss)
        SELECT x_SourceRow, row_number() OVER (PARTITION BY x_SourceRow) AS span_no, ra,
               otel_attrs(sp->'attributes') AS sa, sp->>'traceId' AS trace_id, sp->>'spanId' AS span_id,
               sp->>'name' AS span_name, sp->>'startTimeUnixNano' AS start_ns, sp->>'endTimeUnixNano' AS end_ns,
               sp->'status'->>'code' AS status_code
        FROM sp
        """
    )
    picks = ",\n".join(f"{_pick(f)} AS a_{f}" for f in ATTRIBUTES)
    con.execute(f"CREATE OR REPLACE TABLE otlp_picked AS SELECT *, {picks} FROM otlp_spans")
    seen = con.execute("SELECT count(*) FROM otlp_picked").fetchall()[0][0]
    usage = "(a_in IS NOT NULL OR a_out IS NOT NULL)"
    ops = ", ".join(literal(o) for o in MODEL_OPERATIONS)
    keep = f"{usage} AND (a_operation IS NULL OR lower(a_operation) IN ({ops}))"
    checks = [
        (f, "an integer", f"a_{f} IS NOT NULL AND TRY_CAST(a_{f} AS DOUBLE) IS NULL", ATTRIBUTES[f][0])
        for f in TOKEN_FIELDS
    ]
    checks.append(
        ("start", "a time in unix nanoseconds", "TRY_CAST(start_ns AS BIGINT) IS NULL", "startTimeUnixNano")
    )
    cost_keys = ATTRIBUTES["cost"]
    checks.append(
        (
            "cost",
            "a number (USD)",
            "a_cost IS NOT NULL AND TRY_CAST(a_cost AS DECIMAL(38,12)) IS NULL",
            cost_keys[0],
        )
    )
    for field, expected, cond, label in checks:
        bad = con.execute(
            f"SELECT x_SourceRow, span_no, trace_id, span_id, "
            f"CAST({'start_ns' if field == 'start' else 'a_' + field} AS VARCHAR) FROM otlp_picked "
            f"WHERE {keep} AND {cond} ORDER BY 1, 2 LIMIT 1"
        ).fetchall()
        if bad:
            req, span, trace, span_id, value = bad[0]
            shown = "missing" if value is None else repr(value[:40])
            raise ImportRejected(
                f"{source}: request {req}, span {span} (trace {trace}, span {span_id}), attribute {label}: "
                f"{shown} is not {expected}; nothing was imported",
                file=source,
                row=req,
                span=span,
                column=label,
            )
    tok = {f: f"coalesce(CAST(round(TRY_CAST(a_{f} AS DOUBLE)) AS BIGINT), 0)" for f in TOKEN_FIELDS}
    cached = f"({tok['cache_read']} + {tok['cache_write']})"
    code_path = (
        "CASE WHEN a_code_function IS NOT NULL THEN concat_ws(':', coalesce(a_code_namespace, a_code_file), "
        "a_code_function) ELSE a_code_file || CASE WHEN a_code_line IS NOT NULL THEN ':' || a_code_line "
        "ELSE '' END END"
    )
    inferred = provider_from_model_sql("a_model")
    provider = f"coalesce({provider_sql('a_provider')}, {inferred}, 'unknown')"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE ev AS SELECT
            CASE WHEN trace_id IS NOT NULL AND span_id IS NOT NULL THEN lower(trace_id) || lower(span_id) END
                AS event_id,
            CAST(make_timestamp(CAST(start_ns AS BIGINT) // 1000) AS TIMESTAMPTZ) AS ts,
            {provider} AS provider,
            a_model AS model,
            coalesce(a_operation, span_name) AS operation,
            CASE WHEN {tok["in"]} >= {cached} THEN {tok["in"]} - {cached} ELSE {tok["in"]} END AS input_tokens,
            CASE WHEN {tok["out"]} >= {tok["reasoning"]} THEN {tok["out"]} - {tok["reasoning"]} ELSE {tok["out"]} END
                AS output_tokens,
            {tok["cache_read"]} AS cached_input_tokens,
            {tok["cache_write"]} AS cache_write_tokens,
            {tok["reasoning"]} AS reasoning_tokens,
            1 AS requests,
            CASE WHEN TRY_CAST(end_ns AS BIGINT) >= CAST(start_ns AS BIGINT)
                 THEN (TRY_CAST(end_ns AS BIGINT) - CAST(start_ns AS BIGINT)) / 1e6 END AS latency_ms,
            CAST(NULL AS DECIMAL(38,10)) AS estimated_cost,
            CASE WHEN coalesce(upper(a_cost_currency), 'USD') = 'USD'
                 THEN CAST(TRY_CAST(a_cost AS DECIMAL(38,12)) AS DECIMAL(38,10)) END AS reported_cost,
            a_tier AS service_tier,
            coalesce(a_geo, CASE WHEN {provider} = 'gcp.vertex_ai' THEN a_region END) AS inference_geo,
            {tok["cache_write_1h"]} AS cache_write_1h_tokens,
            a_instance AS instance_id,
            CAST(NULL AS BOOLEAN) AS priced,
            CASE WHEN status_code IN ('2', 'STATUS_CODE_ERROR') THEN 'error' ELSE 'ok' END AS status,
            a_customer AS customer, a_feature AS feature, a_team AS team, a_env AS env, a_commit AS commit_sha,
            {code_path} AS code_path,
            CAST(json_merge_patch('{{}}', json_object('service.name', a_service, 'span.name', span_name,
                'trace_id', lower(trace_id), 'gen_ai.agent.name', a_agent, 'gen_ai.conversation.id', a_conversation,
                'model_raw', a_model, 'provider_raw', a_provider, 'cost.source', a_cost_origin,
                'cost.currency', CASE WHEN upper(a_cost_currency) <> 'USD' THEN a_cost_currency END,
                'cost.amount', CASE WHEN upper(a_cost_currency) <> 'USD' THEN a_cost END)) AS JSON) AS tags,
            {literal(KIND)} AS source
        FROM otlp_picked WHERE {keep}
        """
    )
    canonicalize_models(con, "ev")
    kept = con.execute("SELECT count(*) FROM ev").fetchall()[0][0]
    warnings = []
    if seen > kept:
        warnings.append(
            f"{seen - kept} of {seen} spans carry no GenAI model-call usage (or are agent/tool/"
            "workflow spans whose usage sums their children) and were skipped"
        )
    foreign = con.execute("SELECT count(*) FROM otlp_picked WHERE upper(a_cost_currency) <> 'USD'").fetchall()
    if foreign[0][0]:
        warnings.append(
            f"{foreign[0][0]} spans report a cost in another currency than USD (kept in tags as cost.amount and "
            "cost.currency; priced from the catalog instead)"
        )
    unknown = con.execute("SELECT count(*) FROM ev WHERE provider = 'unknown'").fetchall()[0][0]
    if unknown:
        warnings.append(
            f"{unknown} spans name no provider (gen_ai.provider.name) and no known model family; "
            "kept with provider 'unknown'"
        )
    return seen, kept, warnings


def import_otel_file(store: Store, path: Path | str, *, catalog: PriceCatalog | None = None) -> ImportResult:
    """Import OTLP JSON trace exports (one ExportTraceServiceRequest per line, one object, or an array)."""
    path = Path(path)
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file", file=str(path))
    digest = sha256_file(path)
    earlier = previous_import(store, KIND, digest)
    if earlier:
        return duplicate_result(store, KIND, path, digest, earlier)
    con = memory_connection()
    try:
        try:
            con.execute(
                "CREATE TABLE otlp_raw AS SELECT row_number() OVER () AS x_SourceRow, json AS j "
                f"FROM read_json_objects({literal(str(path))}, format = 'auto')"
            )
        except duckdb.Error as exc:
            raise reject(path, f"is not OTLP JSON: {str(exc).splitlines()[0][:200]}") from None
        _require_resource_spans(con, str(path))
        _, _, warnings = stage_spans(con, str(path))
        return finish_event_import(
            store,
            con,
            "ev",
            kind=KIND,
            source_file=str(path.resolve()),
            file_hash=digest,
            catalog=catalog,
            warnings=warnings,
        )
    finally:
        con.close()


def _require_resource_spans(con: duckdb.DuckDBPyConnection, source: str) -> None:
    bad = con.execute(
        "SELECT x_SourceRow FROM otlp_raw WHERE json_type(j) <> 'OBJECT' OR json_extract(j, '$.resourceSpans') IS NULL "
        "ORDER BY 1 LIMIT 1"
    ).fetchall()
    if bad:
        raise ImportRejected(
            f"{source}: request {bad[0][0]} is not an OTLP ExportTraceServiceRequest (no resourceSpans)"
            + (elsewhere(Path(source), "otel") if Path(source).is_file() else "")
            + "; nothing was imported",
            file=source,
            row=bad[0][0],
        )


def receive_otlp(
    store: Store, body: bytes, *, catalog: PriceCatalog | None = None, peer: str = "otlp"
) -> tuple[ImportResult, int]:
    """Store the GenAI spans of one OTLP/HTTP JSON request body. Returns the import result and spans seen."""
    try:
        text = body.decode("utf-8")
        json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise ImportRejected(
            f"{peer}: the request body is not JSON (send OTLP/HTTP with the JSON encoding)", file=peer
        ) from None
    con = memory_connection()
    try:
        con.execute("CREATE TABLE otlp_raw AS SELECT 1 AS x_SourceRow, CAST(? AS JSON) AS j", [text])
        _require_resource_spans(con, peer)
        seen, _, warnings = stage_spans(con, peer)
        digest = hashlib.sha256(body).hexdigest()
        result = finish_event_import(
            store,
            con,
            "ev",
            kind=KIND,
            source_file=peer,
            file_hash=digest,
            catalog=catalog,
            warnings=warnings,
        )
        return result, seen
    finally:
        con.close()


def make_server(
    store: Store,
    host: str,
    port: int,
    *,
    catalog: PriceCatalog | None = None,
    log: Callable[[str], None] | None = None,
) -> ThreadingHTTPServer:
    """An OTLP/HTTP JSON receiver (POST /v1/traces). Writes are serialised: one short transaction each."""
    write_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "spendscope-otel"

        def _reply(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("", "/health"):
                self._reply(200, {"status": "ok", "traces": "/v1/traces"})
            else:
                self._reply(404, {"code": 5, "message": "not found; POST OTLP JSON to /v1/traces"})

        def do_POST(self) -> None:
            if self.path.split("?")[0].rstrip("/") != "/v1/traces":
                self._reply(404, {"code": 5, "message": "only /v1/traces is served (traces, JSON encoding)"})
                return
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self._reply(413, {"code": 3, "message": f"request larger than {MAX_BODY} bytes"})
                return
            body = self.rfile.read(length)
            ctype = (self.headers.get("content-type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                self._reply(
                    415,
                    {
                        "code": 3,
                        "message": "only the OTLP JSON encoding is accepted: set "
                        "OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
                    },
                )
                return
            if (self.headers.get("content-encoding") or "").lower() == "gzip":
                try:
                    body = gzip.decompress(body)
                except OSError:
                    self._reply(400, {"code": 3, "message": "the gzip body could not be decompressed"})
                    return
            peer = f"otlp://{self.client_address[0]}/v1/traces"
            try:
                with write_lock:
                    result, seen = receive_otlp(store, body, catalog=catalog, peer=peer)
            except ImportRejected as exc:
                self._reply(400, {"code": 3, "message": exc.message})
                return
            except StoreBusy as exc:
                self._reply(503, {"code": 14, "message": exc.message}, {"retry-after": "5"})
                return
            except SpendscopeError as exc:
                self._reply(500, {"code": 13, "message": exc.message})
                return
            except Exception:  # noqa: BLE001 - never a traceback to the exporter
                self._reply(
                    500, {"code": 13, "message": "the spans could not be stored; see the receiver's log"}
                )
                return
            if log:
                log(f"{peer}: {seen} spans, {result.rows_inserted} new usage events")
            self._reply(200, {})

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)
