"""Local fakes of the coding-assistant admin APIs on 127.0.0.1, speaking the documented request and response shapes:

- Cursor Admin API: GET /teams/members, POST /teams/daily-usage-data, /teams/filtered-usage-events (page/pageSize,
  pagination.hasNextPage), /teams/spend (totalPages); Basic auth with the key as user name.
- GitHub REST: GET /orgs/{org}/copilot/billing/seats (per_page/page, total_seats),
  /organizations/{org}/settings/billing/premium_request/usage (year/month/day, optional user),
  /orgs/{org}/copilot/metrics/reports/users-1-day (download_links to NDJSON served here too); Bearer token; the
  primary rate limit as a 403 with x-ratelimit-remaining 0.
- Anthropic: GET /v1/organizations/usage_report/claude_code (starting_at one day, limit, page/next_page) and
  /v1/organizations/users (limit, after_id, has_more, last_id).

Each fake holds its data in plain lists (tests change them between syncs to play late revisions), scripted
failures per path (429 with retry-after 0, 5xx), and a request log.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fake_provider_apis import _json

FIXTURES = Path(__file__).parent / "fixtures" / "assistants"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _ms_day(value: Any) -> dt.date:
    return dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC).date()


@dataclass
class _Fake:
    failures: dict[str, list[int]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failure(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        with self.lock:
            queue = self.failures.get(path)
            if queue:
                status = queue.pop(0)
                return _json(status, {"message": "slow down"}, {"retry-after": "0"})
        return None


@dataclass
class FakeCursor(_Fake):
    key: str = "key_good"
    members: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    daily: list[dict[str, Any]] = field(default_factory=list)
    spend: list[dict[str, Any]] = field(default_factory=list)

    def route(self, method: str, path: str, query: dict, headers: dict[str, str], body: bytes) -> tuple:
        doc = json.loads(body) if body else {}
        self.requests.append((method, path, doc))
        expected = "Basic " + base64.b64encode(f"{self.key}:".encode()).decode()
        if headers.get("authorization") != expected:
            return _json(401, {"error": "Unauthorized"})
        if (fail := self.failure(path)) is not None:
            return fail
        if method == "GET" and path == "/teams/members":
            return _json(200, {"teamMembers": self.members})
        if method != "POST":
            return _json(404, {"error": "not found"})
        if path == "/teams/daily-usage-data":
            lo, hi = _ms_day(doc["startDate"]), _ms_day(doc["endDate"])
            assert (hi - lo).days <= 30, "Cursor accepts at most 30 days per call"
            rows = [d for d in self.daily if lo <= _ms_day(d["date"]) <= hi]
            return _json(
                200, {"data": rows, "period": {"startDate": doc["startDate"], "endDate": doc["endDate"]}}
            )
        if path == "/teams/filtered-usage-events":
            lo, hi = int(doc.get("startDate", 0)), int(doc.get("endDate", 10**15))
            rows = [e for e in self.events if lo <= int(e["timestamp"]) <= hi]
            page, size = int(doc.get("page", 1)), int(doc.get("pageSize", 10))
            chunk = rows[(page - 1) * size : page * size]
            pages = max(1, -(-len(rows) // size))
            return _json(
                200,
                {
                    "totalUsageEventsCount": len(rows),
                    "pagination": {
                        "numPages": pages,
                        "currentPage": page,
                        "pageSize": size,
                        "hasNextPage": page < pages,
                        "hasPreviousPage": page > 1,
                    },
                    "usageEvents": chunk,
                    "period": {"startDate": lo, "endDate": hi},
                },
            )
        if path == "/teams/spend":
            page, size = int(doc.get("page", 1)), int(doc.get("pageSize", 100))
            pages = max(1, -(-len(self.spend) // size))
            return _json(
                200,
                {
                    "teamMemberSpend": self.spend[(page - 1) * size : page * size],
                    "subscriptionCycleStart": 1708992000000,
                    "totalMembers": len(self.members),
                    "totalPages": pages,
                },
            )
        return _json(404, {"error": "not found"})


@dataclass
class FakeGitHub(_Fake):
    token: str = "ghp_good"
    org: str = "acme"
    seats: list[dict[str, Any]] = field(default_factory=list)
    premium: list[dict[str, Any]] = field(default_factory=list)  # usage items with "day" and "user"
    metrics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # day -> NDJSON records
    rate_limited: int = 0  # answer this many requests with the primary rate limit first
    base_url: str = ""

    def route(self, method: str, path: str, query: dict, headers: dict[str, str], body: bytes) -> tuple:
        q = {k: v[0] for k, v in query.items()}
        self.requests.append((method, path, q))
        if path.startswith("/downloads/"):
            if headers.get("authorization"):
                return _json(400, {"message": "signed URLs take no Authorization header"})
            day = path.rsplit("/", 1)[1].removesuffix(".ndjson")
            text = "\n".join(json.dumps(r) for r in self.metrics.get(day, [])) + "\n"
            return 200, {"content-type": "application/x-ndjson"}, text.encode()
        if headers.get("authorization") != f"Bearer {self.token}":
            return _json(401, {"message": "Bad credentials"})
        with self.lock:
            if self.rate_limited:
                self.rate_limited -= 1
                return _json(
                    403,
                    {"message": "API rate limit exceeded"},
                    {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"},
                )
        if (fail := self.failure(path)) is not None:
            return fail
        if path == f"/orgs/{self.org}/copilot/billing/seats":
            page, size = int(q.get("page", 1)), int(q.get("per_page", 50))
            return _json(
                200, {"total_seats": len(self.seats), "seats": self.seats[(page - 1) * size : page * size]}
            )
        if path == f"/organizations/{self.org}/settings/billing/premium_request/usage":
            day = dt.date(int(q["year"]), int(q["month"]), int(q["day"]))
            items = [
                i for i in self.premium if i["day"] == day and ("user" not in q or i["user"] == q["user"])
            ]
            fields = (
                "grossQuantity",
                "grossAmount",
                "discountQuantity",
                "discountAmount",
                "netQuantity",
                "netAmount",
            )
            grouped: dict[tuple, dict[str, Any]] = {}
            for i in items:
                k = (i["product"], i["sku"], i["model"])
                g = grouped.setdefault(
                    k,
                    {
                        **{x: i[x] for x in ("product", "sku", "model", "unitType", "pricePerUnit")},
                        **{f: 0 for f in fields},
                    },
                )
                for f in fields:
                    g[f] = float(Decimal(str(g[f])) + Decimal(str(i[f])))
            out = {
                "timePeriod": {"year": day.year, "month": day.month, "day": day.day},
                "organization": self.org,
                "usageItems": list(grouped.values()),
            }
            if "user" in q:
                out["user"] = q["user"]
            return _json(200, out)
        if path == f"/orgs/{self.org}/copilot/metrics/reports/users-1-day":
            day = q["day"]
            if day not in self.metrics:
                return _json(404, {"message": "Not Found"})
            return _json(
                200, {"download_links": [f"{self.base_url}/downloads/{day}.ndjson"], "report_day": day}
            )
        return _json(404, {"message": "Not Found"})


@dataclass
class FakeClaudeCode(_Fake):
    key: str = "sk-admin-good"
    records: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)

    def route(self, method: str, path: str, query: dict, headers: dict[str, str], body: bytes) -> tuple:
        q = {k: v[0] for k, v in query.items()}
        self.requests.append((method, path, q))
        if headers.get("x-api-key") != self.key or not headers.get("anthropic-version"):
            return _json(
                401,
                {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}},
            )
        if (fail := self.failure(path)) is not None:
            return fail
        if path == "/v1/organizations/usage_report/claude_code":
            day = q["starting_at"]
            rows = [r for r in self.records if str(r["date"])[:10] == day]
            limit, offset = int(q.get("limit", 20)), int(q.get("page", "page_0").split("_")[1])
            more = offset + limit < len(rows)
            return _json(
                200,
                {
                    "data": rows[offset : offset + limit],
                    "has_more": more,
                    "next_page": f"page_{offset + limit}" if more else None,
                },
            )
        if path == "/v1/organizations/users":
            limit = int(q.get("limit", 20))
            ids = [u["id"] for u in self.users]
            start = ids.index(q["after_id"]) + 1 if "after_id" in q else 0
            chunk = self.users[start : start + limit]
            return _json(
                200,
                {
                    "data": chunk,
                    "has_more": start + limit < len(self.users),
                    "first_id": chunk[0]["id"] if chunk else None,
                    "last_id": chunk[-1]["id"] if chunk else None,
                },
            )
        return _json(404, {"type": "error", "error": {"type": "not_found_error", "message": "not found"}})
