"""What leaves the process: every printed line is cleaned of secrets; signals become exceptions."""

from __future__ import annotations

import errno
import os
import re
import sys
import unicodedata
from collections.abc import Iterable

from dictgen.errors import DictgenError, SnapshotError
from dictgen.text import needs_escape, visible

REDACTED = "***"
_KEY_QUERY = re.compile(r"(?i)(?:^|[?&;\s])key=([^&#\s]*)")


class Redactor:
    """Replaces the secrets in text that may be shown or stored: in any letter case, any mix of %-escapes."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        spellings = [_spellings(s) for s in sorted({s for s in secrets if s}, key=len, reverse=True)]
        self._pattern = re.compile("|".join(spellings), re.IGNORECASE) if spellings else None

    def __call__(self, text: str) -> str:
        return redact_shown(self._pattern, text, spaced=False) if self._pattern else text

    def found_in(self, text: str) -> bool:
        """True when any spelling of a secret occurs in ``text``, as shown or as it is."""
        return bool(
            self._pattern and (self._pattern.search(text) or self._pattern.search(_as_shown(text)[0]))
        )

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


def redact_shown(pattern: re.Pattern[str], text: str, group: int = 0, spaced: bool = True) -> str:
    """``text`` with each match of ``pattern`` (its ``group``) replaced by ***, matched in the text
    as a reader sees it: invisible characters dropped and NFKC applied (fullwidth letters are
    letters), so that zero-width spaces between its letters do not hide a key. Without ``spaced``,
    tabs and line breaks go too (they show as blanks in a one-line message)."""
    folded, origin = _as_shown(text, spaced)
    spans = [
        (origin[m.start(group)], origin[m.end(group) - 1] + 1)
        for m in pattern.finditer(folded)
        if m.group(group)
    ]
    out, last = [], 0
    for start, end in spans:
        if start >= last:
            out += [text[last:start], REDACTED]
            last = end
    return "".join(out) + text[last:]


def _as_shown(text: str, spaced: bool = False) -> tuple[str, list[int]]:
    """``text`` without invisible characters (but tabs and line breaks, when ``spaced``) and in NFKC,
    and for each of its characters the index of the character of ``text`` it comes from."""
    if text.isascii() and text.isprintable():
        return text, list(range(len(text)))
    kept = "\n\t" if spaced else ""
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        shown = "" if needs_escape(ch) and ch not in kept else unicodedata.normalize("NFKC", ch)
        chars.append(shown)
        origin += [index] * len(shown)
    return "".join(chars), origin


class ReaderGone(BaseException):
    """stdout's reader closed the pipe (``dictgen check | head``): its choice, not an error."""


class Terminated(BaseException):
    """SIGTERM arrived: unwind (rolling back any write) like Ctrl-C does."""


class Output:
    """Every line dictgen prints passes here: secrets and ``key=`` values are removed first."""

    def __init__(self) -> None:
        self.redactors: list[Redactor] = []
        self.debug = False

    def redact(self, text: str) -> str:
        """``text`` with every key known to this run replaced by ***."""
        for redact in self.redactors:
            text = redact(text)
        return text

    def clean(self, text: str) -> str:
        """``text`` with every known key and every ``key=`` query value replaced by ***."""
        return redact_shown(_KEY_QUERY, self.redact(text), 1)

    def say(self, text: str, err: bool = False, nl: bool = True, data: bool = False) -> None:
        """Print one cleaned piece of text to stdout (or stderr). ``data`` (dictionary values, which
        may well say ``key=``, escaped by their format) loses only the keys known to this run; any
        other text is one line, with its control characters escaped (a file name may hold a newline
        or ESC)."""
        if not data:
            text = visible(self.clean(text))
        try:
            _write((self.redact(text) if data else text) + ("\n" if nl else ""), err)
        except OSError as exc:  # stdout closed or full (a pipe, /dev/full)
            if err:
                raise
            silence_stdout()
            if exc.errno == errno.EPIPE:
                raise ReaderGone from None
            raise DictgenError("<stdout>", f"cannot write: {exc.strerror or exc}") from None

    def error(self, where: str, what: str) -> None:
        """Print ``error: where: what`` as one line on stderr."""
        line = f"error: {self.clean(where)}: {self.clean(what)}".replace("\r", " ").replace("\n", " ")
        _write(visible(line) + "\n", err=True)  # no raw control character, as ``say``

    def traceback(self) -> None:
        """Under --debug, the current exception's traceback (cleaned)."""
        if self.debug:
            import traceback

            _write(self.clean(traceback.format_exc()), err=True)


OUT = Output()


def _write(text: str, err: bool) -> None:
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # started with the stream closed (>&- or 2>&-)
        if err:
            return  # nowhere to report to; the exit code still tells
        raise OSError(9, "standard output is closed")
    try:
        try:
            stream.write(text)
        except UnicodeEncodeError:  # a terminal that is not UTF-8: escapes for what it cannot show
            encoding = stream.encoding or "ascii"
            stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
        stream.flush()
    except OSError:
        if err:
            return
        raise


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    if sys.stdout is None:
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
