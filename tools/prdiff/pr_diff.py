"""PR cost diff: "did my PR change spend?"

Before merge: the LLM call sites a pull request changed (model, max tokens, static prompt size, prompt caching,
batch, calls added, removed or moved into loops), mapped to features, priced against the feature's observed
traffic in telemetry and the price catalog: an estimated monthly cost change with every assumption stated.
After deploy: cost and tokens per request of the affected features before and after the PR's commits appear in
telemetry, with a 95% confidence interval, and whether the change is real.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument
from spendscope.data.prices import PriceCatalog
from spendscope.data.store import Store
from spendscope.tools.prdiff.code_scan import CallSite, scan
from spendscope.tools.prdiff.git_source import changed_source_files, commits_between, file_at, resolve
from spendscope.tools.registry import operation

CHARS_PER_TOKEN = 4
CACHE_HIT_RATE = 0.9
BATCH_DISCOUNT = 0.5
MAPPING_FILE = ".spendscope/features.yaml"


class PrDiffInput(BaseModel):
    repo: str = Field(".", description="path of the git repository")
    base: str = Field(description="base ref (branch, tag or commit) of the pull request")
    head: str = Field(description="head ref of the pull request")
    days: int = Field(30, ge=1, le=365, description="days of telemetry used as the traffic baseline")
    loop_factor: int = Field(
        10, ge=1, description="assumed iterations of a loop whose count is not a literal"
    )
    as_of: dt.date | None = Field(
        None, description="end of the traffic window (default: the newest telemetry day)"
    )


class SiteChange(BaseModel):
    path: str
    function: str
    line: int
    api: str
    feature: str | None = Field(
        description="feature the call site serves (code tag, mapping file or telemetry)"
    )
    feature_source: str | None = Field(None, description="how the feature was found")
    changes: list[str] = Field(
        description="what changed: model, prompt, max_tokens, caching, batch, loop, new, removed"
    )
    before: dict[str, object]
    after: dict[str, object]
    monthly_requests_before: float | None = None
    monthly_requests_after: float | None = None
    monthly_cost_before: float | None = None
    monthly_cost_after: float | None = None
    monthly_change: float | None = Field(
        None, description="estimated change in monthly cost, USD (None: unknown)"
    )
    notes: list[str] = Field(default_factory=list)


class AfterDeploy(BaseModel):
    feature: str
    commit: str
    first_seen: dt.datetime
    requests_before: int
    requests_after: int
    cost_per_request_before: float
    cost_per_request_after: float
    change_pct: float | None
    ci_low: float = Field(description="95% CI low of the change in cost per request, USD")
    ci_high: float
    tokens_per_request_before: float
    tokens_per_request_after: float
    significant: bool = Field(description="the 95% interval excludes zero")
    verdict: str


class PrDiffResult(BaseModel):
    base: str
    head: str
    files_scanned: list[str]
    changes: list[SiteChange]
    monthly_change: float = Field(description="sum of the estimable monthly changes, USD")
    unestimated: int = Field(description="changed call sites whose cost change could not be estimated")
    assumptions: list[str]
    after_deploy: list[AfterDeploy]
    markdown: str


@dataclass
class Profile:
    """Observed traffic of a feature: per-request token averages over the window, scaled to a month."""

    feature: str
    provider: str | None
    model: str | None
    monthly_requests: float
    monthly_cost: float
    uncached: float
    cached: float
    cache_write: float
    output: float
    reasoning: float


def _load_mapping(repo: Path, head: str) -> list[tuple[str, str]]:
    text = file_at(repo, head, MAPPING_FILE)
    if not text:
        return []
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise InvalidArgument(f"{MAPPING_FILE}: not valid YAML ({exc})") from None
    entries = doc.get("features", doc) if isinstance(doc, dict) else doc
    out = []
    for e in entries or []:
        if isinstance(e, dict) and e.get("path") and e.get("feature"):
            out.append((str(e["path"]), str(e["feature"])))
    return out


def _window(con: object, as_of: dt.date | None, days: int) -> tuple[dt.datetime, dt.datetime]:
    if as_of is None:
        newest = con.execute("SELECT max(ts) FROM usage_events").fetchall()[0][0]  # type: ignore[attr-defined]
        end_day = (newest.date() + dt.timedelta(days=1)) if newest else dt.date.today()
    else:
        end_day = as_of
    end = dt.datetime(end_day.year, end_day.month, end_day.day, tzinfo=dt.UTC)
    return end - dt.timedelta(days=days), end


def _feature_from_telemetry(con: object, path: str, start: dt.datetime, end: dt.datetime) -> str | None:
    rows = con.execute(  # type: ignore[attr-defined]
        """SELECT feature, sum(requests) AS n FROM usage_events
           WHERE ts >= ? AND ts < ? AND feature IS NOT NULL AND code_path IS NOT NULL
             AND (split_part(code_path, ':', 1) = ? OR ends_with(split_part(code_path, ':', 1), '/' || ?)
                  OR ends_with(?, '/' || split_part(code_path, ':', 1)))
           GROUP BY 1 ORDER BY n DESC LIMIT 1""",
        [start, end, path, path, path],
    ).fetchall()
    return rows[0][0] if rows else None


def _profile(
    con: object, feature: str, model: str | None, start: dt.datetime, end: dt.datetime, days: int
) -> Profile | None:
    params: list[object] = [start, end, feature]
    model_filter = ""
    if model:
        have = con.execute(  # type: ignore[attr-defined]
            "SELECT count(*) FROM usage_events WHERE ts >= ? AND ts < ? AND feature = ? AND model = ?",
            [start, end, feature, model],
        ).fetchall()[0][0]
        if have:
            model_filter = " AND model = ?"
            params.append(model)
    row = con.execute(  # type: ignore[attr-defined]
        f"""SELECT sum(requests), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
                  sum(output_tokens), sum(reasoning_tokens), sum(estimated_cost),
                  mode(provider), mode(model)
           FROM usage_events WHERE ts >= ? AND ts < ? AND feature = ?{model_filter}""",
        params,
    ).fetchall()[0]
    n = row[0] or 0
    if not n:
        return None
    scale = 30.0 / days
    return Profile(
        feature=feature,
        provider=row[7],
        model=row[8],
        monthly_requests=n * scale,
        monthly_cost=float(row[6] or 0) * scale,
        uncached=(row[1] or 0) / n,
        cached=(row[2] or 0) / n,
        cache_write=(row[3] or 0) / n,
        output=(row[4] or 0) / n,
        reasoning=(row[5] or 0) / n,
    )


def _per_request(
    catalog: PriceCatalog, model: str | None, provider: str | None, tokens: dict[str, float]
) -> float | None:
    prices = catalog.prices(model, provider) if model else None
    if prices is None:
        return None
    return float(
        prices.input * _d(tokens["uncached"])
        + prices.cached_input * _d(tokens["cached"])
        + prices.cache_write * _d(tokens["cache_write"])
        + prices.output * _d(tokens["output"])
        + prices.reasoning * _d(tokens["reasoning"])
    )


def _d(x: float):  # noqa: ANN202 - Decimal of a float token count
    from decimal import Decimal

    return Decimal(str(round(x, 6)))


def _describe(site: CallSite | None) -> dict[str, object]:
    if site is None:
        return {}
    return {
        "model": site.model,
        "max_tokens": site.max_tokens,
        "prompt_chars": site.prompt_chars,
        "cache": site.cache,
        "batch": site.batch,
        "in_loop": site.in_loop,
        "loop_factor": site.loop_factor,
        "line": site.line,
    }


def _what_changed(b: CallSite | None, h: CallSite | None) -> list[str]:
    if b is None:
        return ["new"]
    if h is None:
        return ["removed"]
    out = []
    if (b.model or "") != (h.model or ""):
        out.append("model")
    if b.prompt_chars != h.prompt_chars:
        out.append("prompt")
    if b.max_tokens != h.max_tokens:
        out.append("max_tokens")
    if b.cache != h.cache:
        out.append("caching")
    if b.batch != h.batch:
        out.append("batch")
    if b.in_loop != h.in_loop or (b.in_loop and b.loop_factor != h.loop_factor):
        out.append("loop")
    return out


def _head_tokens(p: Profile, b: CallSite | None, h: CallSite) -> dict[str, float]:
    t = {
        "uncached": p.uncached,
        "cached": p.cached,
        "cache_write": p.cache_write,
        "output": p.output,
        "reasoning": p.reasoning,
    }
    if b is not None:
        delta = (h.prompt_chars - b.prompt_chars) / CHARS_PER_TOKEN
        if b.cache:
            t["cached"] = max(t["cached"] + delta * CACHE_HIT_RATE, 0.0)
            t["cache_write"] = max(t["cache_write"] + delta * (1 - CACHE_HIT_RATE), 0.0)
        else:
            t["uncached"] = max(t["uncached"] + delta, 1.0)
        if h.cache and not b.cache:
            static = min(h.prompt_chars / CHARS_PER_TOKEN, t["uncached"])
            t["uncached"] -= static
            t["cached"] += static * CACHE_HIT_RATE
            t["cache_write"] += static * (1 - CACHE_HIT_RATE)
        elif b.cache and not h.cache:
            t["uncached"] += t["cached"] + t["cache_write"]
            t["cached"] = t["cache_write"] = 0.0
    if h.max_tokens is not None and h.max_tokens < t["output"]:
        t["output"] = float(h.max_tokens)
    return t


def _request_multiplier(b: CallSite | None, h: CallSite | None, default: int) -> tuple[float, str | None]:
    if b is None or h is None:
        return 1.0, None
    bf = (b.loop_factor or default) if b.in_loop else 1
    hf = (h.loop_factor or default) if h.in_loop else 1
    if bf == hf:
        return 1.0, None
    note = None
    if (h.in_loop and not h.loop_factor) or (b.in_loop and not b.loop_factor):
        note = f"loop iterations are not a literal: assumed {default} per call (--loop-factor)"
    return hf / bf, note


def _estimate(
    site_b: CallSite | None,
    site_h: CallSite | None,
    profile: Profile | None,
    share: float,
    catalog: PriceCatalog,
    loop_factor: int,
) -> tuple[dict[str, float | None], list[str]]:
    notes: list[str] = []
    empty = {"req_b": None, "req_a": None, "cost_b": None, "cost_a": None, "change": None}
    if profile is None:
        notes.append("no telemetry for this feature in the window: cannot estimate its traffic")
        return empty, notes
    req_b = profile.monthly_requests * share
    base_cost = profile.monthly_cost * share
    if site_h is None:  # removed
        return {"req_b": req_b, "req_a": 0.0, "cost_b": base_cost, "cost_a": 0.0, "change": -base_cost}, notes
    model_b = (site_b.model if site_b else None) or profile.model
    model_h = site_h.model or model_b
    base_tokens = {
        "uncached": profile.uncached,
        "cached": profile.cached,
        "cache_write": profile.cache_write,
        "output": profile.output,
        "reasoning": profile.reasoning,
    }
    head_tokens = _head_tokens(profile, site_b, site_h)
    c_b = _per_request(catalog, model_b, profile.provider, base_tokens)
    c_h = _per_request(catalog, model_h, profile.provider, head_tokens)
    mult, loop_note = _request_multiplier(site_b, site_h, loop_factor)
    if loop_note:
        notes.append(loop_note)
    batch = 1.0
    if site_b is not None and site_h.batch != site_b.batch:
        batch = BATCH_DISCOUNT if site_h.batch else 1 / BATCH_DISCOUNT
    if site_b is None:  # a new call: the feature's per-request tokens, at the new call's model
        notes.append("a new call: assumed the feature's average tokens per request and one call per request")
        if c_h is None:
            notes.append(f"model {model_h!r} is not in the price catalog: cannot price the new call")
            return {**empty, "req_b": 0.0, "req_a": req_b}, notes
        cost_a = req_b * c_h * mult * batch
        return {"req_b": 0.0, "req_a": req_b, "cost_b": 0.0, "cost_a": cost_a, "change": cost_a}, notes
    if c_b is None or c_h is None:
        missing = model_b if c_b is None else model_h
        if model_b == model_h and c_b is None and c_h is None:
            ratio = 1.0  # token changes cannot be priced, but loop and batch still scale the observed cost
            notes.append(f"model {missing!r} is not in the price catalog: token changes not priced")
        else:
            notes.append(f"model {missing!r} is not in the price catalog: cannot price the change")
            return {**empty, "req_b": req_b, "cost_b": base_cost}, notes
    else:
        ratio = c_h / c_b if c_b else 1.0
    cost_a = base_cost * ratio * mult * batch
    return {
        "req_b": req_b,
        "req_a": req_b * mult,
        "cost_b": base_cost,
        "cost_a": cost_a,
        "change": cost_a - base_cost,
    }, notes


def _after_deploy(con: object, features: list[str], commits: list[str], days: int) -> list[AfterDeploy]:
    if not commits or not features:
        return []
    out: list[AfterDeploy] = []
    for feature in features:
        seen = con.execute(  # type: ignore[attr-defined]
            f"""SELECT min(ts), any_value(commit_sha) FROM usage_events WHERE feature = ? AND commit_sha IS NOT NULL
                AND length(commit_sha) >= 7 AND ({" OR ".join("starts_with(?, commit_sha)" for _ in commits)})""",
            [feature, *commits],
        ).fetchall()[0]
        if seen[0] is None:
            continue
        first = seen[0]
        stats = con.execute(  # type: ignore[attr-defined]
            """SELECT ts >= ? AS after, count(*), sum(requests), avg(estimated_cost / requests),
                      var_samp(estimated_cost / requests),
                      avg((input_tokens + cached_input_tokens + cache_write_tokens + output_tokens
                           + reasoning_tokens) / requests)
               FROM usage_events WHERE feature = ? AND ts >= ? AND ts < ? AND requests > 0
                 AND estimated_cost IS NOT NULL
               GROUP BY 1""",
            [first, feature, first - dt.timedelta(days=days), first + dt.timedelta(days=days)],
        ).fetchall()
        by = {r[0]: r for r in stats}
        if True not in by or False not in by or by[True][1] < 2 or by[False][1] < 2:
            continue
        b, a = by[False], by[True]
        mean_b, mean_a = float(b[3]), float(a[3])
        se = math.sqrt(float(b[4] or 0) / b[1] + float(a[4] or 0) / a[1])
        diff = mean_a - mean_b
        low, high = diff - 1.96 * se, diff + 1.96 * se
        significant = low > 0 or high < 0
        pct = diff / mean_b * 100 if mean_b else None
        direction = "rose" if diff > 0 else "fell"
        verdict = (
            f"cost per request {direction} {abs(pct or 0):.1f}% after {seen[1][:7]}: the change is real"
            if significant
            else f"no significant change in cost per request after {seen[1][:7]} (95% CI includes zero)"
        )
        out.append(
            AfterDeploy(
                feature=feature,
                commit=seen[1],
                first_seen=first,
                requests_before=int(b[2]),
                requests_after=int(a[2]),
                cost_per_request_before=mean_b,
                cost_per_request_after=mean_a,
                change_pct=pct,
                ci_low=low,
                ci_high=high,
                tokens_per_request_before=float(b[5]),
                tokens_per_request_after=float(a[5]),
                significant=significant,
                verdict=verdict,
            )
        )
    return out


def _money(x: float | None) -> str:
    if x is None:
        return "unknown"
    sign = "+" if x > 0 else "-" if x < 0 else ""
    return f"{sign}${abs(x):,.2f}"


def to_markdown(r: PrDiffResult) -> str:
    """The PR comment."""
    lines = ["## spendscope: PR cost diff", ""]
    if not r.changes:
        lines.append(
            f"No LLM call site changed between `{r.base[:12]}` and `{r.head[:12]}` "
            f"({len(r.files_scanned)} source files scanned)."
        )
    else:
        lines.append(
            f"**Estimated monthly cost change: {_money(r.monthly_change)}**"
            + (f" ({r.unestimated} change(s) could not be estimated)" if r.unestimated else "")
        )
        lines += [
            "",
            "| Call site | Feature | What changed | Monthly cost before | after | Change |",
            "|---|---|---|---:|---:|---:|",
        ]
        for c in r.changes:
            lines.append(
                f"| `{c.path}:{c.line}` {c.function}() | {c.feature or 'unknown'} | {', '.join(c.changes)} | "
                f"{_money(c.monthly_cost_before).lstrip('+')} | {_money(c.monthly_cost_after).lstrip('+')} | "
                f"{_money(c.monthly_change)} |"
            )
        details = [f"- `{c.path}:{c.line}`: {n}" for c in r.changes for n in c.notes]
        if details:
            lines += ["", "Notes:", *details]
    if r.after_deploy:
        lines += ["", "### After deploy", ""]
        for a in r.after_deploy:
            lines.append(
                f"- **{a.feature}**: {a.verdict}; ${a.cost_per_request_before:.6f} → "
                f"${a.cost_per_request_after:.6f} per request (95% CI of the change "
                f"{a.ci_low:+.6f} to {a.ci_high:+.6f}); tokens per request "
                f"{a.tokens_per_request_before:,.0f} → {a.tokens_per_request_after:,.0f}"
            )
    lines += [
        "",
        "<details><summary>Assumptions</summary>",
        "",
        *[f"- {a}" for a in r.assumptions],
        "",
        "</details>",
    ]
    return "\n".join(lines) + "\n"


@operation("estimate_pr_cost_diff", input_model=PrDiffInput, output_model=PrDiffResult)
def pr_cost_diff(store: Store, params: PrDiffInput, catalog: PriceCatalog | None = None) -> PrDiffResult:
    """Did a pull request change LLM spend? Estimated monthly cost change of the call sites it changed, from the
    features' observed traffic and the price catalog, plus the measured change after deploy."""
    catalog = catalog or PriceCatalog()
    repo = Path(params.repo).expanduser().resolve()
    base, head = resolve(repo, params.base), resolve(repo, params.head)
    files = changed_source_files(repo, base, head)
    mapping = _load_mapping(repo, head)
    pairs: list[tuple[CallSite | None, CallSite | None]] = []
    for path in files:
        before = {s.key: s for s in scan(path, file_at(repo, base, path) or "")}
        after = {s.key: s for s in scan(path, file_at(repo, head, path) or "")}
        for key in sorted(set(before) | set(after), key=lambda k: (k[0], k[1], k[2], k[3])):
            b, h = before.get(key), after.get(key)
            if _what_changed(b, h):
                pairs.append((b, h))
    assumptions = [
        f"traffic = each feature's requests and tokens per request in the last {params.days} days of telemetry, "
        "scaled to 30 days",
        f"static prompt text converts at {CHARS_PER_TOKEN} characters per token",
        f"prompt caching reads {CACHE_HIT_RATE:.0%} of the cached prefix from cache (the rest is written)",
        f"batch requests cost {BATCH_DISCOUNT:.0%} of synchronous ones",
        "a lower max_tokens caps the observed output tokens per request; a higher one is assumed not to change them",
        "a feature's traffic is shared evenly among its call sites",
        "prices from the price catalog (genai-prices plus local overrides)",
    ]
    changes: list[SiteChange] = []
    affected: list[str] = []
    with store.reader() as con:
        start, end = _window(con, params.as_of, params.days)
        resolved: list[tuple[CallSite | None, CallSite | None, str | None, str | None]] = []
        for b, h in pairs:
            site = h or b
            assert site is not None
            feature, source = site.feature, "code tag" if site.feature else None
            if feature is None:
                feature = next((f for pat, f in mapping if fnmatch.fnmatch(site.path, pat)), None)
                source = MAPPING_FILE if feature else None
            if feature is None:
                feature = _feature_from_telemetry(con, site.path, start, end)
                source = "telemetry code_path" if feature else None
            resolved.append((b, h, feature, source))
        sites_per_feature: dict[str, int] = {}
        for b, _, feature, _ in resolved:
            if feature and b is not None:
                sites_per_feature[feature] = sites_per_feature.get(feature, 0) + 1
        for b, h, feature, source in resolved:
            site = h or b
            assert site is not None
            model = (b.model if b else None) or (h.model if h else None)
            profile = _profile(con, feature, model, start, end, params.days) if feature else None
            share = 1.0 / max(sites_per_feature.get(feature or "", 1), 1)
            numbers, notes = _estimate(b, h, profile, share, catalog, params.loop_factor)
            if feature is None:
                notes.insert(
                    0,
                    "no feature found: add a feature tag, a .spendscope/features.yaml entry, or "
                    "code_path in telemetry",
                )
            elif feature not in affected:
                affected.append(feature)
            changes.append(
                SiteChange(
                    path=site.path,
                    function=site.function,
                    line=site.line,
                    api=site.api,
                    feature=feature,
                    feature_source=source,
                    changes=_what_changed(b, h),
                    before=_describe(b),
                    after=_describe(h),
                    monthly_requests_before=numbers["req_b"],
                    monthly_requests_after=numbers["req_a"],
                    monthly_cost_before=numbers["cost_b"],
                    monthly_cost_after=numbers["cost_a"],
                    monthly_change=numbers["change"],
                    notes=notes,
                )
            )
        after = _after_deploy(con, affected, commits_between(repo, base, head), params.days)
    total = sum(c.monthly_change for c in changes if c.monthly_change is not None)
    result = PrDiffResult(
        base=base,
        head=head,
        files_scanned=files,
        changes=changes,
        monthly_change=round(total, 2),
        unestimated=sum(1 for c in changes if c.monthly_change is None),
        assumptions=assumptions,
        after_deploy=after,
        markdown="",
    )
    result.markdown = to_markdown(result)
    return result
