"""A real threaded HTTP server on loopback that plays canned Juhe API replies; the replies; running fetch."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.helpers import dictgen, sample_result, tree

KEY = "SENTINEL-k3y-9f2c71"
DRIP_LIMIT = 20.0  # a dripping reply stops by itself after this many seconds


@dataclass
class Reply:
    """One canned answer: status, headers, body; optionally late, or cut short."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0
    cut: bool = False
    stall: float = 0.0  # seconds to pause after the first half of the body
    length: bool = True  # False: no Content-Length, the body ends when the connection closes
    raw: bytes | None = None  # sent verbatim instead of status line, headers and body (hostile bytes)
    drip: float = 0.0  # seconds between single bytes of the body (or of ``raw``), for DRIP_LIMIT s at most


def ok_body(result: Any = None, **extra: Any) -> bytes:
    """A successful API response for ``result`` (the shipped sample by default)."""
    doc = {"reason": "success", "result": sample_result() if result is None else result, "error_code": 0}
    return json.dumps({**doc, **extra}, ensure_ascii=False).encode("utf-8")


class Server:
    """A threaded HTTP server on 127.0.0.1 that answers with queued replies (the last one repeats)."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.seen: list[str] = []
        self.ends: list[str] = []  # how each reply ended: "sent", "client hung up" or "drip limit"
        self.lock = threading.Lock()
        self.ended = threading.Condition(self.lock)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/grabTicket/dataDictionary.php"

    def serve(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order."""
        self.replies = list(replies)

    def next_reply(self, path: str) -> Reply:
        """Record the request ``path`` and take the reply for it."""
        with self.lock:
            self.seen.append(path)
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def end(self, how: str) -> None:
        """Record how a reply ended."""
        with self.ended:
            self.ends.append(how)
            self.ended.notify_all()

    def wait_ends(self, count: int, guard: float = 60.0) -> list[str]:
        """How the first ``count`` replies ended, once they have; ``guard`` only stops a hang."""
        with self.ended:
            if not self.ended.wait_for(lambda: len(self.ends) >= count, timeout=guard):
                raise AssertionError(f"only {len(self.ends)} of {count} replies ended: {self.ends}")
            return self.ends[:count]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                """Send the next reply: late, stalled, cut short, dripped or raw as it asks."""
                reply = server.next_reply(self.path)
                time.sleep(reply.delay)
                self.close_connection = True
                how = "sent"
                try:
                    how = self._send(reply)
                except (BrokenPipeError, ConnectionResetError):
                    how = "client hung up"  # the client gave up first: that is what some tests want
                finally:
                    server.end(how)

            def _send(self, reply: Reply) -> str:
                """Send ``reply``; how it ended."""
                if reply.raw is not None:
                    return _send(self.wfile, reply.raw, reply.drip)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.length and "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.drip:
                    return _send(self.wfile, reply.body, reply.drip)
                half = len(reply.body) // 2
                _send(self.wfile, reply.body[:half])
                time.sleep(reply.stall)
                if not reply.cut:
                    _send(self.wfile, reply.body[half:])
                return "sent"

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the test output quiet."""

        return Handler


def _send(out: io.BufferedIOBase, data: bytes, drip: float = 0.0) -> str:
    """Write ``data`` at once, or one byte every ``drip`` seconds until DRIP_LIMIT has passed."""
    if not drip:
        out.write(data)
        out.flush()
        return "sent"
    stop = time.monotonic() + DRIP_LIMIT
    for i in range(len(data)):
        if time.monotonic() > stop:
            return "drip limit"
        out.write(data[i : i + 1])
        out.flush()
        time.sleep(drip)
    return "sent"


@contextmanager
def serving() -> Iterator[Server]:
    """A live loopback server, shut down on leaving the block."""
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


def run_fetch(tmp: Path, url: str, *args: str, debug: bool = False) -> subprocess.CompletedProcess[str]:
    """``dictgen fetch`` in a subprocess with the sentinel key in the environment."""
    env = {"JUHE_KEY": KEY, "NO_PROXY": "*", "no_proxy": "*"}
    head = ["--debug"] if debug else []
    return dictgen(*head, "fetch", "--url", url, "--snapshots", tmp / "snapshots", *args, cwd=tmp, env=env)


def assert_no_key(tmp: Path, proc: subprocess.CompletedProcess[str]) -> None:
    """The sentinel key, in any letter case, is in no output stream and no file."""
    assert KEY.lower() not in proc.stdout.lower()
    assert KEY.lower() not in proc.stderr.lower()
    for path, data in tree(tmp).items():
        assert KEY.lower().encode() not in data.lower(), path


def closed_port_url() -> str:
    """A loopback URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/dataDictionary.php"


# --- failures: replies, extra ``dictgen fetch`` arguments, the expected error message -------

BIG = b'{"error_code": 0, "result": {"tips": ["' + b"x" * (5 * 1024 * 1024 + 10) + b'"]}}'
ANSI_REASON = json.dumps({"error_code": 207301, "reason": f"\x1b[31mbad\u202e key {KEY}", "result": None})

FAILURES: dict[str, tuple[list[Reply], list[str], str]] = {
    "500 until retries run out": ([Reply(b"oops", 500)], ["--retries", "1"], "HTTP 500 after 2 attempts"),
    "timeout": ([Reply(ok_body(), delay=3)], ["--timeout", "0.3", "--retries", "0"], "no data within 0.3 s"),
    "stalls mid-stream": (
        [Reply(ok_body(), stall=3)],
        ["--timeout", "0.3", "--retries", "0"],
        "no data within 0.3 s",
    ),
    "cut mid-stream": ([Reply(ok_body(), cut=True)], ["--retries", "0"], "closed before the whole body"),
    "html": (
        [Reply(b"<!DOCTYPE html><html>key</html>", headers={"Content-Type": "text/html"})],
        [],
        "expected JSON, got an HTML page",
    ),
    "invalid json": ([Reply(b'{"error_code": 0, "result": {')], [], "invalid JSON"),
    "10001 echoing the key": (
        [
            Reply(
                json.dumps(
                    {"error_code": 10001, "reason": f"KEY {KEY} 错误", "result": {"key": KEY}}
                ).encode()
            )
        ],
        [],
        "Juhe error 10001: wrong API key (permanent: fix this before retrying)",
    ),
    "10012": (
        [Reply(json.dumps({"error_code": "10012", "reason": "超过次数限制", "result": None}).encode())],
        [],
        "Juhe error 10012: the key exceeded its request limit (temporary: worth retrying later)",
    ),
    "over-size, declared": ([Reply(BIG)], [], "response too large: 5242"),
    "over-size, streamed": (
        [Reply(BIG, length=False)],
        [],
        "response too large: more than 5242880 bytes",
    ),
    "duplicate keys": (
        [Reply(b'{"error_code":0,"reason":"ok","result":{"idType":{"msg":"a","data":{"1":"x","1":"y"}}}}')],
        [],
        'result.idType.data."1": duplicate key',
    ),
    "404 is not retried": ([Reply(b"nope", 404)], ["--retries", "3"], "HTTP 404 Not Found"),
    "429 asking for too long": (
        [Reply(b"", 429, {"Retry-After": "3600"})],
        [],
        "HTTP 429; the server asks to wait longer: try later",
    ),
    "success echoing the key": (
        [Reply(ok_body({"k": {"msg": KEY, "data": {}}}))],
        [],
        "contains the API key",
    ),
    "key as a dictionary name": ([Reply(ok_body({KEY: {"msg": 1, "data": {}}}))], [], '"***".msg'),
    "unknown code, hostile reason": ([Reply(ANSI_REASON.encode())], [], "Juhe error 207301: [31mbad key ***"),
}
