"""Juhe API responses: decode, branch on ``error_code``, validate; redact the key from all text and URLs."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_plus, urljoin, urlsplit, urlunsplit

from dictgen.errors import DictgenError, FetchError, SnapshotError
from dictgen.model.snapshot import parse_json, validate_result
from dictgen.model.types import Dictionary
from dictgen.text import needs_escape

MAX_BYTES = 5 * 1024 * 1024
REDACTED = "***"

# Juhe system-level error codes: (meaning, worth retrying later).
SYSTEM_ERRORS: dict[int, tuple[str, bool]] = {
    10001: ("wrong API key", False),
    10002: ("this key has no permission for the API", False),
    10003: ("the key has expired", False),
    10004: ("wrong OPENID", False),
    10005: ("the application is not verified", False),
    10007: ("unknown request source", False),
    10008: ("this IP address is banned", False),
    10009: ("this key is banned", False),
    10011: ("this IP address exceeded its request limit", True),
    10012: ("the key exceeded its request limit", True),
    10013: ("the test key exceeded its request limit", True),
    10014: ("Juhe internal error", True),
    10020: ("the API is under maintenance", True),
    10021: ("the API is disabled", False),
}


@dataclass(frozen=True)
class Upstream:
    """A validated ``result`` object and where it came from (without the key)."""

    result: dict[str, Any]
    source: str
    tips: tuple[str, ...] | None
    dictionaries: tuple[Dictionary, ...]


class Redactor:
    """Replaces the secrets in text that may be shown or stored: in any letter case, any mix of %-escapes."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        spellings = [_spellings(s) for s in sorted({s for s in secrets if s}, key=len, reverse=True)]
        self._pattern = re.compile("|".join(spellings), re.IGNORECASE) if spellings else None

    def __call__(self, text: str) -> str:
        return self._pattern.sub(REDACTED, text) if self._pattern else text

    def found_in(self, text: str) -> bool:
        """True when any spelling of a secret occurs in ``text``."""
        return bool(self._pattern and self._pattern.search(text))

    def error(self, exc: DictgenError) -> DictgenError:
        """The same error with every secret removed from its text."""
        if isinstance(exc, SnapshotError):
            return SnapshotError(self(exc.where), [(self(p), self(m)) for p, m in exc.problems])
        return type(exc)(self(exc.where), self(exc.what))


def _spellings(secret: str) -> str:
    """A pattern for ``secret`` with each character as itself or %-escaped (a space also as ``+``)."""
    parts = []
    for ch in secret:
        escaped = "".join(f"%{byte:02x}" for byte in ch.encode("utf-8", "surrogatepass"))
        parts.append(f"(?:{re.escape(ch)}|{escaped}{'|[+]' if ch == ' ' else ''})")
    return "".join(parts)


def one_line(text: str, limit: int = 160) -> str:
    """Untrusted text made safe for a terminal: no control or bidi characters, bounded length."""
    flat = " ".join("".join(" " if needs_escape(ch) else ch for ch in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def read_saved(path: Path) -> bytes:
    """The bytes of a saved response (``-`` is stdin), refusing more than MAX_BYTES."""
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise FetchError(str(path), f"cannot read: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_BYTES:
        raise FetchError(str(path), f"too large: more than {MAX_BYTES} bytes")
    return data


def decode_response(data: bytes, where: str, source: str, redact: Redactor | None = None) -> Upstream:
    """Parse a raw API response ``{"reason", "result", "error_code"}`` and validate its result."""
    redact = redact or Redactor()
    try:
        doc = parse_json(data, where)
        result = _unwrap(doc, where, redact)
        problems: list[tuple[str, str]] = []
        tips, dictionaries = validate_result(result, problems, lambda m: _warn(redact(m)))
        if problems:
            raise SnapshotError(where, problems)
    except DictgenError as exc:
        raise redact.error(exc) from None
    if redact.found_in(json.dumps(result, ensure_ascii=False)):
        raise FetchError(where, "the response contains the API key; refusing to record it")
    return Upstream(result, source, tips, dictionaries)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {one_line(message, 300)}\n")


def _unwrap(doc: Any, where: str, redact: Redactor) -> dict[str, Any]:
    """Branch on ``error_code`` only; return ``result`` when the call succeeded."""
    if not isinstance(doc, dict) or "error_code" not in doc:
        raise FetchError(where, 'not a Juhe API response: expected an object with "error_code"')
    code = doc["error_code"]
    if isinstance(code, bool) or not isinstance(code, int | str):
        raise FetchError(where, f"error_code must be a number, not {type(code).__name__}")
    if str(code).strip() != "0":
        raise FetchError(where, _describe_error(code, doc.get("reason"), redact))
    result = doc.get("result")
    if not isinstance(result, dict):
        raise FetchError(where, 'error_code is 0 but "result" is not an object')
    return result


def _describe_error(code: int | str, reason: Any, redact: Redactor) -> str:
    """A clear message for a Juhe error code, saying whether trying later may help."""
    number = int(code) if re.fullmatch(r"[0-9]{1,9}", str(code).strip()) else None
    known = SYSTEM_ERRORS.get(number) if number is not None else None
    shown = one_line(redact(str(code)), 20)
    if known is None:
        detail = one_line(redact(reason)) if isinstance(reason, str) and reason.strip() else "no reason"
        return f"Juhe error {shown}: {detail}"
    meaning, temporary = known
    advice = "temporary: worth retrying later" if temporary else "permanent: fix this before retrying"
    return f"Juhe error {shown}: {meaning} ({advice})"


# --- URLs and server text, as they may be shown: without the key ------------------------------


def shown_url(url: str) -> str:
    """The request URL as it may be displayed or stored: with ``key=***``."""
    return f"{url}{'&' if urlsplit(url).query else '?'}key={REDACTED}"


def checked_url(url: str, redact: Redactor) -> tuple[str, str]:
    """``url`` without its fragment, and as it may be shown; FetchError when it is unusable."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
        masked, has_key = _masked_url(url)
    except ValueError:
        raise FetchError("--url", "not a valid URL") from None
    source = redact(masked)  # stored as the snapshot's source: not shortened
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(source, "the URL must start with http:// or https:// and name a host")
    if has_key:
        raise FetchError(source, "the URL must not carry a key: use --key-env or --key-file")
    return urlunsplit(parts._replace(fragment="")), source


def _masked_url(url: str) -> tuple[str, bool]:
    """``url`` with any user:password and every ``key`` parameter's value as ***, no fragment; had a key?"""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    pieces, found = re.split(r"([&;])", parts.query), False
    for i in range(0, len(pieces), 2):
        name = pieces[i].partition("=")[0]
        # every spelling PHP would read as ``key``: KEY, %6Bey, key[]
        if re.fullmatch(r"key(\[.*)?", unquote_plus(name).strip(), re.IGNORECASE | re.DOTALL):
            pieces[i], found = f"{name}={REDACTED}", True
    return urlunsplit((parts.scheme, netloc, parts.path, "".join(pieces), "")), found


def _origin(url: str) -> str | None:
    """``scheme://host:port`` of an absolute URL, without user, path or query; None when it has none."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
    except ValueError:
        return None
    host = unquote(parts.netloc.rpartition("@")[2])
    return f"{parts.scheme}://{host}" if parts.scheme and host else None


def _latin1_as_utf8(value: str) -> str:
    """A header or reason phrase (which http.client decodes as Latin-1) as the UTF-8 it was sent as."""
    return value.encode("latin-1", "replace").decode("utf-8", "replace")


def os_reason(text: str) -> str:
    """The OS reason inside a requests error text (which also holds the URL, so never show it all)."""
    found = re.search(r"\[Errno -?\d+\] ([A-Za-z][A-Za-z ,'-]*)", text)
    if found:
        return found.group(1).strip().lower()
    return "name resolution failed" if "resolve" in text.lower() else "connection error"


def server_text(value: str, redact: Redactor, limit: int) -> str:
    """A header or reason phrase from the server, safe to show: decoded, redacted, one short line."""
    return one_line(redact(_latin1_as_utf8(redact(value))), limit)


def redirect_target(location: str, base: str, redact: Redactor) -> str:
    """Where a redirect points, as its origin only: its path or query may carry the key."""
    try:
        found = _origin(urljoin(base, _latin1_as_utf8(redact(location))))
    except ValueError:
        found = None
    return server_text(found, redact, 100) if found else "an address that is not a valid URL"


@contextmanager
def redacted_logs(redact: Redactor) -> Iterator[None]:
    """While downloading, route urllib3 log records through the redactor (and never to the root)."""
    import logging  # ~10 ms: only while downloading

    class _RedactingLogHandler(logging.Handler):
        """Shows urllib3's warnings (some carry the request URL) with the key removed, one line each."""

        def emit(self, record: logging.LogRecord) -> None:
            try:
                text = one_line(redact(record.getMessage()), 300)
            except Exception:  # never logging's own error report: it would print the raw arguments
                text = f"{record.name}: a log record that cannot be formatted"
            sys.stderr.write(f"warning: {text}\n")

    log = logging.getLogger("urllib3")
    handler, propagate = _RedactingLogHandler(logging.WARNING), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
