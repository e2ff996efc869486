"""Reading a git repository for the PR cost diff: changed files, file contents at a ref, commits in a range."""

from __future__ import annotations

import subprocess
from pathlib import Path

from spendscope.data.errors import InvalidArgument

SOURCE_SUFFIXES = (".py", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts")


def _git(repo: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise InvalidArgument(
            "git is not installed; the PR cost diff reads the repository with git"
        ) from None
    if out.returncode != 0:
        first = (out.stderr.strip().splitlines() or ["git failed"])[0]
        raise InvalidArgument(f"git {' '.join(args[:2])} failed in {repo}: {first}", argument="repo")
    return out.stdout


def resolve(repo: Path, ref: str) -> str:
    """The commit sha of `ref`; a clear error when the ref does not exist."""
    if not (repo / ".git").exists() and _git(repo, "rev-parse", "--is-inside-work-tree").strip() != "true":
        raise InvalidArgument(f"{repo} is not a git repository", argument="repo")
    try:
        return _git(repo, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()
    except InvalidArgument:
        raise InvalidArgument(
            f"{ref!r} is not a commit, branch or tag in {repo}", argument="ref", value=ref
        ) from None


def changed_source_files(repo: Path, base: str, head: str) -> list[str]:
    out = _git(repo, "diff", "--name-only", "--no-renames", base, head)
    return [p for p in out.splitlines() if p.endswith(SOURCE_SUFFIXES)]


def file_at(repo: Path, ref: str, path: str) -> str | None:
    out = subprocess.run(["git", "-C", str(repo), "show", f"{ref}:{path}"], capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


def commits_between(repo: Path, base: str, head: str) -> list[str]:
    """Full and short shas of the commits in base..head (newest first)."""
    return [line for line in _git(repo, "rev-list", f"{base}..{head}").splitlines() if line]


def read_text(repo: Path, path: str) -> str | None:
    p = repo / path
    return p.read_text(encoding="utf-8") if p.is_file() else None
