"""Rule versions in the store: apply a rules file, roll back, history, the chain in force, and the query hook
(`query_source`) through which every cost query sees the virtual tags.

A version is immutable. Applying creates version N+1 with the previous head as its parent; a rollback creates a
new version with the old one's content (and parent), so the history only grows and every change records who,
when and what. With an effective date, charges before it keep the rules of the parent version: that is how a
team freezes closed months.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from pathlib import Path
from typing import Any, ClassVar

import duckdb
from pydantic import BaseModel, Field
from spendscope.data.errors import InvalidArgument, InvalidRules, NotFound
from spendscope.data.models import normalize_model
from spendscope.data.store import Store
from spendscope.tools.allocation.compile import (
    NUMERIC_COLUMNS,
    Compiled,
    Segment,
    compile_chain,
    uses_telemetry,
)
from spendscope.tools.allocation.document import (
    condition_to_dict,
    pool_to_dict,
    rule_to_dict,
    ruleset_to_dict,
)
from spendscope.tools.allocation.pool_targets import check_pool_targets
from spendscope.tools.allocation.rules import UNALLOCATED, RuleSet, parse_rules
from spendscope.tools.allocation.stored import has_rules_table
from spendscope.tools.allocation.user_rules import expand_user_rules
from spendscope.tools.costs.dimensions import Source
from spendscope.tools.registry import operation

EMPTY_DOCUMENT = "tags: {}\n"
_CACHE_GUARD = threading.Lock()
_PARSED: dict[tuple[str, frozenset[str]], RuleSet] = {}
_COMPILED: dict[tuple[Any, ...], Compiled] = {}


class VersionRow(BaseModel):
    version: int
    parent_version: int | None
    action: str
    effective_from: dt.date | None
    author: str
    applied_at: dt.datetime
    source_file: str | None
    file_version: str | None
    content_hash: str
    tag_keys: list[str]
    rule_count: int
    pool_count: int
    summary: str | None
    document: str = Field(exclude=True)


_COLUMNS = (
    "version, parent_version, action, effective_from, author, applied_at, source_file, file_version, "
    "content_hash, tag_keys, rule_count, pool_count, summary, document"
)


def load_versions(con: duckdb.DuckDBPyConnection) -> list[VersionRow]:
    if not has_rules_table(con):
        return []
    rows = con.execute(f"SELECT {_COLUMNS} FROM allocation_rule_versions ORDER BY version").fetchall()
    names = [c.strip() for c in _COLUMNS.split(",")]
    out = []
    for r in rows:
        d = dict(zip(names, r, strict=True))
        d["tag_keys"] = list(d["tag_keys"] or [])
        d["rule_count"] = d["rule_count"] or 0
        d["pool_count"] = d["pool_count"] or 0
        out.append(VersionRow(**d))
    return out


def cost_columns(con: duckdb.DuckDBPyConnection, table: str = "costs") -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main' "
        "AND table_catalog = current_database() ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def parsed(row: VersionRow, columns: list[str]) -> RuleSet:
    key = (hashlib.sha256(row.document.encode()).hexdigest(), frozenset(columns))
    with _CACHE_GUARD:
        hit = _PARSED.get(key)
    if hit is None:
        hit = parse_rules(
            row.document, source=f"rules version {row.version}", columns=columns, validate_regex=False
        )
        with _CACHE_GUARD:
            _PARSED[key] = hit
    return hit


def chain_for(versions: list[VersionRow], head: int | None = None) -> list[tuple[VersionRow, dt.date | None]]:
    """(version, end) pairs in force, newest first, starting at `head` (default: the latest version)."""
    by_id = {v.version: v for v in versions}
    if not versions:
        return []
    current = by_id.get(head if head is not None else versions[-1].version)
    out: list[tuple[VersionRow, dt.date | None]] = []
    end: dt.date | None = None
    seen: set[int] = set()
    while current is not None and current.version not in seen:
        seen.add(current.version)
        start = current.effective_from
        if not (end is not None and start is not None and start >= end):
            out.append((current, end))
            if start is None:
                break
            end = start
        current = by_id.get(current.parent_version) if current.parent_version is not None else None
    return out


def active_chain(con: duckdb.DuckDBPyConnection) -> list[Segment]:
    versions = load_versions(con)
    if not versions:
        return []
    columns = cost_columns(con)
    return [Segment(v.version, parsed(v, columns), v.effective_from, end) for v, end in chain_for(versions)]


def event_models(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """Distinct telemetry model names with their canonical ids (few; normalised in Python once each)."""
    rows = con.execute(
        "SELECT DISTINCT model FROM usage_events WHERE model IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [(r[0], normalize_model(r[0]) or str(r[0]).strip().lower()) for r in rows]


def compiled_chain(con: duckdb.DuckDBPyConnection, chain: list[Segment], *, with_pools: bool) -> Compiled:
    """The compiled relation for a chain, bound on `con`."""
    needs_models = any(uses_telemetry(s.rules) for s in chain)
    models = tuple(event_models(con)) if needs_models else ()
    key = (
        tuple((s.version, s.start, s.end) for s in chain),
        with_pools,
        models,
        tuple(id(s.rules) for s in chain),
    )
    with _CACHE_GUARD:
        hit = _COMPILED.get(key)
    if hit is None:
        hit = compile_chain(chain, with_pools=with_pools, models=list(models))
        with _CACHE_GUARD:
            if len(_COMPILED) > 64:
                _COMPILED.clear()
            _COMPILED[key] = hit
    hit.binder.bind(con)
    return hit


def query_source(con: duckdb.DuckDBPyConnection) -> Source | None:
    """The hook tools.costs.dimensions calls: None without virtual tags, else the relation adding their columns."""
    chain = active_chain(con)
    if not any(s.rules.tags for s in chain):
        return None
    return compiled_source(compiled_chain(con, chain, with_pools=False))


def compiled_source(compiled: Compiled) -> Source:
    """The query source of compiled rules: rules that join telemetry per row and day, or test amounts (which
    differ on nearly every row), run on the rows; the others can run once per distinct combination of the
    columns they read (tools.costs.breakdown.summed_relation)."""
    if compiled.uses_telemetry or compiled.reads & NUMERIC_COLUMNS:
        return Source(compiled.relation, dict(compiled.virtual_tags))
    return Source(compiled.relation, dict(compiled.virtual_tags), compiled.reads, compiled.relation_over)


# ---------------------------------------------------------------------------------------------- apply / rollback


class ApplyRulesInput(BaseModel):
    document: str = Field(description="the rules file (YAML text); see docs/allocation.md")
    source_file: str | None = Field(
        None, description="where the document came from (recorded, used in errors)"
    )
    author: str = Field("unknown", description="who applies the change (recorded in the history)")
    effective_from: dt.date | None = Field(
        None,
        description="overrides the file's effective_from: charges "
        "before this date keep the rules in force before",
    )


class ApplyRulesResult(BaseModel):
    status: str = Field(description="applied, or unchanged when the rules in force are identical")
    version: int
    effective_from: dt.date | None
    tag_keys: list[str]
    rule_count: int
    pool_count: int
    summary: str


def _hash(document_rules: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(document_rules, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _summary(old: RuleSet | None, new: RuleSet) -> str:
    """What changed, in words: per tag key the rules added and removed; pools added, removed, changed."""
    old_tags = {
        k: [json.dumps(rule_to_dict(r), sort_keys=True) for r in t.rules]
        for k, t in (old.tags if old else {}).items()
    }
    new_tags = {
        k: [json.dumps(rule_to_dict(r), sort_keys=True) for r in t.rules] for k, t in new.tags.items()
    }
    parts = []
    for key in sorted(set(old_tags) | set(new_tags)):
        a, b = old_tags.get(key), new_tags.get(key)
        if a is None:
            parts.append(f"{key}: new tag ({len(b or [])} rules)")
        elif b is None:
            parts.append(f"{key}: removed ({len(a)} rules)")
        elif a != b:
            added = len([r for r in b if r not in a])
            removed = len([r for r in a if r not in b])
            bits = [f"+{added}"] if added else []
            bits += [f"-{removed}"] if removed else []
            parts.append(f"{key}: {' '.join(bits) or 'reordered'} rules")
    old_pools = {p.name: json.dumps(pool_to_dict(p), sort_keys=True) for p in (old.pools if old else ())}
    new_pools = {p.name: json.dumps(pool_to_dict(p), sort_keys=True) for p in new.pools}
    for name in sorted(set(old_pools) | set(new_pools)):
        if name not in old_pools:
            parts.append(f"shared pool {name}: added")
        elif name not in new_pools:
            parts.append(f"shared pool {name}: removed")
        elif old_pools[name] != new_pools[name]:
            parts.append(f"shared pool {name}: changed")
    if (old.effective_from if old else None) != new.effective_from:
        parts.append(f"effective from {new.effective_from or 'all dates'}")
    return "; ".join(parts) or "no change to the rules"


def _insert_version(
    con: duckdb.DuckDBPyConnection,
    *,
    parent: int | None,
    action: str,
    rules: RuleSet,
    document: str,
    author: str,
    source_file: str | None,
    summary: str,
) -> int:
    version = con.execute("SELECT coalesce(max(version), 0) + 1 FROM allocation_rule_versions").fetchall()[0][
        0
    ]
    data = ruleset_to_dict(rules)
    con.execute(
        "INSERT INTO allocation_rule_versions (version, parent_version, action, effective_from, author, applied_at, "
        "source_file, file_version, content_hash, tag_keys, rule_count, pool_count, summary, document, rules) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            version,
            parent,
            action,
            rules.effective_from,
            author,
            dt.datetime.now(dt.UTC),
            source_file,
            rules.file_version,
            _hash(data),
            sorted(rules.tags),
            rules.rule_count,
            len(rules.pools),
            summary,
            document,
            json.dumps(data, default=str),
        ],
    )
    return version


def _check_compiles(con: duckdb.DuckDBPyConnection, chain: list[Segment], source: str) -> None:
    """Run the compiled relation on zero rows, so a rule set that cannot be evaluated is refused on apply."""
    try:
        compiled = compile_chain(chain, with_pools=True, models=event_models(con))
        compiled.binder.bind(con)
        con.execute(f"SELECT * FROM {compiled.relation} LIMIT 0").fetchall()
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0][:160]
        raise InvalidRules(
            f"{source}: the rules cannot be evaluated against this store ({first})", file=source
        ) from None


def store_rules(
    con: duckdb.DuckDBPyConnection,
    document: str,
    *,
    source: str,
    author: str,
    effective_from: dt.date | None,
    action: str,
    parent: int | None = None,
    use_head_as_parent: bool = True,
) -> ApplyRulesResult:
    """Validate `document` and record it as a new version on a writer connection (no-op when identical)."""
    columns = cost_columns(con)
    rules = parse_rules(document, source=source, columns=columns)
    if action == "apply":  # a rollback restores what was in force; a review adds rules, not pools
        check_pool_targets(con, rules, source, columns)
    if effective_from is not None:
        rules = with_effective_from(rules, effective_from)
    versions = load_versions(con)
    head = versions[-1] if versions else None
    if use_head_as_parent:
        parent = head.version if head else None
    head_rules = with_effective_from(parsed(head, columns), head.effective_from) if head else None
    if (
        head
        and head_rules is not None
        and action == "apply"
        and _hash(ruleset_to_dict(head_rules)) == _hash(ruleset_to_dict(rules))
    ):
        return ApplyRulesResult(
            status="unchanged",
            version=head.version,
            effective_from=head.effective_from,
            tag_keys=head.tag_keys,
            rule_count=head.rule_count,
            pool_count=head.pool_count,
            summary="identical to the rules in force; nothing recorded",
        )
    chain = [Segment(0, rules, rules.effective_from, None)]
    if rules.effective_from is not None and parent is not None:
        for v, end in chain_for(versions, parent):
            seg_end = rules.effective_from if end is None else min(end, rules.effective_from)
            if v.effective_from is not None and v.effective_from >= seg_end:
                continue
            chain.append(Segment(v.version, parsed(v, columns), v.effective_from, seg_end))
    _check_compiles(con, chain, source)
    summary = _summary(head_rules, rules)
    if action == "rollback":
        summary = f"rolled back to the rules of version {source}: {summary}"
    elif action == "review":
        summary = f"approved suggestions: {summary}"
    version = _insert_version(
        con,
        parent=parent,
        action=action,
        rules=rules,
        document=document,
        author=author,
        source_file=source if action == "apply" else None,
        summary=summary,
    )
    return ApplyRulesResult(
        status="applied",
        version=version,
        effective_from=rules.effective_from,
        tag_keys=sorted(rules.tags),
        rule_count=rules.rule_count,
        pool_count=len(rules.pools),
        summary=summary,
    )


def with_effective_from(rules: RuleSet, effective_from: dt.date | None) -> RuleSet:
    return RuleSet(
        tags=rules.tags,
        pools=rules.pools,
        effective_from=effective_from,
        file_version=rules.file_version,
        description=rules.description,
    )


@operation("apply_allocation_rules", input_model=ApplyRulesInput, output_model=ApplyRulesResult, writes=True)
def apply_rules(store: Store, params: ApplyRulesInput) -> ApplyRulesResult:
    """Validate a rules file (virtual tags and shared-cost pools) and make it the rules in force, recorded as a new
    version (who, when, what changed). Invalid rules are refused with the line of the offending rule."""
    source = params.source_file or "rules"
    # `users:` rules (a users -> team list) become ordinary rules here, so the stored version is self-contained
    base = (
        Path(params.source_file).parent if params.source_file and Path(params.source_file).is_file() else None
    )
    document = expand_user_rules(params.document, source=source, base_dir=base)
    # Parse before taking the write lock: a bad file is refused without touching the store.
    if store.exists:
        with store.reader() as con:
            parse_rules(document, source=source, columns=cost_columns(con))
    else:
        parse_rules(document, source=source)
    with store.writer() as con:
        return store_rules(
            con,
            document,
            source=source,
            author=params.author,
            effective_from=params.effective_from,
            action="apply",
        )


class RollbackInput(BaseModel):
    version: int = Field(description="the version whose rules to restore (0: no rules at all)", ge=0)
    author: str = Field("unknown", description="who rolls back (recorded)")


@operation("rollback_allocation_rules", input_model=RollbackInput, output_model=ApplyRulesResult, writes=True)
def rollback_rules(store: Store, params: RollbackInput) -> ApplyRulesResult:
    """Restore the rules of an earlier version (recorded as a new version; nothing is deleted)."""
    with store.writer() as con:
        versions = load_versions(con)
        if params.version == 0:
            return store_rules(
                con,
                EMPTY_DOCUMENT,
                source="0",
                author=params.author,
                effective_from=None,
                action="rollback",
                parent=None,
                use_head_as_parent=False,
            )
        target = next((v for v in versions if v.version == params.version), None)
        if target is None:
            known = ", ".join(str(v.version) for v in versions) or "none yet"
            raise NotFound(
                f"no rules version {params.version}; versions: {known} (0 = no rules)", argument="version"
            )
        if versions[-1].version == target.version:
            raise InvalidArgument(
                f"version {target.version} is already the rules in force", argument="version"
            )
        return store_rules(
            con,
            target.document,
            source=str(target.version),
            author=params.author,
            effective_from=target.effective_from,
            action="rollback",
            parent=target.parent_version,
            use_head_as_parent=False,
        )


# ---------------------------------------------------------------------------------------------- reading


class HistoryInput(BaseModel):
    limit: int = Field(50, ge=1, le=10_000, description="most recent versions to return")


class HistoryResult(BaseModel):
    current_version: int | None
    versions: list[VersionRow]


@operation("list_allocation_rule_versions", input_model=HistoryInput, output_model=HistoryResult)
def rules_history(store: Store, params: HistoryInput | None = None) -> HistoryResult:
    """Every change to the allocation rules, newest first: version, who, when, what changed, effective date."""
    params = params or HistoryInput()
    with store.reader() as con:
        versions = load_versions(con)
    return HistoryResult(
        current_version=versions[-1].version if versions else None,
        versions=list(reversed(versions))[: params.limit],
    )


class RuleView(BaseModel):
    index: int
    line: int
    name: str | None
    when: dict[str, Any] | None
    value: str | None
    copy_from: str | None


class VirtualTagView(BaseModel):
    key: str
    description: str | None
    version: int
    effective_from: dt.date | None
    until: dt.date | None = Field(None, description="exclusive end when a newer version took over")
    rules: list[RuleView]


class PoolView(BaseModel):
    name: str
    version: int
    effective_from: dt.date | None
    until: dt.date | None
    spec: dict[str, Any]


class VirtualTagList(BaseModel):
    current_version: int | None
    tags: list[VirtualTagView]
    pools: list[PoolView]
    unallocated_value: str = UNALLOCATED


class ListVirtualTagsInput(BaseModel):
    key: str | None = Field(None, description="only this tag key")
    named_key: ClassVar[str] = "key"  # an unknown key is an error at the entry point (tools/names.py)


@operation("list_virtual_tags", input_model=ListVirtualTagsInput, output_model=VirtualTagList)
def list_virtual_tags(store: Store, params: ListVirtualTagsInput | None = None) -> VirtualTagList:
    """The virtual tags (allocation rules) and shared-cost pools in force, per version segment."""
    params = params or ListVirtualTagsInput()
    with store.reader() as con:
        versions = load_versions(con)
        chain = active_chain(con)
    tags, pools = [], []
    for seg in chain:
        for key, tag in seg.rules.tags.items():
            if params.key and key != params.key.lower():
                continue
            rules = [
                RuleView(
                    index=r.index,
                    line=r.line,
                    name=r.name,
                    when=condition_to_dict(r.when) if r.when is not None else None,
                    value=r.value,
                    copy_from=r.copy.text if r.copy else None,
                )
                for r in tag.rules
            ]
            tags.append(
                VirtualTagView(
                    key=key,
                    description=tag.description,
                    version=seg.version,
                    effective_from=seg.start,
                    until=seg.end,
                    rules=rules,
                )
            )
        for p in seg.rules.pools:
            pools.append(
                PoolView(
                    name=p.name,
                    version=seg.version,
                    effective_from=seg.start,
                    until=seg.end,
                    spec=pool_to_dict(p),
                )
            )
    return VirtualTagList(current_version=versions[-1].version if versions else None, tags=tags, pools=pools)


def export_rules(store: Store, version: int | None = None) -> str:
    """The YAML document of a version (default: the one in force), as applied."""
    with store.reader() as con:
        versions = load_versions(con)
    if not versions:
        return EMPTY_DOCUMENT
    wanted = versions[-1] if version is None else next((v for v in versions if v.version == version), None)
    if wanted is None:
        raise NotFound(f"no rules version {version}", argument="version")
    return wanted.document
