"""Talk to the Juhe API: read the key, GET with retries, decode the response; never reveal the key.

``requests`` is imported only inside :func:`download`, so ``dictgen --help`` never loads it.
"""

from __future__ import annotations

import logging
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from generator.errors import FetchError
from generator.response import MAX_BYTES, REDACTED, Redactor, Upstream, decode_response, one_line

if TYPE_CHECKING:
    import requests

DEFAULT_URL = "http://v.juhe.cn/grabTicket/action/dataDictionary.php"
BACKOFF_BASE = 0.5  # seconds; doubled per attempt, plus up to the same again as jitter
BACKOFF_CAP = 30.0
MAX_RETRY_AFTER = 60.0  # a longer Retry-After means "try later", not "wait in CI"
_CHUNK = 64 * 1024

Notify = Callable[[str], None]


def read_key(key_env: str, key_file: Path | None) -> str:
    """The API key from ``key_file`` (first line) or else the environment variable ``key_env``."""
    if key_file is not None:
        try:
            key = key_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise FetchError(str(key_file), f"cannot read the key file: {type(exc).__name__}") from None
        where = str(key_file)
    else:
        key = os.environ.get(key_env, "").strip()
        where = f"${key_env}"
        if not key:
            raise FetchError(where, f"no API key: set {key_env} or pass --key-file")
    if not key or any(ch.isspace() or not ch.isprintable() for ch in key):
        raise FetchError(where, "the API key must be one line of printable characters without spaces")
    return key


def shown_url(url: str) -> str:
    """The request URL as it may be displayed or stored: with ``key=***``."""
    return f"{url}{'&' if urlsplit(url).query else '?'}key={REDACTED}"


@dataclass(frozen=True)
class Request:
    """What to download and how patiently."""

    url: str
    key: str
    timeout: float = 10.0
    retries: int = 3
    max_bytes: int = MAX_BYTES


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
    where = shown_url(redact(request.url))
    if "key" in dict(parse_qsl(urlsplit(request.url).query)):
        raise FetchError(where, "the URL must not carry a key: use --key-env or --key-file")
    data = download(request, where, redact, notify)
    return decode_response(data, where, redact(request.url), redact)


def download(request: Request, where: str, redact: Redactor, notify: Notify) -> bytes:
    """GET with retries on connection errors, 429 and 5xx; return the body."""
    import requests

    with _redacted_logs(redact), requests.Session() as session:
        session.max_redirects = 5
        for attempt in range(request.retries + 1):
            notify(f"fetching {where}" + (f" (attempt {attempt + 1})" if attempt else ""))
            try:
                return _attempt(session, request, where)
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


class _RedactingHandler(logging.Handler):
    """Shows urllib3's warnings (some carry the request URL) with the key removed, one line each."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__(logging.WARNING)
        self.redact = redact

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"warning: {one_line(self.redact(record.getMessage()), 300)}\n")


@contextmanager
def _redacted_logs(redact: Redactor) -> Iterator[None]:
    """While downloading, route urllib3 log records through the redactor (and never to the root)."""
    log = logging.getLogger("urllib3")
    handler, propagate = _RedactingHandler(redact), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.propagate = propagate


def _delay(attempt: int, retry_after: float | None) -> float | None:
    """Seconds to wait before the next attempt; None when Retry-After exceeds our bound."""
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER else None
    base = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**attempt)
    return base + random.uniform(0, base)


def _attempt(session: requests.Session, request: Request, where: str) -> bytes:
    """One GET; raise _Retry for transient failures and FetchError for permanent ones."""
    import requests

    timeout = (min(request.timeout, 10.0), request.timeout)
    try:
        params = {"key": request.key}
        with session.get(request.url, params=params, timeout=timeout, stream=True) as response:
            _check_status(response, where)
            return _read_body(response, request, where)
    except requests.exceptions.SSLError:
        raise FetchError(where, "TLS error: the server's certificate or handshake was rejected") from None
    except requests.exceptions.ConnectTimeout:
        raise _Retry(f"no connection within {timeout[0]:g} s") from None
    except requests.exceptions.ReadTimeout:
        raise _Retry(f"no data within {request.timeout:g} s") from None
    except requests.exceptions.ChunkedEncodingError:
        raise _Retry("the connection closed before the whole body arrived") from None
    except requests.exceptions.TooManyRedirects:
        raise FetchError(where, "too many redirects") from None
    except requests.exceptions.ConnectionError as exc:
        if "timed out" in str(exc).lower():  # a read timeout while streaming the body
            raise _Retry(f"no data within {request.timeout:g} s") from None
        raise _Retry(f"cannot connect ({_cause(str(exc))})") from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(where, f"request failed ({type(exc).__name__})") from None


def _cause(text: str) -> str:
    """The OS reason inside a requests error text (which also holds the URL, so never show it all)."""
    found = re.search(r"\[Errno -?\d+\] ([A-Za-z][A-Za-z ,'-]*)", text)
    if found:
        return found.group(1).strip().lower()
    return "name resolution failed" if "resolve" in text.lower() else "connection error"


def _check_status(response: requests.Response, where: str) -> None:
    status = response.status_code
    if status == 429 or 500 <= status <= 599:
        raise _Retry(f"HTTP {status}", _retry_after(response.headers.get("Retry-After")))
    if status != 200:
        raise FetchError(where, f"HTTP {status} {one_line(response.reason or '', 60)}".rstrip())


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _read_body(response: requests.Response, request: Request, where: str) -> bytes:
    """Stream the body, stopping at the size cap and at an overall deadline."""
    limit = request.max_bytes
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(where, f"response too large: {int(declared)} bytes (limit {limit})")
    deadline = time.monotonic() + 6 * request.timeout
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body += chunk
        if len(body) > limit:
            raise FetchError(where, f"response too large: more than {limit} bytes")
        if time.monotonic() > deadline:
            raise _Retry(f"the download took longer than {6 * request.timeout:g} s")
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "text/html" or bytes(body[:512]).lstrip().startswith(b"<"):
        raise FetchError(where, f"expected JSON, got an HTML page ({len(body)} bytes)")
    return bytes(body)
