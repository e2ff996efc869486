"""Simulating the demo company day by day: token traffic per workload, env and customer (with weekly
seasonality, growth, noise and the injected anomalies), the bill it produces (FOCUS rows), the telemetry the
app records about it (usage events), GPU instances with their utilisation samples, and the PTU commitment.

Everything comes from `random.Random` streams seeded from the one `seed`, in a fixed order, so the same
(seed, start, end) always gives the same rows. Token prices come from the price catalog, the same prices the
events importer uses for its estimates, so telemetry tracks the bill up to the events the app failed to record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from spendscope.data.demo_focus import commitment_rows, gpu_row, token_row
from spendscope.data.demo_world import (
    CUSTOMERS,
    GPU_INSTANCES,
    MODELS,
    PROVIDERS,
    PTU,
    SELF_HOSTED,
    SELF_HOSTED_PROVIDER,
    TOKEN_TYPES,
    WORKLOADS,
    GpuInstance,
    Workload,
)
from spendscope.data.errors import InvalidArgument
from spendscope.data.prices import PriceCatalog, TierPrice

CENT = Decimal("0.01")
MIN_DAYS, MAX_DAYS = 62, 730  # two months: room for the anomalies and one whole month to summarise
SWAP_TO = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
EC2_SERVICE = "Amazon Elastic Compute Cloud"
# share of a day's requests per UTC hour (a product used mostly from the Americas and Europe)
HOURLY = (2, 1.5, 1, 1, 1, 1.5, 2, 3, 4, 5, 6, 6, 6, 7, 8, 8, 8, 7, 6, 5, 4, 3, 3, 2.5)


@dataclass
class Label:
    """One injected anomaly: ground truth for scoring detectors (table anomaly_labels)."""

    label_id: str
    day: dt.date
    end_day: dt.date
    dimension: str
    value: str
    kind: str
    description: str
    impact: Decimal = Decimal(0)


@dataclass
class DemoData:
    start: dt.date
    end: dt.date
    cost_rows: list[dict[str, str | None]] = field(default_factory=list)
    events: list[dict[str, object]] = field(default_factory=list)
    gpu_samples: list[tuple[object, ...]] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


@dataclass(frozen=True)
class Schedule:
    """Day indexes (inclusive) of each injected anomaly."""

    spike: tuple[int, int]
    spike_customer: str
    runaway: tuple[int, int]
    swap: tuple[int, int]
    finetune_launch: int
    cache: tuple[int, int]


def _weekday_on_or_after(start: dt.date, i: int, n: int) -> int:
    """Index i moved forward to the next Monday-Thursday (so a 2-day incident falls on working days)."""
    while (start + dt.timedelta(days=i)).weekday() > 3 and i < n - 3:
        i += 1
    return i


def make_schedule(start: dt.date, n: int, rng: random.Random, spike_customer: str) -> Schedule:
    def at(frac: float) -> int:
        return max(1, min(n - 10, round(frac * n) + rng.randint(-2, 2)))

    runaway = _weekday_on_or_after(start, at(0.56), n)
    spike, swap, launch, cache = at(0.42), at(0.66), at(0.74), at(0.92)
    return Schedule(
        spike=(spike, spike + 2),
        spike_customer=spike_customer,
        runaway=(runaway, runaway + 1),
        swap=(swap, swap + 8),
        finetune_launch=launch,
        cache=(cache, cache + 2),
    )


def _in(i: int, window: tuple[int, int]) -> bool:
    return window[0] <= i <= window[1]


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def _cost(price: TierPrice, tokens: dict[str, int], requests: float = 1) -> Decimal:
    """What `requests` requests with these tokens in total cost at `price` (long-context bands included)."""
    return price.cost(**tokens, requests=max(round(requests), 1))


def _per_token(price: TierPrice, tokens: dict[str, int], requests: float) -> dict[str, Decimal]:
    """Per-token price of each bill line (token kind; a 1-hour cache write is its own line) for a slice."""
    prompt = (tokens.get("input", 0) + tokens.get("cached_input", 0) + tokens.get("cache_write", 0)) / max(
        round(requests), 1
    )
    r = price.rates_for(prompt)
    return {
        "input": r.input,
        "output": r.output,
        "cached_input": r.cached_input,
        "cache_write": r.cache_write,
        "cache_write_1h": r.cache_write_1h,
    }


def _season(day: dt.date, weekend: float) -> float:
    wd = day.weekday()
    return weekend if wd >= 5 else (0.93 if wd == 4 else 1.0)


class _Simulation:
    def __init__(self, start: dt.date, end: dt.date, seed: int) -> None:
        self.start, self.end, self.seed = start, end, seed
        self.n = (end - start).days + 1
        if not MIN_DAYS <= self.n <= MAX_DAYS:
            raise InvalidArgument(
                f"{start} to {end} is {self.n} days; the demo needs {MIN_DAYS} to {MAX_DAYS} days (two months give "
                "it a whole month to summarise)",
                argument="days",
                value=self.n,
            )
        self.days = [start + dt.timedelta(days=i) for i in range(self.n)]
        self.data = DemoData(start=start, end=end)
        self.committed_usd = [0.0] * self.n  # pay-as-you-go value of the PTU's traffic per day
        self.catalog = PriceCatalog()
        for w in WORKLOADS:
            for model in (w.model, SWAP_TO):
                self.price(w, model, start)  # a programming error in demo_world fails here, not mid-way
        world = random.Random(f"{seed}:world")
        order = list(CUSTOMERS)
        world.shuffle(order)
        self.customer_weight = {c: 1 / (rank + 1) ** 0.9 for rank, c in enumerate(order)}
        self.users: dict[str, list[str]] = {}
        for w in WORKLOADS:
            if w.customers:
                self.users[w.name] = sorted(world.sample(order, w.customers), key=order.index)
        spike_customer = self.users[_workload("support-bot").name][2]
        self.schedule = make_schedule(start, self.n, world, spike_customer)
        self.commits = self._commits(world)
        self.labels = self._labels()

    def price(self, w: Workload, model: str, day: dt.date) -> TierPrice:
        """The price the provider bills `w`'s traffic on `model` at on `day`: its tier, geography, date."""
        tel = PROVIDERS[w.provider].telemetry
        p = self.catalog.price(model, tel, on=day, tier=w.tier, geo=w.geo)
        if p is None:  # a programming error in demo_world, never user input
            raise RuntimeError(f"demo model {model} ({tel}) is not in the price catalog")
        return p

    # --- deploys and labels -------------------------------------------------------------------------

    def _commits(self, rng: random.Random) -> list[str]:
        """The commit deployed on each day: a release every 5-11 days plus the incidents' deploys and fixes."""
        s = self.schedule
        deploy_days = {0, s.swap[0], s.swap[1] + 1, s.cache[0], s.cache[1] + 1}
        i = 0
        while i < self.n:
            i += rng.randint(5, 11)
            deploy_days.add(i)
        current, out = "", []
        for i in range(self.n):
            if i in deploy_days:
                current = _sha(rng)
            out.append(current)
        return out

    def _labels(self) -> dict[str, Label]:
        s, d = self.schedule, self.days
        launch = s.finetune_launch
        gpu = next(g for g in GPU_INSTANCES if g.behaviour == "finetune")

        def label(kind: str, window: tuple[int, int], dimension: str, value: str, text: str) -> Label:
            lid = f"demo-{self.seed}-{d[window[0]].isoformat()}-{kind}"
            return Label(lid, d[window[0]], d[window[1]], dimension, value, kind, text)

        return {
            "customer_spike": label(
                "customer_spike",
                s.spike,
                "customer",
                s.spike_customer,
                f"customer {s.spike_customer} sent 6x its usual support-bot traffic for 3 days",
            ),
            "runaway_loop": label(
                "runaway_loop",
                s.runaway,
                "feature",
                "eval-harness",
                "a retry loop in evals/run_suite.py re-ran the eval suite on claude-sonnet-4-5 "
                "about 12x for 2 days",
            ),
            "model_swap": label(
                "model_swap",
                s.swap,
                "feature",
                "ticket-summary",
                "a deploy switched ticket-summary on Bedrock from Claude Haiku 4.5 to Claude "
                "Sonnet 4.5 (3x the price) until it was rolled back 9 days later",
            ),
            "gpu_left_running": label(
                "gpu_left_running",
                (launch + 3, launch + 8),
                "service",
                EC2_SERVICE,
                f"{gpu.instance_type} {gpu.instance_id} ({gpu.name}) was launched for a "
                "3-day fine-tune and left running idle for 5 more days",
            ),
            "cache_regression": label(
                "cache_regression",
                s.cache,
                "feature",
                "support-bot",
                "a deploy put a timestamp in support-bot's system prompt: prompt-cache "
                "reads turned into cache writes for 3 days",
            ),
        }

    # --- token traffic ------------------------------------------------------------------------------

    def _anomalies(
        self, w: Workload, env: str, i: int, customer: str | None
    ) -> tuple[str, float, str | None]:
        """(model, request multiplier, anomaly kind) for one slice of traffic. Draws no random numbers."""
        s = self.schedule
        if w.feature == "support-bot" and env == "prod":
            if customer == s.spike_customer and _in(i, s.spike):
                return w.model, 6.0, "customer_spike"
            if _in(i, s.cache):
                return w.model, 1.0, "cache_regression"
        if w.feature == "eval-harness" and _in(i, s.runaway):
            return w.model, 12.0, "runaway_loop"
        if w.feature == "ticket-summary" and w.tagged and _in(i, s.swap):
            return SWAP_TO, 1.0, "model_swap"
        return w.model, 1.0, None

    def simulate_tokens(self) -> list[tuple]:
        """Per day, workload, env and customer: requests and tokens; fills the bill, returns the slices."""
        rng = random.Random(f"{self.seed}:costs")
        bill: dict[tuple, list] = {}
        slices: list[tuple] = []
        for i, day in enumerate(self.days):
            for w in WORKLOADS:
                usual_price = self.price(w, w.model, day)
                per_request = _cost(usual_price, w.mix)
                usd = w.usd_per_day * (1 + w.growth) ** (i / 30.44) * _season(day, w.weekend)
                usd *= rng.lognormvariate(0, 0.06)
                envs = [(w.env, w.account, usd)]
                if w.staging_account:
                    envs.append(
                        ("staging", w.staging_account, usd * w.staging_share * rng.lognormvariate(0, 0.2))
                    )
                for env, account, env_usd in envs:
                    requests = env_usd / float(per_request)
                    users = self.users.get(w.name) if env == "prod" else None
                    if users:
                        draws = [self.customer_weight[c] * rng.lognormvariate(0, 0.25) for c in users]
                        total = sum(draws)
                        parts = [(c, requests * x / total) for c, x in zip(users, draws, strict=True)]
                    else:
                        parts = [(None, requests)]
                    for customer, req in parts:
                        noise = {t: rng.lognormvariate(0, 0.04) for t in TOKEN_TYPES}
                        model, mult, kind = self._anomalies(w, env, i, customer)
                        for long, mix, share in ((False, w.mix, 1.0), (True, w.long_mix, w.long_share)):
                            if mix is None or not share:
                                continue
                            n_req = req if not long else float(round(req * share))  # whole long requests
                            base = {t: round(n_req * mix[t] * noise[t]) for t in TOKEN_TYPES if t in mix}
                            tokens = (
                                {t: round(n * mult) for t, n in base.items()} if mult != 1 else dict(base)
                            )
                            if kind == "cache_regression":
                                moved = tokens["cached_input"] * 9 // 10
                                tokens["cached_input"] -= moved
                                tokens["cache_write"] += moved
                            if w.cache_1h_share and tokens.get("cache_write"):
                                tokens["cache_write_1h"] = round(tokens["cache_write"] * w.cache_1h_share)
                                base["cache_write_1h"] = round(base.get("cache_write", 0) * w.cache_1h_share)
                            actual = self.price(w, model, day)
                            sent = n_req * mult
                            if kind:
                                self.labels[kind].impact += _cost(actual, tokens, sent) - _cost(
                                    usual_price, base, n_req
                                )
                            if w.committed:  # served by the PTU: no per-token bill rows
                                self.committed_usd[i] += float(_cost(actual, tokens, sent))
                            else:
                                rates = _per_token(actual, tokens, sent)
                                for line, n in _bill_lines(tokens).items():
                                    key = (i, w.name, env, account, model, line, long)
                                    bill.setdefault(key, [0, rates[line]])[0] += n
                            slices.append(
                                (i, w, env, account, customer, model, max(1, round(sent)), tokens, long)
                            )
        by_name = {w.name: w for w in WORKLOADS}
        for (i, name, env, account, model, line, long), (n, price) in bill.items():
            if n <= 0:
                continue
            w = by_name[name]
            tags = _tags(w.team, w.feature, env) if w.tagged else None
            variant = _variant(w, line, long)
            token_type = "cache_write" if line == "cache_write_1h" else line
            self.data.cost_rows.append(
                token_row(
                    self.days[i],
                    PROVIDERS[w.provider],
                    account,
                    MODELS[model],
                    token_type,
                    n,
                    price,
                    tags,
                    w.feature,
                    variant,
                )
            )
        return slices

    # --- telemetry ----------------------------------------------------------------------------------

    def simulate_events(self, slices: list[tuple]) -> None:
        """Usage events for the slices of instrumented workloads; 0-3% of the traffic goes unrecorded."""
        rng = random.Random(f"{self.seed}:events")
        loss: dict[tuple[int, str], float] = {}
        hours = list(range(24))
        for i, w, env, account, customer, model, requests, tokens, long in slices:
            if not w.telemetry:
                continue
            key = (i, w.name)
            if key not in loss:
                loss[key] = rng.uniform(0.0, 0.03)
            k = 2 if requests >= 2000 else 1
            shares = [rng.uniform(0.4, 1.0) for _ in range(k)]
            total = sum(shares)
            m = MODELS[model]
            for j, share in enumerate(shares):
                f = share / total * (1 - loss[key])
                toks = {t: int(n * f) for t, n in tokens.items()}
                req = max(1, int(requests * f))
                hour = rng.choices(hours, HOURLY)[0]
                ts = dt.datetime.combine(self.days[i], dt.time(hour, rng.randrange(60), rng.randrange(60)))
                out_per_req = toks.get("output", 0) / req
                latency = (m.latency_ms + m.ms_per_output_token * out_per_req) * rng.lognormvariate(0, 0.2)
                ident = f"{self.seed}|{self.start}|{self.end}|{i}|{w.name}|{env}|{customer}|{j}"
                ident += "|long" if long else ""
                self.data.events.append(
                    {
                        "event_id": "demo-" + hashlib.sha1(ident.encode()).hexdigest()[:24],
                        "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "provider": PROVIDERS[w.provider].telemetry,
                        "model": model,
                        "operation": w.operation,
                        "input_tokens": toks.get("input", 0),
                        "output_tokens": toks.get("output", 0),
                        "cached_input_tokens": toks.get("cached_input", 0),
                        "cache_write_tokens": toks.get("cache_write", 0),
                        "reasoning_tokens": 0,
                        "cache_write_1h_tokens": toks.get("cache_write_1h", 0),
                        "service_tier": None if w.tier == "standard" else w.tier,
                        "instance_id": None,
                        "requests": req,
                        "latency_ms": round(latency, 1),
                        "status": "ok",
                        "customer": customer,
                        "feature": w.feature,
                        "team": w.team,
                        "env": env,
                        "commit_sha": self.commits[i],
                        "code_path": w.code_path,
                        "tags": {"service": PROVIDERS[w.provider].service, "sub_account": account},
                    }
                )

    def simulate_self_hosted(self) -> None:
        """Usage events of the models served on the demo's own GPU instances (no per-token bill)."""
        rng = random.Random(f"{self.seed}:self-hosted")
        for i, day in enumerate(self.days):
            for s in SELF_HOSTED:
                requests = s.requests_per_day * (1 + s.growth) ** (i / 30.44) * _season(day, s.weekend)
                requests *= rng.lognormvariate(0, 0.08)
                for j, hour in enumerate((3, 9, 15, 21)):
                    req = max(1, round(requests * HOURLY[hour] / sum(HOURLY[h] for h in (3, 9, 15, 21))))
                    ts = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))
                    ident = f"{self.seed}|{self.start}|{self.end}|{i}|{s.model}|{j}"
                    self.data.events.append(
                        {
                            "event_id": "demo-" + hashlib.sha1(ident.encode()).hexdigest()[:24],
                            "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "provider": SELF_HOSTED_PROVIDER,
                            "model": s.model,
                            "operation": s.operation,
                            "input_tokens": round(req * s.mix.get("input", 0) * rng.lognormvariate(0, 0.05)),
                            "output_tokens": round(req * s.mix.get("output", 0)),
                            "cached_input_tokens": 0,
                            "cache_write_tokens": 0,
                            "reasoning_tokens": 0,
                            "cache_write_1h_tokens": 0,
                            "service_tier": None,
                            "instance_id": s.instance_id,
                            "requests": req,
                            "latency_ms": round(35 * rng.lognormvariate(0, 0.2), 1),
                            "status": "ok",
                            "customer": None,
                            "feature": s.feature,
                            "team": s.team,
                            "env": "prod",
                            "commit_sha": self.commits[i],
                            "code_path": s.code_path,
                            "tags": {"service": "vLLM on EC2", "sub_account": "ml-prod"},
                        }
                    )

    # --- GPU instances ------------------------------------------------------------------------------

    def simulate_gpus(self) -> None:
        """Daily instance-hour rows and a sample per GPU every 15 minutes while each instance runs."""
        rng = random.Random(f"{self.seed}:gpu")
        first = dt.datetime.combine(self.start, dt.time(0))
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(0))
        quarter = dt.timedelta(minutes=15)
        for g in GPU_INSTANCES:
            if g.behaviour == "finetune":
                on = dt.datetime.combine(self.days[self.schedule.finetune_launch], dt.time(9))
                off, busy_until = on + dt.timedelta(hours=192), on + dt.timedelta(hours=72)
            else:
                on, off, busy_until = first, after, after
            hours: dict[dt.date, Decimal] = defaultdict(Decimal)
            uuids = [
                "GPU-" + str(uuid.UUID(bytes=hashlib.md5(f"{g.instance_id}/{k}".encode()).digest()))
                for k in range(g.gpus)
            ]
            t = on
            while t < off:
                hours[t.date()] += Decimal("0.25")
                stamp = t.strftime("%Y-%m-%dT%H:%M:%SZ")
                for gpu in range(g.gpus):
                    util, mem, power = _sample(rng, g, t, t < busy_until)
                    self.data.gpu_samples.append(
                        (
                            g.instance_id,
                            g.host,
                            gpu,
                            uuids[gpu],
                            g.gpu_name,
                            stamp,
                            util,
                            mem,
                            g.memory_mib,
                            power,
                        )
                    )
                t += quarter
            for day, h in sorted(hours.items()):
                self.data.cost_rows.append(gpu_row(day, PROVIDERS["ec2"], g, h))
            if g.behaviour == "finetune":
                self.labels["gpu_left_running"].impact += Decimal(120) * g.hourly

    # --- commitment ---------------------------------------------------------------------------------

    def simulate_commitment(self) -> None:
        """The PTU's daily utilisation is the committed traffic over what it could serve at full use."""
        used = [min(0.97, usd / PTU.full_use_payg_per_day) for usd in self.committed_usd]
        self.data.cost_rows.extend(commitment_rows(self.days, used, PROVIDERS["azure"], PTU))

    def run(self) -> DemoData:
        slices = self.simulate_tokens()
        self.simulate_events(slices)
        self.simulate_self_hosted()
        self.simulate_gpus()
        self.simulate_commitment()
        self.data.cost_rows.sort(
            key=lambda r: (
                r["ChargePeriodStart"] or "",
                r["ProviderName"] or "",
                r["ServiceName"] or "",
                r["SubAccountName"] or "",
                r["ChargeDescription"] or "",
                r["Tags"] or "",
            )
        )
        for lab in self.labels.values():
            lab.impact = lab.impact.quantize(CENT)
        self.data.labels = sorted(self.labels.values(), key=lambda lab: (lab.day, lab.kind))
        return self.data


def _bill_lines(tokens: dict[str, int]) -> dict[str, int]:
    """Bill lines of a slice's tokens: a 1-hour cache write is billed apart from the 5-minute ones."""
    lines = {t: n for t, n in tokens.items() if t != "cache_write_1h"}
    one_hour = tokens.get("cache_write_1h", 0)
    if one_hour:
        lines["cache_write"] = lines.get("cache_write", 0) - one_hour
        lines["cache_write_1h"] = one_hour
    return lines


def _variant(w: Workload, line: str, long: bool) -> dict[str, str]:
    """What sets a bill line's price apart, as the provider's SKU says it (tier, cache TTL, context window)."""
    out = {}
    if w.tier != "standard":
        out["tier"] = w.tier
    if line == "cache_write_1h":
        out["ttl"] = "1h"
    if long:
        out["context"] = "long"
    return out


def _workload(feature: str) -> Workload:
    return next(w for w in WORKLOADS if w.feature == feature and w.tagged)


def _tags(team: str, feature: str, env: str) -> str:
    return json.dumps({"team": team, "feature": feature, "env": env}, separators=(",", ":"))


def _sample(rng: random.Random, g: GpuInstance, t: dt.datetime, busy: bool) -> tuple[int, int, float]:
    """(utilization %, memory used MiB, power W) of one GPU of instance `g` at time `t`."""
    if g.behaviour == "idle":  # a model loaded and almost never called
        util = rng.uniform(5, 22) if rng.random() < 0.03 else rng.uniform(0, 3)
        mem, power = 9800 + rng.uniform(-40, 40), 58 + util * 1.5 + rng.uniform(0, 4)
    elif g.behaviour == "busy":  # serving traffic that follows the day
        load = HOURLY[t.hour] / max(HOURLY) * (0.75 if t.weekday() >= 5 else 1.0)
        util = min(100.0, max(5.0, 25 + 70 * load + rng.gauss(0, 6)))
        mem, power = 17500 + rng.uniform(-300, 600), 70 + util * 2.2 + rng.uniform(-5, 5)
    elif busy:  # training
        util = min(100.0, rng.gauss(94, 3))
        mem, power = 74000 + rng.uniform(-2500, 2500), 560 + util * 1.2 + rng.uniform(-20, 20)
    else:  # the job finished; the instance kept running
        util = rng.choice((0.0, 0.0, 0.0, 1.0))
        mem, power = rng.uniform(0, 2), 70 + rng.uniform(0, 5)
    return round(util), round(mem), round(power, 1)


@lru_cache(maxsize=1)
def generate(start: dt.date, end: dt.date, seed: int) -> DemoData:
    """The demo's cost rows, usage events, GPU samples and anomaly labels for [start, end]. Deterministic, so the
    last dataset is kept (100 days: ~2.4 CPU s to simulate, ~90 MB): building the same demo again in one
    process (a DuckDB and a ClickHouse store side by side, `demo` rebuilding its file) reuses it. Callers read
    it, never change it."""
    return _Simulation(start, end, seed).run()
