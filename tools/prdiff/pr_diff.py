"""PR cost diff: "did my PR change spend?"

Before merge: the LLM call sites a pull request changed (model, service tier, max tokens, static prompt size,
prompt caching, batch, calls added, removed or moved into loops), mapped to features, priced against the traffic
each carries (the feature's telemetry; without telemetry, the feature's or the model's tokens on the bill) and
the price catalog: an estimated monthly cost change with its source and every assumption stated, and the
per-request price ratio of every model or tier change even when the traffic is unknown.
After deploy: cost and tokens per request of the affected features before and after the PR's commits appear in
telemetry, with a 95% confidence interval, and whether the change is real.

Two ways in: a git repository and two refs (`estimate_pr_cost_diff`, local callers only), or the patch text
(`estimate_pr_cost_diff_from_patch`, tools/prdiff/patch_diff.py: no access to the server's disk).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument
from spendscope.data.prices import PriceCatalog, configured_catalog
from spendscope.data.store import Store
from spendscope.tools.costs.breakdown import Filter, check_day_covered, data_coverage
from spendscope.tools.prdiff.code_scan import CallSite, scan
from spendscope.tools.prdiff.estimate import (
    CACHE_HIT_RATE,
    CHARS_PER_TOKEN,
    estimate_site,
    share_profile,
    what_changed,
)
from spendscope.tools.prdiff.git_source import changed_source_files, commits_between, file_at, resolve
from spendscope.tools.prdiff.report import (
    currency_of,
    headline,
    to_markdown,
    totals_by_currency,
    unknown_items,
)
from spendscope.tools.prdiff.traffic import TokenProfile, bill_profile, telemetry_profile, window
from spendscope.tools.registry import operation

MAPPING_FILE = ".spendscope/features.yaml"


class PrDiffOptions(BaseModel):
    days: int = Field(
        30, ge=1, le=365, description="days of telemetry (or bill) used as the traffic baseline"
    )
    loop_factor: int = Field(
        10, ge=1, description="assumed iterations of a loop whose count is not a literal"
    )
    as_of: dt.date | None = Field(
        None, description="end of the traffic window (default: the newest telemetry or bill day)"
    )
    filters: list[Filter] = Field(
        default_factory=list, description="limit the traffic (telemetry and bill) to these rows"
    )


class PrDiffInput(PrDiffOptions):
    repo: str = Field(".", description="path of the git repository")
    base: str = Field(description="base ref (branch, tag or commit) of the pull request")
    head: str = Field(description="head ref of the pull request")


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
        description="what changed: model, tier, prompt, max_tokens, caching, batch, loop, new, removed"
    )
    before: dict[str, object]
    after: dict[str, object]
    traffic_source: str | None = Field(
        None, description="where the traffic comes from: telemetry, the feature's bill rows, or the model's"
    )
    price_change: str | None = Field(
        None, description="per-request price change of a model or tier change, e.g. '5x per request: ...'"
    )
    price_ratio: float | None = Field(None, description="after / before price of one request (None: unknown)")
    monthly_requests_before: float | None = None
    monthly_requests_after: float | None = None
    monthly_cost_before: float | None = None
    monthly_cost_after: float | None = None
    monthly_change: float | None = Field(
        None, description="estimated change in monthly cost, in `currency` (None: unknown)"
    )
    currency: str | None = Field(
        None,
        description="ISO code of the monthly amounts: USD for telemetry traffic (estimates at catalog prices), "
        "the bill's currency for bill traffic (None: no amounts)",
    )
    unknown_reason: str | None = Field(None, description="why the monthly change is unknown")
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
    monthly_change: float | None = Field(
        description="sum of the estimable monthly changes, in `currency`; null when call sites changed and none "
        "could be estimated (unknown, not zero; 0 when no call site changed) or when the estimable changes are in "
        "several currencies (see monthly_change_by_currency)"
    )
    currency: str | None = Field(
        "USD",
        description="ISO code of monthly_change (None when the estimable changes are in several currencies)",
    )
    monthly_change_by_currency: dict[str, float] = Field(
        default_factory=dict,
        description="the estimable monthly changes summed per currency (never added across currencies)",
    )
    unestimated: int = Field(description="changed call sites whose cost change could not be estimated")
    unknown: list[str] = Field(default_factory=list, description="what is not known, per unestimated change")
    headline: str = Field("", description="the comment's first line")
    assumptions: list[str]
    after_deploy: list[AfterDeploy]
    markdown: str


@dataclass
class SitePair:
    before: CallSite | None
    after: CallSite | None


def load_mapping(text: str | None) -> list[tuple[str, str]]:
    """(path glob, feature) pairs of a .spendscope/features.yaml text."""
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


def _feature_from_telemetry(
    con: duckdb.DuckDBPyConnection, path: str, start: dt.datetime, end: dt.datetime
) -> str | None:
    rows = con.execute(
        """SELECT feature, sum(requests) AS n FROM usage_events
           WHERE ts >= ? AND ts < ? AND feature IS NOT NULL AND code_path IS NOT NULL
             AND (split_part(code_path, ':', 1) = ? OR ends_with(split_part(code_path, ':', 1), '/' || ?)
                  OR ends_with(?, '/' || split_part(code_path, ':', 1)))
           GROUP BY 1 ORDER BY n DESC LIMIT 1""",
        [start, end, path, path, path],
    ).fetchall()
    return rows[0][0] if rows else None


def _describe(site: CallSite | None) -> dict[str, object]:
    if site is None:
        return {}
    return {
        "model": site.model,
        "service_tier": "batch" if site.batch else site.service_tier,
        "max_tokens": site.max_tokens,
        "prompt_chars": site.prompt_chars,
        "cache": site.cache,
        "batch": site.batch,
        "in_loop": site.in_loop,
        "loop_factor": site.loop_factor,
        "line": site.line,
    }


def _after_deploy(
    con: duckdb.DuckDBPyConnection, features: list[str], commits: list[str], days: int
) -> list[AfterDeploy]:
    if not commits or not features:
        return []
    out: list[AfterDeploy] = []
    for feature in features:
        seen = con.execute(
            f"""SELECT min(ts), any_value(commit_sha) FROM usage_events WHERE feature = ? AND commit_sha IS NOT NULL
                AND length(commit_sha) >= 7 AND ({" OR ".join("starts_with(?, commit_sha)" for _ in commits)})""",
            [feature, *commits],
        ).fetchall()[0]
        if seen[0] is None:
            continue
        first = seen[0]
        stats = con.execute(
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


def _after_deploy_lines(after: list[AfterDeploy]) -> list[str]:
    return [
        f"- **{a.feature}**: {a.verdict}; ${a.cost_per_request_before:.6f} → ${a.cost_per_request_after:.6f} per "
        f"request (95% CI of the change {a.ci_low:+.6f} to {a.ci_high:+.6f}); tokens per request "
        f"{a.tokens_per_request_before:,.0f} → {a.tokens_per_request_after:,.0f}"
        for a in after
    ]


def _assumptions(days: int) -> list[str]:
    return [
        f"traffic = each feature's requests and tokens in the last {days} days of telemetry, scaled to 30 days; "
        "a feature without telemetry takes its tokens by type from the bill (FOCUS x_Tokens, x_TokenType, Tags "
        "feature), failing that the model's tokens on the bill (every feature using it)",
        "a model or tier change costs the observed tokens at the new price over the old (catalog prices, so a "
        "discount on the bill carries over); the per-request ratio uses the observed token mix, else list prices",
        f"static prompt text converts at {CHARS_PER_TOKEN} characters per token",
        f"prompt caching reads {CACHE_HIT_RATE:.0%} of the cached prefix from cache (the rest is written)",
        "batch and flex follow the catalog's tier prices (50% where the provider publishes that rule)",
        "a lower max_tokens caps the observed output tokens per request; a higher one is assumed not to change them",
        "a feature's traffic is shared evenly among its call sites",
        "prices from the price catalog (genai-prices, the providers' rules, the local price file) on the last day "
        "of the traffic window",
    ]


def analyse(
    con: duckdb.DuckDBPyConnection,
    pairs: list[SitePair],
    mapping: list[tuple[str, str]],
    options: PrDiffOptions,
    catalog: PriceCatalog,
    *,
    base: str,
    head: str,
    files: list[str],
    commits: list[str],
) -> PrDiffResult:
    """Price the changed call sites of a pull request (however they were found) and write the comment."""
    if options.as_of is not None and data_coverage(con) is not None:
        # a window after (or before) the data holds no traffic: every change would read "unknown" for want of
        # data the store never had, so the day is refused naming the coverage, as every `as_of` is
        check_day_covered(con, options.as_of)
    start, end = window(con, options.as_of, options.days)
    day = (end - dt.timedelta(days=1)).date()
    resolved: list[tuple[SitePair, str | None, str | None]] = []
    for pair in pairs:
        site = pair.after or pair.before
        assert site is not None
        feature, source = site.feature, "code tag" if site.feature else None
        if feature is None:
            feature = next((f for pat, f in mapping if fnmatch.fnmatch(site.path, pat)), None)
            source = MAPPING_FILE if feature else None
        if feature is None:
            feature = _feature_from_telemetry(con, site.path, start, end)
            source = "telemetry code_path" if feature else None
        resolved.append((pair, feature, source))
    sites_per_key: dict[str, int] = {}
    for pair, feature, _ in resolved:
        if pair.before is not None:
            key = feature or f"model:{pair.before.model}"
            sites_per_key[key] = sites_per_key.get(key, 0) + 1
    changes: list[SiteChange] = []
    affected: list[str] = []
    for pair, feature, source in resolved:
        b, h = pair.before, pair.after
        site = h or b
        assert site is not None
        model = (b.model if b else None) or (h.model if h else None)
        profile: TokenProfile | None = None
        if feature:
            profile = telemetry_profile(con, feature, model, start, end, options.days, options.filters)
        if profile is None:
            profile = bill_profile(con, feature, model, start, end, options.days, options.filters)
        key = feature or f"model:{model}"
        share = 1.0 / max(sites_per_key.get(key, 1), 1)
        est = estimate_site(b, h, share_profile(profile, share), catalog, day, options.loop_factor)
        notes = [*dict.fromkeys(site.notes), *est.notes]
        if feature is None:
            notes.insert(
                0,
                "no feature found: add a feature tag, a .spendscope/features.yaml entry, or code_path in telemetry",
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
                changes=what_changed(b, h),
                before=_describe(b),
                after=_describe(h),
                traffic_source=profile.source if profile else None,
                price_change=est.price.text if est.price else None,
                price_ratio=est.price.ratio if est.price else None,
                monthly_requests_before=est.requests_before,
                monthly_requests_after=est.requests_after,
                monthly_cost_before=est.cost_before,
                monthly_cost_after=est.cost_after,
                monthly_change=est.change,
                currency=(profile.currency or None) if profile and est.cost_before is not None else None,
                unknown_reason=est.unknown,
                notes=notes,
            )
        )
    after = _after_deploy(con, affected, commits, options.days)
    by_currency = totals_by_currency(changes)
    total = round(sum(by_currency.values()), 2) if len(by_currency) == 1 else None
    assumptions = _assumptions(options.days)
    result = PrDiffResult(
        base=base,
        head=head,
        files_scanned=files,
        changes=changes,
        monthly_change=total if by_currency else None if changes else 0.0,  # unknown is not "no change"
        currency=currency_of(by_currency, changed=bool(changes)),
        monthly_change_by_currency=by_currency,
        unestimated=sum(1 for c in changes if c.monthly_change is None),
        unknown=unknown_items(changes),
        headline=headline(changes, by_currency, base, head, len(files)).strip("*"),
        assumptions=assumptions,
        after_deploy=after,
        markdown="",
    )
    result.markdown = to_markdown(
        changes, by_currency, base, head, len(files), _after_deploy_lines(after), assumptions
    )
    return result


def site_pairs(before: list[CallSite], after: list[CallSite]) -> list[SitePair]:
    """Call sites matched by (path, function, API, n-th call), kept when something about them changed."""
    b = {s.key: s for s in before}
    h = {s.key: s for s in after}
    out = []
    for key in sorted(set(b) | set(h), key=lambda k: (k[0], k[1], k[2], k[3])):
        if what_changed(b.get(key), h.get(key)):
            out.append(SitePair(b.get(key), h.get(key)))
    return out


@operation("estimate_pr_cost_diff", input_model=PrDiffInput, output_model=PrDiffResult)
def pr_cost_diff(store: Store, params: PrDiffInput, catalog: PriceCatalog | None = None) -> PrDiffResult:
    """Did a pull request change LLM spend? Estimated monthly cost change of the call sites it changed, from the
    features' traffic (telemetry, else the bill) and the price catalog, with the per-request price ratio of every
    model or tier change, plus the measured change after deploy."""
    catalog = catalog or configured_catalog()
    repo = Path(params.repo).expanduser().resolve()
    base, head = resolve(repo, params.base), resolve(repo, params.head)
    files = changed_source_files(repo, base, head)
    mapping = load_mapping(file_at(repo, head, MAPPING_FILE))
    pairs: list[SitePair] = []
    for path in files:
        pairs += site_pairs(
            scan(path, file_at(repo, base, path) or ""), scan(path, file_at(repo, head, path) or "")
        )
    with store.reader() as con:
        return analyse(
            con,
            pairs,
            mapping,
            params,
            catalog,
            base=base,
            head=head,
            files=files,
            commits=commits_between(repo, base, head),
        )
