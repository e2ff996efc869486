"""Declared settings: every field has a default and a help text.

Read from the environment (prefix SPENDSCOPE_) only at entry points, then passed down.
The README's configuration table is checked against this class by a test.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _home() -> Path:
    return Path.home() / ".spendscope"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SPENDSCOPE_", extra="ignore")

    db: Path = Field(
        default_factory=lambda: _home() / "spendscope.duckdb",
        description="Path of the cost store (DuckDB file). `--db PATH` on any command overrides it.",
    )
    demo_db: Path = Field(
        default_factory=lambda: _home() / "demo.duckdb",
        description="Store that `spendscope demo` writes when no `--db` is given.",
    )
    prices_file: Path = Field(
        default_factory=lambda: _home() / "prices.yaml",
        description="Local price overrides (negotiated rates, models the bundled catalog lacks).",
    )
    lock_timeout: float = Field(
        default=30.0,
        description="Seconds a command waits for another process's write to finish before giving up.",
    )
    anthropic_model: str = Field(
        default="claude-sonnet-4-6",
        description="Claude model the agents use when ANTHROPIC_API_KEY is set.",
    )
    state_dir: Path = Field(
        default_factory=_home,
        description="Folder for agent checkpoints, spool files and sync state.",
    )


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; explicit overrides (CLI flags) win."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)
