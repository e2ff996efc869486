"""Suggested allocation rules, and their review.

Deterministic heuristics over the names bills already carry (sub-accounts, OpenAI projects, Anthropic workspaces,
API keys, resources, namespaces and labels) and over partial tags:

- partial_tag: a provider tag (or a synonym such as `owner` for team) present on part of the spend -> copy it;
- co_occurrence: every tagged row of a sub-account / resource / label carries the same value, but some of its
  spend is untagged -> give the untagged rest that value;
- name_match: a name contains a known value of the key as a word (`search-prod` -> team search; `-dev` -> env);
- sibling: a name equals an allocated one apart from the environment word (`nw-vertex-dev` ~ `nw-vertex-prod`);
- name_stem: for team, with no known values at all, the name without environment and generic words.

Each proposal carries its evidence, a confidence and the spend it would allocate (matched_cost: all spend the
rule matches; new_cost: the part unallocated today). Nothing is applied until a proposal is approved with
`review_suggestions` (`spendscope tags review`), which records a new rules version.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument, NotFound, UnknownDimension
from spendscope.data.sql import ident, json_text
from spendscope.data.store import Store
from spendscope.tools.allocation.common import money_column, ts, value_sql
from spendscope.tools.allocation.compile import Binder, compile_condition, row_resolver
from spendscope.tools.allocation.document import dump_rules, ruleset_to_dict
from spendscope.tools.allocation.rules import UNALLOCATED, RuleSet, parse_rules
from spendscope.tools.allocation.versions import (
    EMPTY_DOCUMENT,
    ApplyRulesResult,
    cost_columns,
    load_versions,
    parsed,
    store_rules,
    with_effective_from,
)
from spendscope.tools.costs.breakdown import TimeRange, resolve_covered_range
from spendscope.tools.costs.dimensions import Source, query_source, tag_keys
from spendscope.tools.money_text import money
from spendscope.tools.registry import operation

ENV_WORDS = {
    "prod": "prod",
    "production": "prod",
    "prd": "prod",
    "live": "prod",
    "staging": "staging",
    "stage": "staging",
    "stg": "staging",
    "preprod": "staging",
    "dev": "dev",
    "development": "dev",
    "sandbox": "dev",
    "sbx": "dev",
    "test": "test",
    "testing": "test",
    "qa": "test",
    "uat": "test",
}
GENERIC_WORDS = {
    "default",
    "project",
    "proj",
    "workspace",
    "wrkspc",
    "ws",
    "account",
    "acct",
    "sub",
    "subscription",
    "org",
    "the",
    "ai",
    "ml",
    "llm",
    "api",
    "key",
    "keys",
    "app",
    "apps",
    "rg",
    "resource",
    "group",
    "main",
    "shared",
    "common",
    "general",
    "team",
    "experiments",
    "experiment",
    "exp",
    "bot",
    "service",
    "svc",
    "nw",
}
KEY_SYNONYMS = {
    "team": ("team", "team_name", "teamname", "owner", "owner_team", "squad", "department", "dept", "group"),
    "env": ("env", "environment", "stage", "tier"),
    "cost_center": ("cost_center", "costcenter", "cost-center", "cost_centre", "costcentre", "cc"),
    "product": ("product", "app", "application", "service"),
    "customer": ("customer", "tenant", "client"),
    "feature": ("feature", "use_case", "usecase"),
}
DEFAULT_KEYS = ("team", "env")
SHARE = 0.95  # a name "belongs" to a value when this share of its allocated spend carries it


class SuggestInput(TimeRange):
    keys: list[str] = Field(
        default_factory=list,
        description="tag keys to propose rules for; default: the "
        "virtual tag keys, the provider tag keys, team and env",
    )
    measure: str = Field("cost", description="cost (EffectiveCost) or billed_cost, for the spend figures")
    limit: int = Field(50, ge=1, le=1000, description="most proposals to return (largest new spend first)")


class Suggestion(BaseModel):
    id: int
    key: str
    rule: dict[str, Any] = Field(description="the proposed rule, as in the rules file")
    heuristic: str
    evidence: str
    confidence: float
    matched_cost: Decimal = Field(description="all spend the rule matches in the period")
    new_cost: Decimal = Field(description="spend it would allocate that is unallocated today")
    status: str = "pending"


class SuggestionList(BaseModel):
    start: dt.date
    end: dt.date
    period_label: str
    measure: str
    keys: list[str]
    suggestions: list[Suggestion]


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _money(v: Any) -> str:
    return money(v or 0, digits=2)


class _Candidate:
    def __init__(
        self, key: str, rule: dict[str, Any], heuristic: str, evidence: str, confidence: float
    ) -> None:
        self.key, self.rule, self.heuristic, self.evidence, self.confidence = (
            key,
            rule,
            heuristic,
            evidence,
            confidence,
        )

    @property
    def signature(self) -> str:
        return self.key + json.dumps(self.rule, sort_keys=True)


def _dimensions(
    con: duckdb.DuckDBPyConnection, provider_keys: list[str], targets: list[str]
) -> list[tuple[str, str, str]]:
    """(field as written in a rule, SQL, what it is) for the names suggestions look at."""
    dims = [
        ("SubAccountName", ident("SubAccountName"), "sub-account"),
        ("ResourceName", ident("ResourceName"), "resource"),
    ]
    for col in cost_columns(con):
        low = col.lower()
        if low.startswith("x_") and any(
            w in low
            for w in ("apikey", "api_key", "keyname", "key_name", "workspace", "project", "namespace")
        ):
            dims.append((col, ident(col), "API key" if "key" in low else low[2:]))
    for k in provider_keys:
        if k.lower() in targets:
            continue
        kind = "namespace" if "namespace" in k.lower() else "label"
        dims.append((f"Tags.{k}", json_text("Tags", k), kind))
    return dims


def _candidates_for_key(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    key: str,
    cur: str,
    rel_where: str,
    bounds: list,
    column: str,
    dims: list[tuple[str, str, str]],
    provider_keys: list[str],
    rules: RuleSet | None,
) -> list[_Candidate]:
    out: list[_Candidate] = []
    known = {
        r[0]: r[1]
        for r in con.execute(
            f"SELECT v, sum(m) FROM (SELECT {cur} AS v, {ident(column)} AS m FROM {source.relation} WHERE "
            f"{rel_where}) WHERE v <> '{UNALLOCATED}' GROUP BY v",
            bounds,
        ).fetchall()
    }
    # partial tags: copy the provider tag (or a synonym key) where it is present
    copies = {
        r.copy.name.lower()
        for r in (rules.tags[key].rules if rules and key in rules.tags else [])
        if r.copy is not None and r.copy.kind == "tag"
    }
    is_virtual = key in source.virtual_tags
    for pk in provider_keys:
        low = pk.lower()
        synonym = low in KEY_SYNONYMS.get(key, ()) or low.replace("-", "_") in KEY_SYNONYMS.get(key, ())
        if (low == key and is_virtual) or (low != key and synonym) or (low == key and pk != key):
            if low in copies:
                continue
            what = "the same key" if low == key else f"a synonym of {key}"
            out.append(
                _Candidate(
                    key,
                    {"copy": f"Tags.{pk}"},
                    "partial_tag",
                    f"the provider tag {pk!r} ({what}) is set on part of the spend",
                    0.9,
                )
            )
    for field, sql, what in dims:
        rows = con.execute(
            f"SELECT d, v, sum(m), min(t) FROM (SELECT nullif(trim(CAST({sql} AS VARCHAR)), '') AS d, {cur} AS v, "
            f"{ident(column)} AS m, SubAccountType AS t FROM {source.relation} WHERE {rel_where}) "
            "WHERE d IS NOT NULL GROUP BY d, v ORDER BY d, v",
            bounds,
        ).fetchall()
        stats: dict[str, dict[str, Decimal]] = defaultdict(dict)
        kinds: dict[str, str] = {}
        for d, v, m, t in rows:
            stats[d][v] = m or Decimal(0)
            if what == "sub-account" and t:
                kinds[d] = f"{t.lower()} (sub-account)"
        dominant: dict[str, tuple[str, float]] = {}
        for d, values in stats.items():
            allocated = {v: m for v, m in values.items() if v != UNALLOCATED}
            total_alloc = sum((abs(m) for m in allocated.values()), Decimal(0))
            if total_alloc > 0:
                v, m = max(allocated.items(), key=lambda t: (abs(t[1]), t[0]))
                dominant[d] = (v, float(abs(m) / total_alloc))
        for d, values in stats.items():
            unalloc = values.get(UNALLOCATED, Decimal(0))
            if not unalloc:
                continue
            label = kinds.get(d, what)
            found: _Candidate | None = None
            rule_when = {field: d}
            if d in dominant and dominant[d][1] >= SHARE:
                v, share = dominant[d]
                weak = what == "resource"
                found = _Candidate(
                    key,
                    {"when": rule_when, "value": v},
                    "co_occurrence",
                    f"{share:.0%} of the allocated spend of {label} {field}={d!r} carries {key}={v}; "
                    f"{_money(unalloc)} of it is unallocated"
                    + ("; a resource name can be shared across teams, check it" if weak else ""),
                    (0.5 if weak else 0.85) * share,
                )
            if found is None and what != "resource":
                words = _words(d)
                matches = sorted(
                    {
                        v
                        for v in known
                        if _norm(v) and (_norm(v) in words or (len(_norm(v)) >= 4 and _norm(v) in _norm(d)))
                    }
                )
                if key == "env" or key.startswith("env"):
                    envs = sorted({ENV_WORDS[w] for w in words if w in ENV_WORDS})
                    if len(envs) == 1:
                        known_env = [v for v in known if ENV_WORDS.get(v.lower(), v.lower()) == envs[0]]
                        value = known_env[0] if known_env else envs[0]
                        found = _Candidate(
                            key,
                            {"when": rule_when, "value": value},
                            "name_match",
                            f"the {label} name {d!r} says {envs[0]!r}",
                            0.75 if known_env else 0.6,
                        )
                elif len(matches) == 1:
                    found = _Candidate(
                        key,
                        {"when": rule_when, "value": matches[0]},
                        "name_match",
                        f"the {label} name {d!r} contains {matches[0]!r}, a known {key} value",
                        0.8,
                    )
            if found is None and what != "resource":
                stem = [w for w in _words(d) if w not in ENV_WORDS]
                siblings = sorted(
                    {
                        dominant[o]
                        for o in stats
                        if o != d
                        and o in dominant
                        and dominant[o][1] >= SHARE
                        and [w for w in _words(o) if w not in ENV_WORDS] == stem
                        and stem
                    }
                )
                values = {s[0] for s in siblings}
                if len(values) == 1:
                    v = values.pop()
                    sib = next(
                        o
                        for o in sorted(stats)
                        if o != d
                        and dominant.get(o, ("",))[0] == v
                        and [w for w in _words(o) if w not in ENV_WORDS] == stem
                    )
                    found = _Candidate(
                        key,
                        {"when": rule_when, "value": v},
                        "sibling",
                        f"{label} {d!r} differs from {sib!r} (allocated to {key}={v}) only by its "
                        "environment",
                        0.7,
                    )
            if (
                found is None
                and key == "team"
                and not known
                and what in ("sub-account", "API key", "namespace")
            ):
                stem = [
                    w for w in _words(d) if w not in ENV_WORDS and w not in GENERIC_WORDS and not w.isdigit()
                ]
                if stem:
                    found = _Candidate(
                        key,
                        {"when": rule_when, "value": "-".join(stem)},
                        "name_stem",
                        f"no {key} values are known yet; the {label} name {d!r} without environment "
                        "and generic words",
                        0.4,
                    )
            if found is not None:
                out.append(found)
    return out


def _score(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    cands: list[_Candidate],
    cur: str,
    rel_where: str,
    bounds: list,
    column: str,
    columns: list[str],
) -> list[tuple[Decimal, Decimal]]:
    """(matched_cost, new_cost) per candidate, in one scan."""
    if not cands:
        return []
    b = Binder(f"spendscope_suggest_{uuid.uuid4().hex[:8]}")
    resolve = row_resolver(b, source.virtual_tags)
    aggs = []
    for c in cands:
        doc = dump_rules({"tags": {c.key: [c.rule]}})
        rs = parse_rules(doc, source="suggestion", columns=columns, validate_regex=False)
        rule = rs.tags[c.key].rules[0]
        cond = compile_condition(rule.when, resolve, b)
        if rule.copy is not None:
            cond = f"({cond} AND {resolve(rule.copy).raw} IS NOT NULL)"
        aggs.append(
            f"coalesce(sum(m) FILTER (WHERE {cond}), 0), "
            f"coalesce(sum(m) FILTER (WHERE {cond} AND cur = '{UNALLOCATED}'), 0)"
        )
    b.bind(con)
    row = con.execute(
        f"SELECT {', '.join(aggs)} FROM (SELECT *, {cur} AS cur, {ident(column)} AS m FROM {source.relation} "
        f"WHERE {rel_where})",
        bounds,
    ).fetchall()[0]
    return [(row[2 * i], row[2 * i + 1]) for i in range(len(cands))]


def compute_suggestions(con: duckdb.DuckDBPyConnection, params: SuggestInput) -> SuggestionList:
    column = money_column(params.measure)
    source = query_source(con)
    period, _ = resolve_covered_range(params, con)
    provider_keys = tag_keys(con)
    columns = cost_columns(con)
    versions = load_versions(con)
    head_rules = parsed(versions[-1], columns) if versions else None
    if params.keys:
        keys = [k.strip().lower() for k in params.keys]
    else:
        keys = sorted(set(source.virtual_tags) | {k.lower() for k in provider_keys} | set(DEFAULT_KEYS))
    keys = list(dict.fromkeys(keys))
    rel_where = "ChargePeriodStart >= ? AND ChargePeriodStart < ?"
    bounds = [ts(period.start), ts(period.end)]
    dims = _dimensions(con, provider_keys, keys)
    scored: list[tuple[_Candidate, Decimal, Decimal]] = []
    for key in keys:
        try:
            cur = value_sql(key, con, source)
        except UnknownDimension:
            cur = f"'{UNALLOCATED}'"
        cands = _candidates_for_key(
            con, source, key, cur, rel_where, bounds, column, dims, provider_keys, head_rules
        )
        unique: dict[str, _Candidate] = {}
        for c in cands:
            if c.signature not in unique or unique[c.signature].confidence < c.confidence:
                unique[c.signature] = c
        cands = list(unique.values())
        for c, (matched, new) in zip(
            cands, _score(con, source, cands, cur, rel_where, bounds, column, columns), strict=True
        ):
            if new and new > 0:
                scored.append((c, matched, new))
    scored.sort(key=lambda t: (-t[2], -t[0].confidence, t[0].key, t[0].signature))
    suggestions = [
        Suggestion(
            id=i + 1,
            key=c.key,
            rule=c.rule,
            heuristic=c.heuristic,
            evidence=c.evidence,
            confidence=round(c.confidence, 3),
            matched_cost=m,
            new_cost=n,
        )
        for i, (c, m, n) in enumerate(scored[: params.limit])
    ]
    return SuggestionList(
        start=period.start,
        end=period.end,
        period_label=period.label,
        measure=params.measure,
        keys=keys,
        suggestions=suggestions,
    )


@operation("suggest_allocation_rules", input_model=SuggestInput, output_model=SuggestionList)
def suggest_rules(store: Store, params: SuggestInput | None = None) -> SuggestionList:
    """Propose allocation rules from sub-account, project, workspace, API key, resource, namespace and label names
    and from partial tags, each with its evidence and the spend it would allocate. Applies nothing."""
    with store.reader() as con:
        return compute_suggestions(con, params or SuggestInput())


# ---------------------------------------------------------------------------------------------- storage


def save_suggestions(store: Store, result: SuggestionList) -> str:
    """Store a batch as the pending proposals (earlier pending ones are superseded). Returns the batch id."""
    batch = "sg_" + uuid.uuid4().hex[:10]
    now = dt.datetime.now(dt.UTC)
    with store.writer() as con:
        con.execute("UPDATE _allocation_suggestions SET status = 'superseded' WHERE status = 'pending'")
        for s in result.suggestions:
            con.execute(
                "INSERT INTO _allocation_suggestions (batch_id, id, status, tag_key, rule, evidence, matched_cost, "
                "new_cost, confidence, created_at) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
                [
                    batch,
                    s.id,
                    s.key,
                    json.dumps(s.rule),
                    f"[{s.heuristic}] {s.evidence}",
                    s.matched_cost,
                    s.new_cost,
                    s.confidence,
                    now,
                ],
            )
    return batch


def _latest_batch(con: duckdb.DuckDBPyConnection) -> list[Suggestion]:
    rows = con.execute(
        """SELECT id, tag_key, rule, evidence, confidence, matched_cost, new_cost, status
           FROM _allocation_suggestions
           WHERE batch_id = (SELECT batch_id FROM _allocation_suggestions ORDER BY created_at DESC LIMIT 1)
           ORDER BY id"""
    ).fetchall()
    out = []
    for i, key, rule, evidence, conf, matched, new, status in rows:
        heuristic, _, text = (evidence or "").partition("] ")
        out.append(
            Suggestion(
                id=i,
                key=key,
                rule=json.loads(rule),
                heuristic=heuristic.lstrip("["),
                evidence=text,
                confidence=conf or 0,
                matched_cost=matched or 0,
                new_cost=new or 0,
                status=status,
            )
        )
    return out


class PendingInput(BaseModel):
    pass


def pending_suggestions(store: Store) -> list[Suggestion]:
    """The latest stored batch (every status), for `tags review` without arguments."""
    with store.reader() as con:
        return _latest_batch(con)


def parse_ids(text: str, argument: str) -> list[int]:
    """'1-5,8' -> [1, 2, 3, 4, 5, 8]."""
    out: list[int] = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)|(\d+)", part)
        if not m:
            raise InvalidArgument(
                f"{argument}: {part!r} is not an id or a range; use e.g. 1-5,8", argument=argument, value=part
            )
        if m.group(3):
            out.append(int(m.group(3)))
        else:
            lo, hi = int(m.group(1)), int(m.group(2))
            if hi < lo:
                raise InvalidArgument(
                    f"{argument}: range {part!r} runs backwards", argument=argument, value=part
                )
            out.extend(range(lo, hi + 1))
    return list(dict.fromkeys(out))


class ReviewInput(BaseModel):
    approve: str = Field("", description="ids or ranges to approve, e.g. '1-5,8'")
    reject: str = Field("", description="ids or ranges to reject")
    edits: dict[int, str] = Field(
        default_factory=dict, description="id -> new value, applied before approving"
    )
    author: str = Field("unknown", description="who reviews (recorded in the rules history)")


class ReviewResult(BaseModel):
    approved: list[Suggestion]
    rejected: list[Suggestion]
    edited: list[Suggestion]
    pending: int = Field(description="proposals still waiting for review")
    rules: ApplyRulesResult | None = Field(None, description="the rules version the approvals created")


def _merge(rules: RuleSet | None, approved: list[Suggestion], provider_keys: list[str]) -> dict[str, Any]:
    """The rules document with approved proposals added: before a tag's unconditional catch-all rule if it has
    one, else at the end. A new virtual tag that is also a provider tag keeps the provider value first."""
    data = ruleset_to_dict(rules) if rules else {"tags": {}}
    tags = data.setdefault("tags", {})
    for s in approved:
        entry = tags.get(s.key)
        if entry is None:
            entry = []
            same = [k for k in provider_keys if k.lower() == s.key]
            if same and s.rule.get("copy") != f"Tags.{same[0]}":
                entry.append({"copy": f"Tags.{same[0]}"})
            tags[s.key] = entry
        rule_list = entry["rules"] if isinstance(entry, dict) else entry
        catch_all = next((i for i, r in enumerate(rule_list) if "when" not in r and "value" in r), None)
        if rule_list and s.rule in rule_list:
            continue
        if catch_all is None:
            rule_list.append(dict(s.rule))
        else:
            rule_list.insert(catch_all, dict(s.rule))
    return data


@operation("review_allocation_suggestions", input_model=ReviewInput, output_model=ReviewResult, writes=True)
def review_suggestions(store: Store, params: ReviewInput) -> ReviewResult:
    """Approve, edit or reject suggested rules in bulk by ids or ranges ('1-5,8'). Approved proposals are added
    to the rules in force as a new version; nothing else is applied."""
    approve, reject = parse_ids(params.approve, "approve"), parse_ids(params.reject, "reject")
    both = sorted(set(approve) & set(reject))
    if both:
        raise InvalidArgument(f"ids {both} are both approved and rejected", argument="approve")
    if not (approve or reject or params.edits):
        raise InvalidArgument("nothing to do: give ids to approve, reject or edit", argument="approve")
    with store.reader() as con:
        has_batch = bool(con.execute("SELECT count(*) FROM _allocation_suggestions").fetchall()[0][0])
    if not has_batch:
        save_suggestions(store, suggest_rules(store))
    with store.writer() as con:
        batch = {s.id: s for s in _latest_batch(con)}
        for i in [*approve, *reject, *params.edits]:
            if i not in batch:
                raise NotFound(
                    f"no suggestion {i}; the latest batch has ids 1-{len(batch)} "
                    "(run spendscope tags suggest)",
                    argument="id",
                    value=i,
                )
            if batch[i].status not in ("pending", "edited"):
                raise InvalidArgument(f"suggestion {i} is already {batch[i].status}", argument="id", value=i)
        edited = []
        for i, value in params.edits.items():
            s = batch[i]
            if "value" not in s.rule:
                raise InvalidArgument(
                    f"suggestion {i} copies a tag; only fixed values can be edited", argument="edits", value=i
                )
            if not value.strip() or value.strip().lower() == UNALLOCATED:
                raise InvalidArgument(
                    f"suggestion {i}: the new value must be a non-empty name other than {UNALLOCATED!r}",
                    argument="edits",
                    value=i,
                )
            s.rule = {**s.rule, "value": value.strip()}
            s.status = "edited"
            edited.append(s)
        now = dt.datetime.now(dt.UTC)
        rules_result = None
        approved = [batch[i] for i in approve]
        if approved:
            columns = cost_columns(con)
            versions = load_versions(con)
            head = versions[-1] if versions else None
            head_rules = with_effective_from(parsed(head, columns), head.effective_from) if head else None
            document = dump_rules(_merge(head_rules, approved, tag_keys(con))) if approved else EMPTY_DOCUMENT
            rules_result = store_rules(
                con,
                document,
                source="review",
                author=params.author,
                effective_from=head.effective_from if head else None,
                action="review",
                parent=head.parent_version if head else None,
                use_head_as_parent=False,
            )
        batch_id = con.execute(
            "SELECT batch_id FROM _allocation_suggestions ORDER BY created_at DESC LIMIT 1"
        ).fetchall()[0][0]
        for s in edited:
            con.execute(
                "UPDATE _allocation_suggestions SET rule = ?, status = 'edited' WHERE batch_id = ? AND id = ?",
                [json.dumps(s.rule), batch_id, s.id],
            )
        for ids, status in ((approve, "approved"), (reject, "rejected")):
            for i in ids:
                batch[i].status = status
                con.execute(
                    "UPDATE _allocation_suggestions SET status = ?, decided_at = ?, decided_by = ?, applied_version = ? "
                    "WHERE batch_id = ? AND id = ?",
                    [
                        status,
                        now,
                        params.author,
                        rules_result.version if rules_result and status == "approved" else None,
                        batch_id,
                        i,
                    ],
                )
        pending = sum(1 for s in batch.values() if s.status in ("pending", "edited"))
    return ReviewResult(
        approved=approved,
        rejected=[batch[i] for i in reject],
        edited=edited,
        pending=pending,
        rules=rules_result,
    )
