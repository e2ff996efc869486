"""Benchmark: 200 allocation rules on 10M cost rows, breakdown by the resulting virtual tag.

    .venv/bin/python bench/bench_allocation.py [--rows 10000000] [--rules 200] [--db PATH [--reuse]] [--repeat 3]
        [--layout bill|unique]

Builds a synthetic store (92 days, 300 sub-accounts, 2,000 resources, 5 providers, Tags on two thirds of the
rows; `--layout bill`, the default: each resource has one account, provider and tag set and a row a day, as in a
bill; `unique`: every row draws them independently), then for two rule sets, 200 rules for the tag `team`
(equals, in-lists, prefixes, regexes, and-combinations with a provider tag, a final copy of Tags.team) without
and with numeric comparisons on the cost (every sixth rule: such rules run once per row, the others once per
distinct combination of the columns they read), times:

- apply: validating and storing the rules (`spendscope tags apply`);
- breakdown: `query_costs` grouped by team over all the data and over one month (the path every cost
  question takes once virtual tags exist), and filtered to one team;
- coverage for one month;
- the same breakdown as hand-written DuckDB SQL: one CASE with the values written in as literals, on a
  read-only connection; the ratio ours / hand-written is printed.

Figures are the median of `--repeat` runs, each on a fresh read-only connection (as every request opens one).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
from spendscope.data.store import Store  # noqa: E402
from spendscope.tools.allocation.coverage import CoverageInput, allocation_coverage  # noqa: E402
from spendscope.tools.allocation.versions import ApplyRulesInput, apply_rules  # noqa: E402
from spendscope.tools.costs.breakdown import CostQueryInput, Filter, cost_query  # noqa: E402

TEAMS = [f"team-{i:02d}" for i in range(25)]


def build(store: Store, rows: int, layout: str = "bill") -> float:
    """`layout` "bill": each of the 2,000 resources has one sub-account, provider, model and tag set and a row a
    day, as bills have (the columns rules read repeat); "unique": every row draws them independently (nearly every
    row is a new combination: the worst case for summing first)."""
    store.ensure_schema()
    key = "(i // 92) % 2000" if layout == "bill" else "i"
    res = "(i // 92) % 2000" if layout == "bill" else "hash(i) % 2000"
    t = time.perf_counter()
    with store.writer() as con:
        con.execute("DELETE FROM costs")
        con.execute(
            f"""
            INSERT INTO costs (ChargePeriodStart, ChargePeriodEnd, BilledCost, EffectiveCost, ListCost, ProviderName,
                               ServiceName, SubAccountName, ResourceName, x_Model, Tags, ChargeCategory, x_RowHash)
            SELECT TIMESTAMPTZ '2026-08-01' + INTERVAL (i % 92) DAY,
                   TIMESTAMPTZ '2026-08-02' + INTERVAL (i % 92) DAY,
                   CAST((hash(i) % 100000) / 1000.0 AS DECIMAL(38,10)),
                   CAST((hash(i) % 100000) / 1000.0 AS DECIMAL(38,10)),
                   CAST((hash(i) % 100000) / 1000.0 AS DECIMAL(38,10)),
                   ['OpenAI', 'Anthropic', 'AWS', 'Microsoft', 'Google Cloud'][(k % 5) + 1],
                   ['OpenAI API', 'Claude API', 'Amazon Bedrock', 'Azure OpenAI', 'Vertex AI'][(k % 5) + 1],
                   'sub-' || (k % 300)::VARCHAR || CASE WHEN k % 7 = 0 THEN '-prod' ELSE '-dev' END,
                   'res-' || ({res})::VARCHAR,
                   ['gpt-4o', 'claude-sonnet-4-5', 'gpt-4.1-mini', 'gemini-2.5-pro'][(k % 4) + 1],
                   CASE WHEN k % 3 = 0 THEN NULL
                        ELSE ('{{"team":"team-' || lpad(((k // 3) % 25)::VARCHAR, 2, '0') || '","env":"'
                              || CASE WHEN k % 2 = 0 THEN 'prod' ELSE 'dev' END || '"}}')::JSON END,
                   'Usage', i
            FROM (SELECT i, {key} AS k FROM range(?) t(i))
            """,
            [rows],
        )
    return time.perf_counter() - t


def make_rules(n: int, seed: int = 11, amounts: bool = True) -> tuple[str, str]:
    """(rules YAML, the same rules as a hand-written DuckDB CASE expression with literal values). `amounts`: every
    sixth rule also tests the row's cost (such rules run once per row; the others once per distinct combination
    of the columns they read)."""
    rnd = random.Random(seed)
    yaml_lines = ["tags:", "  team:"]
    case = []
    for i in range(n - 1):
        team = TEAMS[i % len(TEAMS)]
        kind = i % 6
        if kind == 0:
            v = f"sub-{rnd.randrange(300)}-prod"
            yaml_lines += [f"    - when: {{SubAccountName: {v}}}", f"      value: {team}"]
            case.append(f"WHEN SubAccountName = '{v}' THEN '{team}'")
        elif kind == 1:
            vs = [f"sub-{rnd.randrange(300)}-dev" for _ in range(4)]
            yaml_lines += [f"    - when: {{SubAccountName: [{', '.join(vs)}]}}", f"      value: {team}"]
            case.append(f"WHEN SubAccountName IN ({', '.join(repr(v) for v in vs)}) THEN '{team}'")
        elif kind == 2:
            v = f"res-{rnd.randrange(2000)}"
            yaml_lines += [f"    - when: {{ResourceName: {{prefix: {v}}}}}", f"      value: {team}"]
            case.append(f"WHEN starts_with(ResourceName, '{v}') THEN '{team}'")
        elif kind == 3:
            v = f"^res-{rnd.randrange(2000)}$"
            yaml_lines += [f"    - when: {{ResourceName: {{regex: '{v}'}}}}", f"      value: {team}"]
            case.append(f"WHEN regexp_matches(ResourceName, '{v}') THEN '{team}'")
        elif kind == 4:
            sub = f"sub-{rnd.randrange(300)}-dev"
            yaml_lines += [
                f"    - when: {{all: [{{ProviderName: OpenAI}}, {{SubAccountName: {sub}}}, "
                "{Tags.env: prod}]}",
                f"      value: {team}",
            ]
            case.append(
                f"WHEN ProviderName = 'OpenAI' AND SubAccountName = '{sub}' "
                f"AND json_extract_string(Tags, '$.env') = 'prod' THEN '{team}'"
            )
        elif not amounts:
            sub = f"sub-{rnd.randrange(300)}-dev"
            yaml_lines += [f"    - when: {{SubAccountName: {sub}, Tags.env: dev}}", f"      value: {team}"]
            case.append(
                f"WHEN SubAccountName = '{sub}' AND json_extract_string(Tags, '$.env') = 'dev' THEN '{team}'"
            )
        else:
            sub = f"sub-{rnd.randrange(300)}-dev"
            yaml_lines += [
                f"    - when: {{SubAccountName: {sub}, EffectiveCost: {{gt: 90}}}}",
                f"      value: {team}",
            ]
            case.append(f"WHEN SubAccountName = '{sub}' AND EffectiveCost > 90 THEN '{team}'")
    yaml_lines += ["    - copy: Tags.team"]
    case.append(
        "WHEN nullif(json_extract_string(Tags, '$.team'), '') IS NOT NULL "
        "THEN json_extract_string(Tags, '$.team')"
    )
    return "\n".join(yaml_lines) + "\n", "CASE " + " ".join(case) + " ELSE 'unallocated' END"


CPU: dict[str, list[float]] = {}


def timed(fn, repeat: int, label: str = "") -> tuple[float, object]:  # noqa: ANN001
    """Median wall time of `repeat` runs; the CPU time of all the process's threads is kept under `label`
    (CPU seconds / cores is what the wall time would be on an otherwise idle machine)."""
    times, out = [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        CPU.setdefault(label, []).append(time.process_time() - c)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--rules", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--layout", choices=("bill", "unique"), default="bill", help="see build()")
    ap.add_argument("--db", type=Path, default=None, help="store to build (default: a temporary file)")
    ap.add_argument("--reuse", action="store_true", help="keep --db if it already holds --rows cost rows")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.duckdb"
    store = Store(path, lock_timeout=60)
    have = 0
    if args.reuse and path.exists():
        with store.reader() as con:
            have = con.execute("SELECT count(*) FROM costs").fetchall()[0][0]
    if have != args.rows:
        print(f"building {args.rows:,} cost rows ...", flush=True)
        print(f"  build ({args.layout} layout): {build(store, args.rows, args.layout):.2f} s")
    for amounts in (False, True):
        CPU.clear()
        print(
            f"\n== {args.rules} rules, "
            + (
                "every sixth also testing the cost (run per row)"
                if amounts
                else "none testing an amount (run per sum)"
            )
        )
        _measure(store, path, args, amounts)
    tmp.cleanup()


def _measure(store: Store, path: Path, args: argparse.Namespace, amounts: bool) -> None:
    document, baseline_case = make_rules(args.rules, amounts=amounts)
    t = time.perf_counter()
    applied = apply_rules(store, ApplyRulesInput(document=document, source_file="bench.yaml", author="bench"))
    print(f"  apply {applied.rule_count} rules: {time.perf_counter() - t:.2f} s (version {applied.version})")

    def ours(period: str | None = None) -> dict:
        r = cost_query(store, CostQueryInput(group_by=["team"], period=period))
        return {row.group["team"]: row.value for row in r.rows}

    def baseline(month: bool = False) -> dict:
        con = duckdb.connect(str(path), read_only=True)
        try:
            where = (
                (
                    "WHERE ChargePeriodStart >= TIMESTAMPTZ '2026-10-01' AND ChargePeriodStart < "
                    "TIMESTAMPTZ '2026-11-01'"
                )
                if month
                else ""
            )
            rows = con.execute(
                f"SELECT {baseline_case} AS team, sum(EffectiveCost) FROM costs {where} GROUP BY 1"
            ).fetchall()
            return {k: float(v) for k, v in rows}
        finally:
            con.close()

    results = []
    for label, fn, base in (
        ("breakdown by team, all data", ours, baseline),
        ("breakdown by team, one month", lambda: ours("2026-10"), lambda: baseline(True)),
    ):
        mine, theirs, out, ref = [], [], {}, {}
        for _ in range(args.repeat):  # interleaved, so both see the same machine load
            t_one, out = timed(fn, 1, label)
            t_two, ref = timed(base, 1, label + " (hand-written)")
            mine.append(t_one)
            theirs.append(t_two)
        t_ours, t_base = statistics.median(mine), statistics.median(theirs)
        same = out.keys() == ref.keys() and all(
            abs(out[k] - ref[k]) < 1e-6 * max(1, abs(ref[k])) for k in ref
        )
        results.append((label, t_ours, t_base, same))
    filter_label, cov_label = "filter team = team-03, one month", "coverage of team, one month"
    t_filter, _ = timed(
        lambda: cost_query(
            store, CostQueryInput(filters=[Filter(dimension="team", values=["team-03"])], period="2026-10")
        ),
        args.repeat,
        filter_label,
    )
    t_cov, _ = timed(
        lambda: allocation_coverage(store, CoverageInput(keys=["team"], period="2026-10", top=5)),
        args.repeat,
        cov_label,
    )
    cores = os.cpu_count() or 1
    cpu = {k: statistics.median(v) for k, v in CPU.items()}
    print(
        f"\n{args.rules} rules on {args.rows:,} rows, median of {args.repeat}; cpu = CPU seconds of all threads "
        f"/ {cores} cores (the wall time on an idle machine); load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'query':<34} {'spendscope':>11} {'cpu':>7} {'hand-written':>13} {'cpu':>7} {'ratio':>6}  same")
    for label, a, b, same in results:
        mine, theirs = cpu[label] / cores, cpu[label + " (hand-written)"] / cores
        print(
            f"{label:<34} {a:>10.2f}s {mine:>6.2f}s {b:>12.2f}s {theirs:>6.2f}s {mine / theirs:>6.2f}  "
            f"{'yes' if same else 'NO'}"
        )
    for label, t in ((filter_label, t_filter), (cov_label, t_cov)):
        print(f"{label:<34} {t:>10.2f}s {cpu[label] / cores:>6.2f}s")


if __name__ == "__main__":
    main()
