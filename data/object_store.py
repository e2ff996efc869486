"""Export folders on disk or in object storage (s3://, gs://, az://, abfs://), listed and fetched the same way.

Buckets are read through fsspec (s3fs, gcsfs, adlfs: the optional `[cloud]` extra) with each provider's standard
credential chain and endpoint override, read by those libraries themselves:

* S3: the AWS chain (environment, shared config and credentials files, SSO, instance and container roles);
  `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3` point it at another S3 API (MinIO, Ceph, a test server).
* GCS: Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud, metadata server);
  `STORAGE_EMULATOR_HOST` points it elsewhere.
* Azure Blob / ADLS Gen2: `AZURE_STORAGE_CONNECTION_STRING` (which may carry its own `BlobEndpoint`), or
  `AZURE_STORAGE_ACCOUNT_NAME` with a key, SAS token or the default Azure credential chain.

Local folders need nothing beyond the standard library. A remote file is copied to a private temp folder before it
is imported (DuckDB's httpfs extension is not used: it would have to be downloaded at run time).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spendscope.data.errors import ImportRejected, InvalidArgument

REMOTE_SCHEMES = {
    "s3": "s3fs",
    "s3a": "s3fs",
    "gs": "gcsfs",
    "gcs": "gcsfs",
    "az": "adlfs",
    "abfs": "adlfs",
    "abfss": "adlfs",
}


@dataclass(frozen=True)
class StoredFile:
    """One file of an export folder: `path` as the store names it (a local path, or the key under the bucket),
    `rel` relative to the walked root (with `/`), its size and modification time."""

    path: str
    rel: str
    size: int
    modified: dt.datetime | None

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]


def scheme_of(location: str) -> str | None:
    head, sep, _ = location.partition("://")
    return head.lower() if sep and head.lower() in REMOTE_SCHEMES else None


def is_remote(location: str) -> bool:
    return scheme_of(location) is not None


class Folder:
    """A folder (local or in a bucket) that can be listed and whose files can be read or copied locally."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.scheme = scheme_of(location)
        self._fs: Any = None
        if self.scheme:
            self._fs, self.root = _filesystem(location, self.scheme)
        else:
            self.root = str(Path(location))

    def url(self, path: str) -> str:
        """How a file is named to the user and in the store's provenance."""
        return f"{self.scheme}://{path}" if self.scheme else path

    def is_dir(self) -> bool:
        if not self.scheme:
            return Path(self.root).is_dir()
        try:
            return bool(self._fs.isdir(self.root))
        except Exception as exc:  # the provider libraries raise their own error types
            raise _unreachable(self.location, exc) from None

    def is_file(self) -> bool:
        if not self.scheme:
            return Path(self.root).is_file()
        try:
            return bool(self._fs.isfile(self.root))
        except Exception as exc:
            raise _unreachable(self.location, exc) from None

    def files(self) -> list[StoredFile]:
        """Every file under the root, recursively, sorted by relative path."""
        if not self.scheme:
            out = []
            base = Path(self.root)
            for dirpath, _dirs, names in os.walk(base):
                for n in names:
                    p = Path(dirpath) / n
                    st = p.stat()
                    out.append(
                        StoredFile(
                            str(p),
                            p.relative_to(base).as_posix(),
                            st.st_size,
                            dt.datetime.fromtimestamp(st.st_mtime, dt.UTC),
                        )
                    )
            return sorted(out, key=lambda f: f.rel)
        try:
            found = self._fs.find(self.root, detail=True)
        except Exception as exc:
            raise _unreachable(self.location, exc) from None
        root = self.root.rstrip("/")
        out = []
        for key, info in found.items():
            if info.get("type") == "directory":
                continue
            rel = key[len(root) :].lstrip("/") if key.startswith(root) else key
            out.append(StoredFile(key, rel, int(info.get("size") or 0), _modified(info)))
        return sorted(out, key=lambda f: f.rel)

    def read_text(self, path: str) -> str:
        if not self.scheme:
            return Path(path).read_text(encoding="utf-8-sig")
        with self._fs.open(path, "rb") as fh:
            return fh.read().decode("utf-8-sig")

    @contextmanager
    def local_copy(self, path: str) -> Iterator[Path]:
        """The file as a local path: itself when local; else a copy in a private temp folder, removed afterwards."""
        if not self.scheme:
            yield Path(path)
            return
        folder = tempfile.mkdtemp(prefix="spendscope-fetch-")
        target = Path(folder) / path.rsplit("/", 1)[-1]
        try:
            try:
                self._fs.get_file(path, str(target))
            except Exception as exc:
                raise _unreachable(self.url(path), exc) from None
            yield target
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _filesystem(location: str, scheme: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError:
        raise InvalidArgument(
            f"{location}: reading {scheme}:// needs the cloud extra: pip install 'spendscope[cloud]'",
            argument="path",
        ) from None
    try:
        fs, path = fsspec.core.url_to_fs(location)
    except ImportError:
        raise InvalidArgument(
            f"{location}: reading {scheme}:// needs {REMOTE_SCHEMES[scheme]}: pip install 'spendscope[cloud]'",
            argument="path",
        ) from None
    except Exception as exc:
        raise _unreachable(location, exc) from None
    return fs, path


def _modified(info: dict[str, Any]) -> dt.datetime | None:
    for key in ("LastModified", "last_modified", "updated", "mtime", "creation_time"):
        value = info.get(key)
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, int | float):
            return dt.datetime.fromtimestamp(value, dt.UTC)
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def _unreachable(location: str, exc: BaseException) -> ImportRejected:
    kind = type(exc).__name__
    text = str(exc).splitlines()[0][:200] if str(exc) else kind
    if kind in (
        "NoCredentialsError",
        "PartialCredentialsError",
        "DefaultCredentialsError",
        "ClientAuthenticationError",
    ):
        hint = "no credentials were found: configure the provider's standard credential chain"
    elif kind in ("PermissionError",) or "AccessDenied" in text or "403" in text:
        hint = "access was denied: the credentials in use cannot read it"
    elif kind in ("FileNotFoundError",) or "NoSuchBucket" in text or "404" in text:
        hint = "it does not exist"
    else:
        hint = f"it could not be read ({kind}: {text})"
    return ImportRejected(f"{location}: {hint}; nothing was imported", file=location)
