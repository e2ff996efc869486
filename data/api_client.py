"""HTTP for the provider API syncs: JSON GETs with retries and cursor pagination, and errors a user can act on.

429 and 5xx answers (and dropped connections) are retried by tenacity with exponential backoff and jitter; a
`retry-after` / `retry-after-ms` header from the provider wins over our own delay. 401 and 403 become a
`SourceError` that says which key to fix; provider response bodies never reach the message.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from spendscope.data.errors import SourceError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, retry_if_result, stop_after_attempt

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """The delay a provider asked for: `retry-after-ms`, `retry-after` in seconds, or an HTTP date."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


class ApiClient:
    """A small JSON client for one provider API (base URL + auth headers)."""

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        provider: str,
        key_name: str,
        max_attempts: int = 6,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.provider = provider
        self.key_name = key_name
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.requests = 0
        self.retries = 0
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _asked_delay(self, response: httpx.Response) -> float | None:
        """The wait the API asked for in this answer (None: use our own backoff)."""
        return retry_after_seconds(response.headers)

    def _retryable(self, response: httpx.Response) -> bool:
        return response.status_code in RETRY_STATUS

    def _wait(self, state: RetryCallState) -> float:
        """Seconds before the next attempt: the provider's `retry-after`, else exponential with jitter."""
        response = None if state.outcome is None or state.outcome.failed else state.outcome.result()
        asked = self._asked_delay(response) if response is not None else None
        if asked is not None:
            return min(asked, self.max_delay * 2)
        attempt = state.attempt_number - 1
        return min(self.base_delay * (2**attempt), self.max_delay) * (0.5 + random.random() / 2)

    def _counted(self, state: RetryCallState) -> None:
        self.retries += 1

    def _send(
        self, method: str, path: str, params: list[tuple[str, str]] | None, body: Any
    ) -> httpx.Response:
        self.requests += 1
        if body is None:
            return self._client.request(method, path, params=params)
        return self._client.request(method, path, params=params, json=body)

    def send(
        self, method: str, path: str, *, params: list[tuple[str, str]] | None = None, body: Any = None
    ) -> httpx.Response:
        """One request, retrying throttling, server errors and dropped connections (tenacity); the last answer
        is returned as it is (errors are the caller's to map). `path` may be an absolute URL."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(httpx.TransportError) | retry_if_result(self._retryable),
            sleep=self.sleep,
            before_sleep=self._counted,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            reraise=True,
        )
        try:
            return retrying(self._send, method, path, params, body)
        except httpx.TransportError as exc:
            raise SourceError(
                f"{self.provider} API at {url} could not be reached after {self.max_attempts} attempts "
                f"({type(exc).__name__}); check the network or the API URL setting",
                provider=self.provider,
                url=url,
            ) from None

    def get_json(self, path: str, params: list[tuple[str, str]]) -> dict[str, Any]:
        """GET `path` and return the decoded JSON object, retrying throttling and server errors."""
        url = f"{self.base_url}{path}"
        response = self.send("GET", path, params=params)
        status = response.status_code
        if status >= 400:
            raise self._error(status, url)
        try:
            body = response.json()
        except ValueError:
            raise SourceError(
                f"{self.provider} API at {url} answered HTTP {status} with a body that is not JSON; "
                "check the API URL setting",
                provider=self.provider,
                url=url,
                status=status,
            ) from None
        if not isinstance(body, dict):
            raise SourceError(
                f"{self.provider} API at {url} answered with JSON that is not an object",
                provider=self.provider,
                url=url,
            )
        return body

    def _error(self, status: int, url: str) -> SourceError:
        p, k = self.provider, self.key_name
        if status == 401:
            return SourceError(
                f"{p} rejected the admin key (HTTP 401 at {url}): set a valid admin key in {k} or in the keys file",
                provider=p,
                url=url,
                status=status,
                reason="unauthorized",
            )
        if status == 403:
            return SourceError(
                f"{p} refused the request (HTTP 403 at {url}): the key in {k} lacks permission for usage and "
                "cost reports; use an organization admin key",
                provider=p,
                url=url,
                status=status,
                reason="forbidden",
            )
        if status == 404:
            return SourceError(
                f"{p} has no endpoint at {url} (HTTP 404); check the API URL setting",
                provider=p,
                url=url,
                status=status,
                reason="not_found",
            )
        if status in RETRY_STATUS:
            return SourceError(
                f"{p} kept failing at {url} (HTTP {status}) after {self.max_attempts} attempts; retry later",
                provider=p,
                url=url,
                status=status,
                reason="unavailable",
            )
        return SourceError(
            f"{p} rejected the request to {url} (HTTP {status}); check the --since/--until dates (the APIs "
            "accept a limited history) and the API URL setting",
            provider=p,
            url=url,
            status=status,
            reason="rejected",
        )

    def pages(self, path: str, params: list[tuple[str, str]]) -> Iterator[dict[str, Any]]:
        """Every page of a cursor-paginated listing (`has_more` + `next_page`, sent back as `page`)."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self.get_json(path, params + ([("page", cursor)] if cursor else []))
            yield page
            if not page.get("has_more"):
                return
            cursor = page.get("next_page")
            if not cursor or cursor in seen:
                raise SourceError(
                    f"{self.provider} API at {self.base_url}{path} said has_more but gave "
                    f"{'no' if not cursor else 'a repeated'} next_page cursor; nothing was imported",
                    provider=self.provider,
                )
            seen.add(cursor)
