"""The telemetry wrapper, driven through the REAL anthropic and openai SDKs against a local fake API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from fake_provider_apis import FakeModels, FakeServer
from spendscope.data.store import Store
from spendscope.data.telemetry import Recorder, flush_spool, instrument, tags

SONNET = "claude-sonnet-4-6"


@pytest.fixture
def api() -> Iterator[tuple[FakeModels, str]]:
    fake = FakeModels()
    with FakeServer(fake.route) as srv:
        yield fake, srv.url


@pytest.fixture
def recorder(store: Store, tmp_path: Path) -> Iterator[Recorder]:
    rec = Recorder(store, tmp_path / "spool", defaults={"team": "search", "env": "test"}, flush_interval=0.2)
    yield rec
    rec.close()


@pytest.fixture
def sdk(api, recorder) -> Iterator[Any]:
    """Build instrumented sync clients of the real SDKs against the fake; closes them afterwards."""
    fake, url = api
    made: list[Any] = []

    def make(kind: str, rec: Recorder | None = None, **tags_: str) -> Any:
        raw = (
            anthropic.Anthropic(base_url=url, api_key="test", max_retries=0)
            if kind == "anthropic"
            else openai.OpenAI(base_url=url + "/v1", api_key="test", max_retries=0)
        )
        made.append(raw)
        return instrument(raw, rec or recorder, **tags_)

    yield make
    for raw in made:
        raw.close()


def _events(store: Store) -> list[dict[str, Any]]:
    with store.reader() as con:
        cur = con.execute("SELECT * FROM usage_events ORDER BY ts")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _only(store: Store, recorder: Recorder) -> dict[str, Any]:
    assert recorder.flush(10)
    events = _events(store)
    assert len(events) == 1, events
    return events[0]


def _tokens(e: dict[str, Any]) -> tuple[int, ...]:
    return (
        e["input_tokens"],
        e["cached_input_tokens"],
        e["cache_write_tokens"],
        e["output_tokens"],
        e["reasoning_tokens"],
    )


def _no_text(store: Store) -> None:
    with store.reader() as con:
        dump = json.dumps([list(map(str, r)) for r in con.execute("SELECT * FROM usage_events").fetchall()])
    assert "SECRET" not in dump and "PROMPT" not in dump


def test_anthropic_call_records_tokens_tags_code_path_and_estimated_cost(api, recorder, store, sdk) -> None:
    fake, url = api
    client = sdk("anthropic", feature="answers")
    with tags(customer="acme", commit="abc123", ticket="T-9"):
        msg = client.messages.create(
            model=SONNET, max_tokens=100, messages=[{"role": "user", "content": "SECRET-PROMPT"}]
        )
    assert msg.content[0].text == "SECRET-COMPLETION"
    e = _only(store, recorder)
    assert (e["provider"], e["model"], e["operation"], e["status"]) == (
        "anthropic",
        SONNET,
        "messages.create",
        "ok",
    )
    assert _tokens(e) == (120, 1000, 200, 45, 0)
    assert (e["customer"], e["feature"], e["team"], e["env"], e["commit_sha"]) == (
        "acme",
        "answers",
        "search",
        "test",
        "abc123",
    )
    assert json.loads(e["tags"])["ticket"] == "T-9"
    assert (
        e["code_path"] == f"{__name__}:test_anthropic_call_records_tokens_tags_code_path_and_estimated_cost"
    )
    assert e["priced"] is True and e["estimated_cost"] > 0 and e["latency_ms"] > 0
    assert e["source"] == "telemetry"
    _no_text(store)


def test_anthropic_raw_stream_is_passed_through_and_recorded_when_it_ends(api, recorder, store, sdk) -> None:
    fake, url = api
    client = sdk("anthropic")
    stream = client.messages.create(
        model=SONNET, max_tokens=100, stream=True, messages=[{"role": "user", "content": "SECRET-PROMPT"}]
    )
    types = [event.type for event in stream]
    assert types[0] == "message_start" and types[-1] == "message_stop"
    e = _only(store, recorder)
    assert _tokens(e) == (120, 1000, 200, 45, 0)
    assert json.loads(e["tags"])["stream"] == "true"
    _no_text(store)


def test_a_stream_abandoned_early_is_recorded_as_incomplete_with_the_usage_seen(
    api, recorder, store, sdk
) -> None:
    fake, url = api
    client = sdk("anthropic")
    stream = client.messages.create(
        model=SONNET, max_tokens=100, stream=True, messages=[{"role": "user", "content": "x"}]
    )
    for event in stream:
        assert event.type == "message_start"
        break
    e = _only(store, recorder)
    assert e["status"] == "incomplete" and (e["input_tokens"], e["cached_input_tokens"]) == (120, 1000)


def test_anthropic_stream_helper_is_recorded_from_its_final_snapshot(api, recorder, store, sdk) -> None:
    fake, url = api
    client = sdk("anthropic")
    with client.messages.stream(
        model=SONNET, max_tokens=100, messages=[{"role": "user", "content": "SECRET-PROMPT"}]
    ) as stream:
        text = "".join(stream.text_stream)
    assert text == "SECRET-COMPLETION"
    e = _only(store, recorder)
    assert (e["operation"], _tokens(e)) == ("messages.stream", (120, 1000, 200, 45, 0))


def test_async_anthropic_client_create_and_stream_are_recorded(api, recorder, store, sdk) -> None:
    fake, url = api

    async def run() -> None:
        client = instrument(anthropic.AsyncAnthropic(base_url=url, api_key="test", max_retries=0), recorder)
        with tags(customer="globex"):
            await client.messages.create(
                model=SONNET, max_tokens=10, messages=[{"role": "user", "content": "x"}]
            )
            stream = await client.messages.create(
                model=SONNET, max_tokens=10, stream=True, messages=[{"role": "user", "content": "x"}]
            )
            async for _ in stream:
                pass
        await client.close()

    asyncio.run(run())
    assert recorder.flush(10)
    events = _events(store)
    assert [(_tokens(e), e["customer"]) for e in events] == [((120, 1000, 200, 45, 0), "globex")] * 2


def test_openai_chat_completion_normalises_cached_and_reasoning_tokens(api, recorder, store, sdk) -> None:
    fake, url = api
    client = sdk("openai")
    out = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "SECRET-PROMPT"}]
    )
    assert out.choices[0].message.content == "SECRET-COMPLETION"
    e = _only(store, recorder)
    assert (e["provider"], e["model"], e["operation"]) == ("openai", "gpt-4o-mini", "chat.completions.create")
    # prompt 300 incl. 100 cached -> input 200; completion 80 incl. 30 reasoning -> output 50
    assert _tokens(e) == (200, 100, 0, 50, 30)
    assert json.loads(e["tags"])["model_raw"] == "gpt-4o-mini-2024-07-18"
    assert e["priced"] is True
    _no_text(store)


def test_anthropic_usage_gives_the_tier_geography_and_one_hour_cache_writes_it_ran_with(
    api, recorder, store, sdk
) -> None:
    client = sdk("anthropic")
    client.messages.create(
        model="claude-opus-4-6",
        max_tokens=100,
        service_tier="auto",
        messages=[{"role": "user", "content": "SECRET-PROMPT"}],
        extra_body={"inference_geo": "us"},
    )
    e = _only(store, recorder)
    # the response's usage says: Priority Tier, US-only inference, 150 of 200 cache writes for an hour
    assert (e["service_tier"], e["inference_geo"], e["cache_write_1h_tokens"]) == ("priority", "us", 150)
    # Claude Opus 4.6 at list ($5 in, $25 out, $0.50 cache read, $6.25 / $10 cache write 5m / 1h) x 1.1 (US only)
    per_m = 120 * 5 + 45 * 25 + 1000 * 0.5 + 50 * 6.25 + 150 * 10
    assert float(e["estimated_cost"]) == pytest.approx(per_m * 1.1 / 1e6, rel=1e-9)


def test_openai_response_service_tier_prices_the_call_at_flex(api, recorder, store, sdk) -> None:
    client = sdk("openai")
    client.chat.completions.create(
        model="o4-mini", service_tier="flex", messages=[{"role": "user", "content": "SECRET-PROMPT"}]
    )
    e = _only(store, recorder)
    assert e["service_tier"] == "flex"
    # o4-mini flex: $0.55 input, $0.138 cached input, $2.20 output (reasoning billed as output)
    assert float(e["estimated_cost"]) == pytest.approx((200 * 0.55 + 100 * 0.138 + 80 * 2.2) / 1e6, rel=1e-9)


def test_clients_derived_with_with_options_stay_instrumented(api, recorder, store, sdk) -> None:
    fake, url = api
    client = sdk("anthropic", feature="derived")
    client.with_options(timeout=20).messages.create(
        model=SONNET, max_tokens=5, messages=[{"role": "user", "content": "x"}]
    )
    e = _only(store, recorder)
    assert (e["feature"], _tokens(e)) == ("derived", (120, 1000, 200, 45, 0))


def test_openai_chat_stream_with_usage_is_recorded_and_without_usage_is_flagged(
    api, recorder, store, sdk
) -> None:
    fake, url = api
    client = sdk("openai")
    msgs = [{"role": "user", "content": "SECRET-PROMPT"}]
    with_usage = client.chat.completions.create(
        model="gpt-4o-mini", messages=msgs, stream=True, stream_options={"include_usage": True}
    )
    text = "".join(c.choices[0].delta.content or "" for c in with_usage if c.choices)
    without = client.chat.completions.create(model="gpt-4o-mini", messages=msgs, stream=True)
    for _ in without:
        pass
    assert text == "SECRET-COMPLETION"
    assert recorder.flush(10)
    events = {e["status"]: e for e in _events(store)}
    assert _tokens(events["ok"]) == (200, 100, 0, 50, 30)
    assert _tokens(events["no_usage"]) == (0, 0, 0, 0, 0)
    assert "stream_options" not in fake.bodies[-1]  # the wrapper never changes the request
    _no_text(store)


def test_openai_responses_stream_and_embeddings_are_recorded(api, recorder, store, sdk) -> None:
    fake, url = api
    client = sdk("openai")
    events = list(client.responses.create(model="gpt-4.1-mini", input="SECRET-PROMPT", stream=True))
    assert events[-1].type == "response.completed"
    client.embeddings.create(model="text-embedding-3-small", input="SECRET-PROMPT")
    assert recorder.flush(10)
    got = {e["operation"]: _tokens(e) for e in _events(store)}
    assert got == {"responses.create": (300, 200, 0, 50, 40), "embeddings.create": (12, 0, 0, 0, 0)}
    _no_text(store)


def test_async_openai_client_is_recorded(api, recorder, store, sdk) -> None:
    fake, url = api

    async def run() -> None:
        client = instrument(openai.AsyncOpenAI(base_url=url + "/v1", api_key="test", max_retries=0), recorder)
        await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            stream=True,
            stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "x"}],
        )
        async for _ in stream:
            pass
        await client.close()

    asyncio.run(run())
    assert recorder.flush(10)
    assert [_tokens(e) for e in _events(store)] == [(200, 100, 0, 50, 30)] * 2


def test_a_failing_call_raises_the_sdk_error_unchanged_and_is_recorded_as_an_error(
    api, recorder, store, sdk
) -> None:
    fake, url = api
    client = sdk("anthropic")
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(
            model="no-such-model", max_tokens=1, messages=[{"role": "user", "content": "x"}]
        )
    e = _only(store, recorder)
    assert e["status"] == "error" and json.loads(e["tags"])["error_type"] == "NotFoundError"


class _SlowStore(Store):
    """A real store whose writes wait until the test lets them go (another process holding the lock)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release = threading.Event()
        self.released_in_time: list[bool] = []

    @contextlib.contextmanager
    def attached_writer(self, con: Any, alias: str = "store") -> Iterator[str]:
        self.released_in_time.append(self.release.wait(30))
        with super().attached_writer(con, alias) as db:
            yield db


def test_a_slow_store_never_slows_the_callers_request(api, store, tmp_path, sdk) -> None:
    fake, url = api
    slow = _SlowStore(store.path)
    rec = Recorder(slow, tmp_path / "spool", flush_interval=0.05)
    client = sdk("openai", rec)
    for _ in range(5):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
    # The calls returned while every write waited for this: a call that waited for
    # the store would have held its write back until the 30 s wait gave up.
    slow.release.set()
    rec.close()
    assert all(slow.released_in_time)
    assert len(_events(store)) == 5


def test_a_broken_store_spools_events_that_telemetry_flush_imports_once(api, tmp_path, sdk) -> None:
    fake, url = api
    blocked = tmp_path / "not-a-store"
    blocked.mkdir()  # a directory where the store file should be: every write fails
    spool = tmp_path / "spool"
    rec = Recorder(Store(blocked, lock_timeout=1), spool, flush_interval=0.05)
    client = sdk("anthropic", rec)
    with tags(customer="initech"):
        for _ in range(3):
            client.messages.create(
                model=SONNET, max_tokens=1, messages=[{"role": "user", "content": "SECRET-PROMPT"}]
            )
    rec.close()
    assert rec.stats.spooled == 3 and rec.stats.written == 0
    files = list(spool.glob("telemetry-*.jsonl"))
    assert files and "SECRET" not in "".join(f.read_text(encoding="utf-8") for f in files)

    good = Store(tmp_path / "good.duckdb")
    first = flush_spool(good, spool)
    assert (first.events_inserted, first.failed, list(spool.glob("*.jsonl"))) == (3, [], [])
    events = _events(good)
    assert {e["customer"] for e in events} == {"initech"} and all(e["priced"] for e in events)
    assert flush_spool(good, spool).events_inserted == 0


def test_cli_telemetry_flush_imports_the_spool_of_the_state_dir(tmp_path) -> None:
    from typer.testing import CliRunner

    from spendscope.cli import app

    spool = tmp_path / "state" / "spool"
    spool.mkdir(parents=True)
    event = {
        "event_id": "e1",
        "ts": "2026-11-20T10:00:00+00:00",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "input_tokens": 10,
        "output_tokens": 5,
        "status": "ok",
        "tags": {},
        "source": "telemetry",
    }
    (spool / "telemetry-20261120T100000-1-abcd.jsonl").write_text(json.dumps(event) + "\n", encoding="utf-8")
    db = tmp_path / "t.duckdb"
    out = CliRunner().invoke(
        app, ["telemetry", "flush", "--db", str(db)], env={"SPENDSCOPE_STATE_DIR": str(tmp_path / "state")}
    )
    assert out.exit_code == 0, out.output
    assert "1 events" in out.output
    assert [e["event_id"] for e in _events(Store(db))] == ["e1"]


def test_data_telemetry_imports_neither_sdk() -> None:
    code = "import sys, data.telemetry; print(sorted(m for m in ('anthropic', 'openai') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "[]"
