"""Talk to the Juhe API: read the key, GET with retries, decode the response; never reveal the key.

``requests`` is imported only inside functions, so ``dictgen --help`` never loads it. Redirects are
never followed (the key is in the query), and a watchdog bounds each attempt as a whole.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dictgen.console import Redactor
from dictgen.errors import FetchError
from dictgen.model.errorcodes import BUILTIN
from dictgen.upstream.http import (
    checked_url,
    os_reason,
    redacted_logs,
    redirect_target,
    server_text,
    shown_url,
)
from dictgen.upstream.response import MAX_BYTES, Upstream, decode_response, one_line

if TYPE_CHECKING:
    import requests

DEFAULT_URL = "http://v.juhe.cn/grabTicket/action/dataDictionary.php"
BACKOFF_BASE = 0.5  # seconds; doubled per attempt, plus up to the same again as jitter
BACKOFF_CAP = 30.0
MAX_RETRY_AFTER = 60.0  # a longer Retry-After means "try later", not "wait in CI"
DEADLINE_FACTOR = 6  # one whole attempt (connect, headers, body) takes at most this many timeouts
_CHUNK = 64 * 1024

Notify = Callable[[str], None]


def read_key(key_env: str, key_file: Path | None) -> str:
    """The API key from ``key_file`` (first line) or else the environment variable ``key_env``."""
    if key_file is not None:
        try:
            key = key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise FetchError(key_file, f"cannot read the key file: {type(exc).__name__}") from None
        where = str(key_file)
    else:
        key = os.environ.get(key_env, "").strip()
        where = f"${key_env}"
        if not key:
            raise FetchError(where, f"no API key: set {key_env} or pass --key-file")
    if not key or any(ch.isspace() or not ch.isprintable() for ch in key):
        raise FetchError(where, "the API key must be one line of printable characters without spaces")
    return key


@dataclass(frozen=True)
class Request:
    """What to download and how patiently."""

    url: str
    key: str
    timeout: float = 10.0
    retries: int = 3
    max_bytes: int = MAX_BYTES
    errors: Path = BUILTIN  # the error table that explains a failed call


class _Retry(Exception):
    """A failed attempt that may succeed when repeated (after ``wait`` seconds, if the server said)."""

    def __init__(self, what: str, wait: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.wait = wait


def _notice(message: str) -> None:
    sys.stderr.write(f"{message}\n")


def fetch(request: Request, notify: Notify = _notice) -> Upstream:
    """Download the dictionary and validate it; every failure is a FetchError or SnapshotError."""
    redact = Redactor([request.key])
    url, source = checked_url(request.url, redact)
    where = shown_url(source)

    def say(message: str) -> None:
        notify(one_line(redact(message), 300))

    data = download(replace(request, url=url), where, redact, say)
    return decode_response(data, where, source, redact, request.errors)


def download(request: Request, where: str, redact: Redactor, notify: Notify) -> bytes:
    """GET with retries on connection errors, timeouts, 429 and 5xx; return the body."""
    with redacted_logs(redact):
        for attempt in range(request.retries + 1):
            notify(f"fetching {where}" + (f" (attempt {attempt + 1})" if attempt else ""))
            try:
                return _attempt(request, where, redact)
            except _Retry as failure:
                what = redact(failure.what)
                if attempt == request.retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    raise FetchError(where, f"{what}{tries}") from None
                delay = _delay(attempt, failure.wait)
                if delay is None:
                    raise FetchError(where, f"{what}; the server asks to wait longer: try later") from None
                notify(f"{what}; retry {attempt + 1} of {request.retries} in {delay:.1f} s")
                time.sleep(delay)
    raise AssertionError("unreachable")  # the loop returns or raises


def _delay(attempt: int, retry_after: float | None) -> float | None:
    """Seconds to wait before the next attempt; None when Retry-After exceeds our bound."""
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER else None
    base = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)
    return base + random.uniform(0, base)


def _attempt(request: Request, where: str, redact: Redactor) -> bytes:
    """One GET within the whole-download deadline; raise _Retry (transient) or FetchError (permanent)."""
    import requests

    watchdog = _Watchdog(DEADLINE_FACTOR * request.timeout)
    timeout = (min(request.timeout, 10.0), request.timeout)
    try:
        with watchdog, _session(watchdog) as session:
            response = session.get(
                request.url, params={"key": request.key}, timeout=timeout, stream=True, allow_redirects=False
            )
            with response:
                if isinstance(sock := getattr(response.raw.connection, "sock", None), socket.socket):
                    watchdog.watch(sock)  # the same socket, unless it came through a proxy
                _check_status(response, request, where, redact)
                body = _read_body(response, request, where)
    except requests.exceptions.RequestException as exc:
        raise (_overrun(request) if watchdog.fired else _classified(exc, request, where)) from None
    if watchdog.fired:  # a body without Content-Length ends where the watchdog cut it
        raise _overrun(request)
    return body


def _overrun(request: Request) -> _Retry:
    """The transient failure of an attempt that the watchdog ended."""
    return _Retry(f"the download took longer than {DEADLINE_FACTOR * request.timeout:g} s")


def _classified(exc: Exception, request: Request, where: str) -> Exception:
    """The _Retry (transient) or FetchError (permanent) for a requests exception; never its text."""
    from requests import exceptions as rex

    if isinstance(exc, rex.SSLError):
        return FetchError(where, "TLS error: the server's certificate or handshake was rejected")
    if isinstance(exc, rex.ConnectTimeout):
        return _Retry(f"no connection within {min(request.timeout, 10.0):g} s")
    if isinstance(exc, rex.ReadTimeout):
        return _Retry(f"no data within {request.timeout:g} s")
    if isinstance(exc, rex.ChunkedEncodingError):
        return _Retry("the connection closed before the whole body arrived")
    if isinstance(exc, rex.ConnectionError):
        if "timed out" in str(exc).lower():  # a read timeout while streaming the body
            return _Retry(f"no data within {request.timeout:g} s")
        return _Retry(f"cannot connect ({os_reason(str(exc))})")
    return FetchError(where, f"request failed ({type(exc).__name__})")


class _Watchdog:
    """Shuts the sockets of one attempt when its deadline passes, so no slow drip can outlast it.

    It shuts its own duplicates of the sockets: their descriptors cannot be closed and reused meanwhile.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = self._ended = False
        self._copies: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._ended = True
            for copy in self._copies:
                copy.close()

    def watch(self, sock: socket.socket) -> socket.socket:
        """Shut ``sock`` at the deadline (at once when it has passed); return it."""
        with self._lock, contextlib.suppress(OSError):  # OSError: already closed
            self._copies.append(socket.fromfd(sock.fileno(), sock.family, sock.type))
            if self.fired:
                self._copies[-1].shutdown(socket.SHUT_RDWR)
        return sock

    def _fire(self) -> None:
        with self._lock:
            self.fired = not self._ended
            for copy in self._copies if self.fired else ():
                with contextlib.suppress(OSError):
                    copy.shutdown(socket.SHUT_RDWR)  # a blocked read on the original returns at once


def _session(watchdog: _Watchdog) -> requests.Session:
    """A session that hands every socket it opens to ``watchdog``, before a byte is sent."""
    import requests
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Plain(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return watchdog.watch(super()._new_conn())

    class Secure(HTTPSConnection, Plain):  # HTTPSConnection.connect calls Plain._new_conn
        pass

    class PlainPool(HTTPConnectionPool):
        ConnectionCls = Plain

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = Secure

    class Session(requests.Session):
        def get_redirect_target(self, resp: requests.Response) -> str | None:
            return None  # a redirect is reported, never followed nor even prepared (nor its body read)

    session = Session()
    for adapter in session.adapters.values():
        if isinstance(adapter, requests.adapters.HTTPAdapter):
            adapter.poolmanager.pool_classes_by_scheme = {"http": PlainPool, "https": SecurePool}
    return session


def _check_status(response: requests.Response, request: Request, where: str, redact: Redactor) -> None:
    """Return for 200; raise _Retry for 429 and 5xx, FetchError for anything else (redirects included)."""
    status = response.status_code
    if status == 429 or 500 <= status <= 599:
        raise _Retry(f"HTTP {status}", _retry_after(response.headers.get("Retry-After")))
    location = response.headers.get("Location")
    if 300 <= status <= 399 and location is not None:
        target = redirect_target(location, request.url, redact)
        why = "refusing to follow (the key would go with it); use --url"
        raise FetchError(where, f"HTTP {status}: redirected to {target}: {why}")
    if status != 200:
        raise FetchError(where, f"HTTP {status} {server_text(response.reason or '', redact, 60)}".rstrip())


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]+", value):  # ASCII digits only: "²".isdigit() is true, float("²") fails
        return float(value)
    try:
        from email.utils import parsedate_to_datetime  # ~20 ms: only for a Retry-After date

        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


def _read_body(response: requests.Response, request: Request, where: str) -> bytes:
    """Stream the body, stopping at the size cap (the watchdog stops it at the deadline)."""
    limit = request.max_bytes
    declared = response.headers.get("Content-Length")
    if declared is not None and not re.fullmatch(r"\s*[0-9]+\s*", declared):
        raise FetchError(where, "invalid Content-Length header: cannot tell whether the body is complete")
    if declared is not None and int(declared) > limit:
        raise FetchError(where, f"response too large: {int(declared)} bytes (limit {limit})")
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > limit:
            raise FetchError(where, f"response too large: more than {limit} bytes")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "text/html" or bytes(body[:512]).lstrip().startswith(b"<"):
        raise FetchError(where, f"expected JSON, got an HTML page ({len(body)} bytes)")
    return bytes(body)
