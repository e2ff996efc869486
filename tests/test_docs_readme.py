"""The README stays true: its configuration table lists exactly the declared settings, and its Quickstart has
the two commands CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from spendscope.data.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _config_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md needs a '## Configuration' section"
    return match.group(1)


def test_readme_configuration_table_lists_every_setting_and_nothing_else() -> None:
    section = _config_section()
    documented = set(re.findall(r"^\|\s*`(SPENDSCOPE_[A-Z0-9_]+)`", section, re.M))
    declared = {f"SPENDSCOPE_{name.upper()}" for name in Settings.model_fields}
    assert documented == declared


def test_quickstart_has_the_demo_and_test_commands_that_ci_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = re.search(r"^## Quickstart\n(.*?)(?=^## )", text, re.S | re.M).group(1)
    assert "python3 dev.py demo" in quick
    assert "python3 dev.py test" in quick
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------ the CLI reference

NO_STORE = {("tools", "list")}  # commands that open no store (so take no --db)
_WORD = re.compile(r"^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$")
_OPTION = re.compile(r"^-{1,2}[A-Za-z][\w-]*$")


def _cli_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Command-line reference\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md needs a '## Command-line reference' section"
    return match.group(1)


def documented_commands() -> list[tuple[tuple[str, ...], list[str]]]:
    """(command path, options it names) for every command the README's CLI tables show, alternatives
    (`budgets set|list`, `tags apply FILE` / `list`) expanded."""
    import itertools

    out: list[tuple[tuple[str, ...], list[str]]] = []
    for line in _cli_section().splitlines():
        if not line.startswith("| `spendscope"):
            continue
        first = re.split(r"(?<!\\)\|", line)[1]
        previous: tuple[str, ...] = ()
        for span in re.findall(r"`([^`]+)`", first):
            tokens = span.replace("\\|", "|").split()
            if tokens[0] == "spendscope":
                tokens = tokens[1:]
            words: list[str] = []
            for t in tokens:
                if not _WORD.match(t):
                    break
                words.append(t)
            if previous and not span.startswith("spendscope") and words[0] != previous[0].split("|")[0]:
                words = [*previous[:-1], *words]
            previous = tuple(words)
            options = [o for t in tokens[len(words) :] for o in re.split(r"[|\[\]()]", t) if _OPTION.match(o)]
            for path in itertools.product(*(w.split("|") for w in words)):
                out.append((path, options))
    return out


def _help(path: tuple[str, ...]) -> str:
    from typer.testing import CliRunner

    from spendscope.cli import app

    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, f"spendscope {' '.join(path)} --help failed: {result.output[-500:]}"
    return result.output


def test_every_command_and_option_in_the_readme_cli_reference_exists() -> None:
    documented = documented_commands()
    assert len(documented) > 40, "the README's CLI tables were not found"
    for path, options in documented:
        text = _help(path)
        store = [] if path in NO_STORE else ["--db"]  # "Every command that uses the store takes `--db PATH`"
        for option in [*options, *store]:
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), (
                f"README: `spendscope {' '.join(path)}` has no option {option}"
            )


def test_every_top_level_command_is_in_the_readme_cli_reference() -> None:
    names = {path[0] for path, _ in documented_commands()}
    listed = set(re.findall(r"^  ([a-z][a-z0-9-]*)\s", _help(()).split("Commands:")[1], re.M))
    assert listed - names == set(), "commands missing from the README's Command-line reference"
