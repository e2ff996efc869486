"""The command line's one entry point: commands generated from operations, unknown names as errors with
suggestions, `--view-as` (a read-only caller limited to some rows), `tools list|call`, and lazy loading."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from spendscope.data.store import Store
from spendscope.tools.invoke import invoke
from typer.testing import CliRunner

from spendscope.cli import app

ROOT = Path(__file__).resolve().parents[1]


def run(store: Store, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, [*args, "--db", str(store.path)])
    assert result.exit_code == code, result.output
    return result.stdout


def cli(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spendscope", *args, "--db", str(store.path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_a_misspelled_filter_value_exits_non_zero_naming_the_closest_value(demo_store: Store) -> None:
    proc = cli(demo_store, "costs", "-p", "2026-10", "--filter", "team=supprot")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == "error: no team 'supprot'; closest: support"


def test_a_model_written_with_spaces_resolves_to_the_stored_id(demo_store: Store) -> None:
    spaced = json.loads(run(demo_store, "costs", "-p", "2026-10", "-f", "model=Claude Sonnet 4.5", "--json"))
    stored = invoke(
        demo_store,
        "query_costs",
        {"period": "2026-10", "filters": [{"dimension": "model", "values": ["claude-sonnet-4-5"]}]},
    )
    assert spaced["total"] == pytest.approx(stored.total) and stored.total > 0
    assert spaced["filters"][0]["values"] == ["claude-sonnet-4-5"]


def test_view_as_limits_every_figure_to_the_teams_rows(demo_store: Store) -> None:
    whole = json.loads(run(demo_store, "costs", "-p", "2026-10", "--by", "team", "--json"))
    team = json.loads(
        run(demo_store, "--view-as", "team=search", "costs", "-p", "2026-10", "--by", "team", "--json")
    )
    search = next(r["value"] for r in whole["rows"] if r["group"]["team"] == "search")
    assert [r["group"]["team"] for r in team["rows"]] == ["search"]
    assert team["total"] == pytest.approx(search) and whole["total"] > search
    sql = run(
        demo_store,
        "--view-as",
        "team=search",
        "query",
        "SELECT DISTINCT json_extract_string(Tags, '$.team') AS t FROM costs",
        "--json",
    )
    assert [r["t"] for r in json.loads(sql)] == ["search"]


def test_view_as_refuses_writes_and_commands_that_cannot_be_limited(demo_store: Store) -> None:
    for args in (["budgets", "set", "x", "--amount", "5"], ["imports"], ["dimensions", "team"]):
        result = CliRunner().invoke(app, ["--view-as", "team=search", *args, "--db", str(demo_store.path)])
        assert result.exit_code != 0, args
        assert result.exception.code in ("permission_denied", "invalid_argument"), args  # type: ignore[union-attr]


def test_tools_call_runs_any_operation_with_json_arguments(demo_store: Store) -> None:
    args = {
        "period": "2026-10",
        "numerator": {"filters": [{"dimension": "team", "values": ["search"]}]},
        "denominator": {},
    }
    out = json.loads(run(demo_store, "tools", "call", "cost_ratio", json.dumps(args)))
    direct = invoke(demo_store, "cost_ratio", args)
    assert out["ratio"] == pytest.approx(direct.ratio) and 0 < out["ratio"] < 1
    listing = CliRunner().invoke(app, ["--view-as", "team=search", "tools", "list", "--json"])
    available = {t["name"]: t["available"] for t in json.loads(listing.stdout)}
    assert available["query_costs"] and not available["set_budget"] and not available["list_dimension_values"]


def test_generated_options_come_from_the_input_model(demo_store: Store) -> None:
    text = CliRunner().invoke(app, ["savings", "--help"], env={"COLUMNS": "200"}).output
    for option in (
        "--kind",
        "-k",
        "--min-saving",
        "--idle-threshold",
        "--filter",
        "--cache-target-share-pct",
        "--json",
        "--csv",
        "--chart",
    ):
        assert option in text, option
    bad = cli(demo_store, "gpu", "--idle-threshold", "120")
    assert bad.returncode == 1 and bad.stderr.startswith("error: --idle-threshold:")


def test_the_command_list_loads_no_operation_module() -> None:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom spendscope.cli import app\n"
        "out = CliRunner().invoke(app, ['--help']).output\n"
        "assert 'savings' in out and 'costs' in out, out\n"
        "heavy = [m for m in ('statsmodels', 'pandas', 'spendscope.tools.registry') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_option_help_never_cuts_a_list_short() -> None:
    """A description ending in '...' keeps its ellipsis (it was stripped to 'gpu_hours,  (default cost)')."""
    import click
    import typer.main

    def helps(command, path=()):  # noqa: ANN001, ANN202 - click's command tree (groups load their commands lazily)
        for param in command.get_params(click.Context(command)):
            if getattr(param, "help", None):
                yield " ".join(path), param.name, param.help
        if hasattr(command, "list_commands"):  # a group (typer's click need not be the click imported here)
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                yield from helps(command.get_command(ctx, name), (*path, name))

    found = list(helps(typer.main.get_command(app)))
    assert any(h[:2] == ("costs", "measure") for h in found)
    assert [h for h in found if ",  " in h[2] or ", (" in h[2] or h[2].endswith(",.")] == []
