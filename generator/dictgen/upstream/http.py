"""HTTP for ``fetch``: URLs and server text as they may be shown (without the key), and urllib3's
log records routed through the redactor."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from dictgen.console import REDACTED, Redactor
from dictgen.errors import FetchError
from dictgen.model.snapshot import masked_url
from dictgen.upstream.response import one_line


def shown_url(url: str) -> str:
    """The request URL as it may be displayed or stored: with ``key=***``."""
    return f"{url}{'&' if urlsplit(url).query else '?'}key={REDACTED}"


def checked_url(url: str, redact: Redactor) -> tuple[str, str]:
    """``url`` without its fragment, and as it may be shown; FetchError when it is unusable."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number in range)
        masked, has_key = masked_url(url)
    except ValueError:
        raise FetchError("--url", "not a valid URL") from None
    source = redact(masked)  # stored as the snapshot's source: not shortened
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(source, "the URL must start with http:// or https:// and name a host")
    if has_key:
        raise FetchError(source, "the URL must not carry a key: use --key-env or --key-file")
    return urlunsplit(parts._replace(fragment="")), source


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
