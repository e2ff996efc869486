"""A small server speaking ClickHouse's HTTP interface for the requests clickhouse-connect sends, executing them
on embedded ClickHouse (chdb), so the `clickhouse://` path is tested end to end with no server installed.

Run as a process: `python fake_clickhouse_http.py FOLDER` prints `PORT` on its first line, then serves until
killed. It understands: the query in the `query` parameter or the body, `param_NAME` query parameters, settings
as URL parameters (applied with SET per request), `session_id` (one chdb connection per session, so temporary
tables live as long as the session), `database`, a trailing `FORMAT X` (results in that format) and
`INSERT ... FORMAT X` with the data in the body. Errors answer 500 with ClickHouse's exception text.
"""

from __future__ import annotations

import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import chdb

# URL parameters that are not settings.
_NOT_SETTINGS = {
    "query",
    "database",
    "session_id",
    "session_timeout",
    "session_check",
    "default_format",
    "user",
    "password",
    "query_id",
    "compress",
    "decompress",
    "enable_http_compression",
    "client_protocol_version",
}
_FORMAT = re.compile(r"\s+FORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)


class Backend:
    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.root = chdb.connect(folder)
        self.sessions: dict[str, object] = {}
        self.lock = threading.Lock()

    def connection(self, session: str | None) -> object:
        if not session:
            return chdb.connect(self.folder)
        with self.lock:
            con = self.sessions.get(session)
            if con is None:
                con = self.sessions[session] = chdb.connect(self.folder)
            return con


class Handler(BaseHTTPRequestHandler):
    backend: Backend

    def log_message(self, *args: object) -> None:  # quiet
        return None

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path in ("/ping", "/") and "query" not in dict(parse_qsl(url.query)):
            self._send(200, b"Ok.\n", "text/plain")
            return
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def _handle(self, body: bytes) -> None:
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        query = params.get("query")
        data = b""
        if query is None:
            query, body = body.decode("utf-8"), b""
        else:
            data = body
        if data and not query.lstrip().upper().startswith("INSERT"):
            query = f"{query} {data.decode('utf-8')}"
            data = b""
        bound = {k[len("param_") :]: v for k, v in params.items() if k.startswith("param_")}
        settings = {k: v for k, v in params.items() if k not in _NOT_SETTINGS and not k.startswith("param_")}
        con = self.backend.connection(params.get("session_id"))
        try:
            for key, value in settings.items():
                try:
                    con.query(f"SET {key} = {_setting_value(value)}", "Null")
                except (
                    Exception
                ) as exc:  # HTTP-only settings (wait_end_of_query, ...) are the server's business
                    if "UNKNOWN_SETTING" not in str(exc):
                        raise
            if params.get("database"):
                con.query(f"USE `{params['database']}`", "Null")
            match = _FORMAT.search(query)
            fmt = match.group(1) if match else params.get("default_format", "TabSeparated")
            sql = query[: match.start()] if match else query
            if sql.lstrip().upper().startswith("INSERT") and data:
                with con.send_insert(sql, fmt) as ins:
                    ins.append(data)
                    ins.finish()
                payload = b""
            else:
                payload = con.query(sql, fmt, params=bound).bytes()
        except Exception as exc:  # ClickHouse answers an error as 500 with its text
            text = str(exc).strip()
            code = re.search(r"Code: (\d+)", text)
            self._send(500, text.encode("utf-8"), "text/plain", code.group(1) if code else "1000")
            return
        finally:
            if not params.get("session_id"):
                con.close()
        self._send(200, payload, "application/octet-stream", fmt=fmt)

    def _send(self, status: int, payload: bytes, ctype: str, code: str | None = None, fmt: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-ClickHouse-Timezone", "UTC")
        self.send_header("X-ClickHouse-Server-Display-Name", "fake-chdb")
        self.send_header("X-ClickHouse-Summary", '{"read_rows":"0","written_rows":"0"}')
        if fmt:
            self.send_header("X-ClickHouse-Format", fmt)
        if code:
            self.send_header("X-ClickHouse-Exception-Code", code)
        self.end_headers()
        self.wfile.write(payload)


def _setting_value(value: str) -> str:
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main(folder: str) -> None:
    Handler.backend = Backend(folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
