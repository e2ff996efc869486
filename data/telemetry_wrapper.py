"""The duck-typed wrapper behind `data.telemetry.instrument`: proxies an anthropic/openai client, records each
model call (and each stream when it ends) as a usage event dict, and hands it to a recorder. It reads model,
usage, timing and what the price depends on (the service tier the response says it ran at, the inference
geography, 1-hour cache writes, a cost the response reports) from responses, stream events and stream
snapshots, never their content, and imports neither SDK.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import inspect
import logging
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

from spendscope.data.naming import canonical_model

log = logging.getLogger("spendscope.telemetry")


class EventSink(Protocol):
    defaults: dict[str, str]

    def record(self, event: dict[str, Any]) -> None: ...


KIND = "telemetry"  # usage_events.source of wrapper events
CALLER_TAGS = ("customer", "feature", "team", "env", "commit")
_COLUMN_OF = {"commit": "commit_sha"}
CALLER_CONTEXT: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("spendscope_tags")

# Operations recorded per SDK ("flavor"); every other attribute passes through untouched.
WRAPPED: dict[str, frozenset[str]] = {
    "anthropic": frozenset(
        {"messages.create", "messages.stream", "beta.messages.create", "beta.messages.stream"}
    ),
    "openai": frozenset(
        {
            "chat.completions.create",
            "chat.completions.parse",
            "chat.completions.stream",
            "responses.create",
            "responses.parse",
            "responses.stream",
            "embeddings.create",
            "completions.create",
        }
    ),
}
# frames of these packages are not the caller
_SKIP_TOP = frozenset(
    {
        "anthropic",
        "openai",
        "httpx",
        "httpx2",
        "contextlib",
        "asyncio",
        "anyio",
        "functools",
        "typing_extensions",
    }
)


def flavor_of(client: Any) -> tuple[str, str]:
    """('anthropic' | 'openai', OpenTelemetry provider name) of a client, from its class (no SDK import)."""
    module = type(client).__module__.split(".")[0]
    name = type(client).__name__
    if module == "anthropic":
        if "Bedrock" in name:
            return "anthropic", "aws.bedrock"
        if "Vertex" in name:
            return "anthropic", "gcp.vertex_ai"
        if "Foundry" in name or "Azure" in name:
            return "anthropic", "azure.ai.inference"
        return "anthropic", "anthropic"
    if module == "openai":
        return "openai", "azure.ai.openai" if "Azure" in name else "openai"
    raise TypeError(f"instrument() takes an anthropic or openai client, not {type(client).__module__}.{name}")


def geo_of(client: Any) -> str | None:
    """The inference geography a client pins: AnthropicVertex's region (`global` or a location)."""
    region = getattr(client, "region", None)
    return region if isinstance(region, str) and region else None


class Ctx:
    __slots__ = ("flavor", "provider", "recorder", "tags", "geo")

    def __init__(
        self, flavor: str, provider: str, recorder: EventSink, tags: dict[str, str], geo: str | None = None
    ) -> None:
        self.flavor, self.provider, self.recorder, self.tags, self.geo = flavor, provider, recorder, tags, geo


class Proxy:
    """Passes everything through, except the recorded operations."""

    def __init__(self, target: Any, path: tuple[str, ...], ctx: Ctx) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_ctx", ctx)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if name in ("with_options", "copy") and not self._path and callable(attr):
            # a derived client (client.with_options(timeout=5).messages.create(...)) stays instrumented
            def rewrap(*args: Any, **kwargs: Any) -> Any:
                derived = attr(*args, **kwargs)
                ctx = self._ctx
                return Proxy(
                    derived, (), Ctx(ctx.flavor, ctx.provider, ctx.recorder, ctx.tags, geo_of(derived))
                )

            return rewrap
        path = (*self._path, name)
        key = ".".join(path)
        ops = WRAPPED[self._ctx.flavor]
        if key in ops and callable(attr):
            return _wrap_method(attr, key, self._ctx)
        if any(op.startswith(key + ".") for op in ops):
            return Proxy(attr, path, self._ctx)
        return attr

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __repr__(self) -> str:
        return f"instrumented({self._target!r})"

    def __enter__(self) -> Any:
        self._target.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._target.__exit__(*exc)

    async def __aenter__(self) -> Any:
        await self._target.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._target.__aexit__(*exc)


def _wrap_method(method: Any, op: str, ctx: Ctx) -> Any:
    if op.endswith(".stream"):

        def stream_helper(*args: Any, **kwargs: Any) -> Any:
            call = _Call(ctx, op, kwargs, stream=True)
            try:
                manager = method(*args, **kwargs)
            except BaseException as exc:
                call.fail(exc)
                raise
            return _ManagerProxy(manager, call)

        return stream_helper

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = _Call(ctx, op, kwargs, stream=bool(kwargs.get("stream")))
        try:
            result = method(*args, **kwargs)
        except BaseException as exc:
            call.fail(exc)
            raise
        if inspect.isawaitable(result):
            return _await(result, call)
        return call.returned(result)

    return wrapper


async def _await(awaitable: Any, call: _Call) -> Any:
    try:
        result = await awaitable
    except BaseException as exc:
        call.fail(exc)
        raise
    return call.returned(result)


def _get(obj: Any, *names: str) -> Any:
    """obj.a.b... for objects or dicts; None when any step is missing."""
    for name in names:
        if obj is None:
            return None
        obj = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    return obj


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _caller() -> str | None:
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.split(".")[0] not in _SKIP_TOP and not module.startswith("spendscope.data.telemetry"):
            return f"{module}:{frame.f_code.co_qualname}"
        frame = frame.f_back
    return None


class _Call:
    """One recorded API call: collects model and usage, and records exactly once."""

    def __init__(self, ctx: Ctx, op: str, kwargs: dict[str, Any], *, stream: bool) -> None:
        self.ctx, self.op, self.stream = ctx, op, stream
        self.ts = dt.datetime.now(dt.UTC)
        self.t0 = time.perf_counter()
        self.first_event: float | None = None
        self.model = kwargs.get("model") if isinstance(kwargs.get("model"), str) else None
        self.usage: dict[str, int] | None = None
        # what the price depends on: the response's word wins over the request's
        self.requested_tier = (
            kwargs.get("service_tier") if isinstance(kwargs.get("service_tier"), str) else None
        )
        self.tier: str | None = None
        geo = kwargs.get("inference_geo")
        self.geo: str | None = geo if isinstance(geo, str) else ctx.geo
        self.cost: float | None = None
        self.done = False
        try:
            self.code_path = _caller()
        except Exception:  # noqa: BLE001
            self.code_path = None
        self.tags = {**ctx.recorder.defaults, **ctx.tags, **CALLER_CONTEXT.get({})}

    # results ---------------------------------------------------------------------------------------------
    def returned(self, result: Any) -> Any:
        if (
            self.stream
            and (hasattr(result, "__iter__") or hasattr(result, "__aiter__"))
            and not hasattr(result, "usage")
        ):
            return _StreamProxy(result, self)
        self.observe(result)
        self.finish("ok")
        return result

    def fail(self, exc: BaseException) -> None:
        self.tags = {**self.tags, "error_type": type(exc).__name__}
        self.finish("error")

    def observe(self, obj: Any) -> None:
        """Take model and usage from a response, a stream event or a snapshot (never its content)."""
        try:
            self._observe(obj)
        except Exception:  # noqa: BLE001 - telemetry must never break the caller
            log.debug("spendscope telemetry: could not read usage from %s", type(obj).__name__)

    def _observe(self, obj: Any) -> None:
        if self.first_event is None and self.stream:
            self.first_event = time.perf_counter()
        kind = _get(obj, "type")
        if kind == "chunk" and _get(obj, "chunk") is not None:  # openai helper stream event
            obj = _get(obj, "chunk")
        if kind in ("message_start",):
            self._model(_get(obj, "message", "model"))
            self._usage(_get(obj, "message", "usage"), merge=True)
            return
        if kind == "message_delta":
            self._usage(_get(obj, "usage"), merge=True)
            return
        if isinstance(kind, str) and kind.startswith("response.") and _get(obj, "response") is not None:
            self._model(_get(obj, "response", "model"))
            self._tier(_get(obj, "response", "service_tier"))
            self._usage(_get(obj, "response", "usage"))
            return
        self._model(_get(obj, "model"))
        self._tier(_get(obj, "service_tier"))  # OpenAI: on the response (and on each stream chunk)
        self._usage(_get(obj, "usage"))

    def _model(self, model: Any) -> None:
        if isinstance(model, str) and model:
            self.model = model

    def _tier(self, tier: Any) -> None:
        if isinstance(tier, str) and tier:
            self.tier = tier

    def _extras(self, u: Any) -> None:
        """Anthropic's usage names the tier and geography it ran at; some gateways report the cost."""
        self._tier(_get(u, "service_tier"))
        geo = _get(u, "inference_geo")
        if isinstance(geo, str) and geo:
            self.geo = geo
        cost = _get(u, "cost")
        if isinstance(cost, int | float) and not isinstance(cost, bool) and cost >= 0:
            self.cost = float(cost)

    def _usage(self, u: Any, merge: bool = False) -> None:
        if u is None:
            return
        self._extras(u)
        if _get(u, "prompt_tokens") is not None:  # OpenAI chat completions / embeddings / completions
            cached = _int(_get(u, "prompt_tokens_details", "cached_tokens"))
            write = _int(_get(u, "prompt_tokens_details", "cache_write_tokens"))
            reasoning = _int(_get(u, "completion_tokens_details", "reasoning_tokens"))
            new = {
                "input_tokens": max(_int(_get(u, "prompt_tokens")) - cached - write, 0),
                "cached_input_tokens": cached,
                "cache_write_tokens": write,
                "output_tokens": max(_int(_get(u, "completion_tokens")) - reasoning, 0),
                "reasoning_tokens": reasoning,
            }
        elif self.ctx.flavor == "openai":  # Responses API: input_tokens include cached ones
            cached = _int(_get(u, "input_tokens_details", "cached_tokens"))
            reasoning = _int(_get(u, "output_tokens_details", "reasoning_tokens"))
            new = {
                "input_tokens": max(_int(_get(u, "input_tokens")) - cached, 0),
                "cached_input_tokens": cached,
                "cache_write_tokens": 0,
                "output_tokens": max(_int(_get(u, "output_tokens")) - reasoning, 0),
                "reasoning_tokens": reasoning,
            }
        else:  # Anthropic: input_tokens already exclude cache reads and writes
            thinking = _int(_get(u, "output_tokens_details", "thinking_tokens"))
            write = _get(u, "cache_creation_input_tokens")
            one_hour = _get(u, "cache_creation", "ephemeral_1h_input_tokens")
            if write is None and _get(u, "cache_creation") is not None:
                write = _int(_get(u, "cache_creation", "ephemeral_5m_input_tokens")) + _int(one_hour)
            raw = {
                "input_tokens": _get(u, "input_tokens"),
                "cached_input_tokens": _get(u, "cache_read_input_tokens"),
                "cache_write_tokens": write,
                "output_tokens": _get(u, "output_tokens"),
            }
            if merge and self.usage:  # stream: message_delta carries cumulative counts, possibly partial
                raw = {k: v if v is not None else self.usage.get(k) for k, v in raw.items()}
                thinking = thinking or self.usage.get("reasoning_tokens", 0)
            out = _int(raw["output_tokens"])
            new = {
                "input_tokens": _int(raw["input_tokens"]),
                "cached_input_tokens": _int(raw["cached_input_tokens"]),
                "cache_write_tokens": _int(raw["cache_write_tokens"]),
                "output_tokens": max(out - thinking, 0),
                "reasoning_tokens": thinking,
                "cache_write_1h_tokens": _int(one_hour)
                if one_hour is not None
                else (self.usage or {}).get("cache_write_1h_tokens", 0),
            }
            if merge and self.usage and raw["output_tokens"] is None:
                new["output_tokens"] = self.usage.get("output_tokens", 0)
        self.usage = new

    def finish(self, status: str) -> None:
        if self.done:
            return
        self.done = True
        try:
            elapsed = (time.perf_counter() - self.t0) * 1000.0
            extra = {k: v for k, v in self.tags.items() if k not in CALLER_TAGS}
            if self.model:
                extra["model_raw"] = self.model
            if self.stream:
                extra["stream"] = "true"
                if self.first_event is not None:
                    extra["ttft_ms"] = f"{(self.first_event - self.t0) * 1000.0:.1f}"
            if status == "ok" and self.usage is None:
                status = "no_usage"  # e.g. an OpenAI stream without stream_options={"include_usage": True}
            event = {
                "event_id": uuid.uuid4().hex,
                "ts": self.ts.isoformat(),
                "provider": self.ctx.provider,
                "model": canonical_model(self.model),
                "operation": self.op,
                **(
                    self.usage
                    or dict.fromkeys(
                        (
                            "input_tokens",
                            "output_tokens",
                            "cached_input_tokens",
                            "cache_write_tokens",
                            "reasoning_tokens",
                        ),
                        0,
                    )
                ),
                "requests": 1,
                "latency_ms": round(elapsed, 3),
                "estimated_cost": None,
                "reported_cost": self.cost,
                "service_tier": self.tier or self.requested_tier,
                "inference_geo": self.geo,
                "priced": None,
                "status": status,
                **{_COLUMN_OF.get(k, k): self.tags.get(k) for k in CALLER_TAGS},
                "code_path": self.code_path,
                "tags": extra,
                "source": KIND,
            }
            self.ctx.recorder.record(event)
        except Exception:  # noqa: BLE001
            log.debug("spendscope telemetry: could not record a call")


class _StreamProxy:
    """A `stream=True` result: yields the provider's events unchanged, noting usage on the way."""

    def __init__(self, stream: Any, call: _Call) -> None:
        self._stream = stream
        self._call = call
        self._iter: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __iter__(self) -> Iterator[Any]:
        try:
            for event in self._stream:
                self._call.observe(event)
                yield event
        except GeneratorExit:
            self._call.finish("incomplete")  # the caller stopped reading early
            raise
        except BaseException as exc:
            self._call.fail(exc)
            raise
        finally:
            self._call.finish("ok")

    def __next__(self) -> Any:
        if self._iter is None:
            self._iter = iter(self)
        return next(self._iter)

    async def __aiter__(self) -> Any:
        try:
            async for event in self._stream:
                self._call.observe(event)
                yield event
        except GeneratorExit:
            self._call.finish("incomplete")  # the caller stopped reading early
            raise
        except BaseException as exc:
            self._call.fail(exc)
            raise
        finally:
            self._call.finish("ok")

    async def __anext__(self) -> Any:
        if self._iter is None:
            self._iter = self.__aiter__()
        return await self._iter.__anext__()

    def __enter__(self) -> _StreamProxy:
        self._stream.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        try:
            return self._stream.__exit__(*exc)
        finally:
            self._call.finish("ok")

    async def __aenter__(self) -> _StreamProxy:
        await self._stream.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        try:
            return await self._stream.__aexit__(*exc)
        finally:
            self._call.finish("ok")

    def close(self) -> Any:
        try:
            return self._stream.close()
        finally:
            self._call.finish("ok")


_FINAL_METHODS = ("get_final_message", "get_final_completion", "get_final_response")
_SNAPSHOTS = ("current_message_snapshot", "current_completion_snapshot")


class _HelperStream(_StreamProxy):
    """The stream object of a `.stream()` helper: as _StreamProxy, plus its final-result methods."""

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._stream, name)
        if name in _FINAL_METHODS and callable(attr):

            def final(*args: Any, **kwargs: Any) -> Any:
                result = attr(*args, **kwargs)
                if inspect.isawaitable(result):
                    return self._observe_async(result)
                self._call.observe(result)
                return result

            return final
        return attr

    async def _observe_async(self, awaitable: Any) -> Any:
        result = await awaitable
        self._call.observe(result)
        return result

    def snapshot(self) -> None:
        for name in _SNAPSHOTS:
            try:
                snap = getattr(self._stream, name, None)
            except Exception:  # noqa: BLE001 - no snapshot yet (nothing received)
                snap = None
            if snap is not None:
                self._call.observe(snap)
                return


class _ManagerProxy:
    """A `.stream()` helper's context manager: records the call when the block ends."""

    def __init__(self, manager: Any, call: _Call) -> None:
        self._manager = manager
        self._call = call
        self._stream: _HelperStream | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    def __enter__(self) -> _HelperStream:
        self._stream = _HelperStream(self._manager.__enter__(), self._call)
        return self._stream

    def __exit__(self, *exc: Any) -> Any:
        self._end(exc[1])
        return self._manager.__exit__(*exc)

    async def __aenter__(self) -> _HelperStream:
        self._stream = _HelperStream(await self._manager.__aenter__(), self._call)
        return self._stream

    async def __aexit__(self, *exc: Any) -> Any:
        self._end(exc[1])
        return await self._manager.__aexit__(*exc)

    def _end(self, error: BaseException | None) -> None:
        if self._stream is not None:
            self._stream.snapshot()
        if error is not None:
            self._call.fail(error)
        else:
            self._call.finish("ok")
