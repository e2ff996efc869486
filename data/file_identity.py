"""Recognising a file imported before without a serial pass over it.

Each imported file is recorded with its size, a digest of its first and last 64 KiB (`quick`) and its full
SHA-256. The full hash is computed in a background thread while DuckDB parses the file (hashlib releases the
GIL, so it runs beside the parse instead of before it); the import waits for it only before committing.

A file is a re-import when an earlier live import recorded the same size and quick digest *and* the same full
SHA-256: the quick digest only picks the candidates (a restated export of the same length with one changed value
in the middle has the same quick digest), the full hash decides. So the re-import of an unchanged file costs one
hashing pass and no parse, and a new file costs no pass before parsing.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from pathlib import Path

_EDGE = 64 << 10
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def quick_digest(path: Path) -> str:
    """SHA-256 of the size, the first and the last 64 KiB: cheap, and only ever used to find candidates."""
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        h.update(fh.read(_EDGE))
        if size > _EDGE:
            fh.seek(max(size - _EDGE, _EDGE))
            h.update(fh.read(_EDGE))
    return h.hexdigest()


@dataclass
class FileIdentity:
    """One file of a delivery: where it is, how big, and its digests (the full one possibly still running)."""

    path: Path
    size: int
    quick: str
    name: str = ""  # what the import records as the file (its absolute path, or a bucket object's URL)
    _full: str | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)
    _error: BaseException | None = field(default=None, repr=False)

    @classmethod
    def of(cls, path: Path, name: str | None = None) -> FileIdentity:
        return cls(
            path=path, size=path.stat().st_size, quick=quick_digest(path), name=name or str(path.resolve())
        )

    def start_hashing(self) -> None:
        """Compute the full SHA-256 in a background thread (no-op when known or running)."""
        if self._full is not None or self._thread is not None:
            return

        def run() -> None:
            try:
                self._full = sha256_file(self.path)
            except BaseException as exc:  # noqa: BLE001 - re-raised by `sha256`
                self._error = exc

        self._thread = threading.Thread(target=run, name=f"sha256 {self.path.name}", daemon=True)
        self._thread.start()

    @property
    def sha256(self) -> str:
        """The full SHA-256, waiting for the background thread if it is still running."""
        if self._full is None:
            if self._thread is None:
                self._full = sha256_file(self.path)
            else:
                self._thread.join()
                if self._error is not None:
                    raise self._error
        assert self._full is not None
        return self._full

    def record(self) -> dict[str, object]:
        return {
            "path": self.name or str(self.path.resolve()),
            "size": self.size,
            "quick": self.quick,
            "sha256": self.sha256,
        }


def delivery_digest(files: list[FileIdentity]) -> str:
    """One hash for a delivery: of its one file, or of its files' hashes in name order."""
    if len(files) == 1:
        return files[0].sha256
    h = hashlib.sha256()
    for f in sorted(files, key=lambda f: Path(f.name or f.path).name):
        h.update(f.sha256.encode())
    return h.hexdigest()
