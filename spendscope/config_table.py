"""Print the README's configuration table from the declared settings: `python -m spendscope.config_table`."""

from __future__ import annotations

from pathlib import Path

from data.settings import Settings


def rows() -> list[tuple[str, str, str]]:
    out = []
    home = str(Path.home())
    for name, field in Settings.model_fields.items():
        default = field.default_factory() if field.default_factory is not None else field.default
        shown = "(none)" if default is None else str(default).replace(home, "~")
        out.append((f"SPENDSCOPE_{name.upper()}", shown, field.description or ""))
    return out


def main() -> None:
    print("| Variable | Default | What it sets |")
    print("|---|---|---|")
    for var, default, desc in rows():
        print(f"| `{var}` | `{default}` | {desc.replace('|', '/')} |")


if __name__ == "__main__":
    main()
