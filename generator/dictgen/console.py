"""What leaves the process: every printed line is cleaned of secrets; signals become exceptions."""

from __future__ import annotations

import os
import re
import sys

from dictgen.errors import DictgenError
from dictgen.upstream.response import REDACTED, Redactor

_KEY_QUERY = re.compile(r"(?i)((?:^|[?&;\s])key=)[^&#\s]*")


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
        return _KEY_QUERY.sub(rf"\1{REDACTED}", self.redact(text))

    def say(self, text: str, err: bool = False, nl: bool = True, data: bool = False) -> None:
        """Print one cleaned piece of text to stdout (or stderr). ``data`` (dictionary values, which
        may well say ``key=``) loses only the keys known to this run."""
        try:
            _write((self.redact(text) if data else self.clean(text)) + ("\n" if nl else ""), err)
        except OSError as exc:  # stdout closed or full (a pipe, /dev/full)
            if err:
                raise
            silence_stdout()
            raise DictgenError("<stdout>", f"cannot write: {exc.strerror or exc}") from None

    def error(self, where: str, what: str) -> None:
        """Print ``error: where: what`` as one line on stderr."""
        line = f"error: {self.clean(where)}: {self.clean(what)}"
        _write(line.replace("\r", " ").replace("\n", " ") + "\n", err=True)

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
