"""Juhe API responses: decode, branch on ``error_code``, validate; redact the key from all text and URLs."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dictgen.console import Redactor
from dictgen.errors import DictgenError, FetchError, SnapshotError
from dictgen.model.errorcodes import BUILTIN, ErrorCode, load_error_codes
from dictgen.model.snapshot import parse_json, snapshot_from_doc, stderr_warning, validate_result
from dictgen.model.types import Dictionary, Version
from dictgen.text import needs_escape

MAX_BYTES = 5 * 1024 * 1024
_SAVED_FORMS = (
    'expected a response {"reason", "result", "error_code"} '
    'or a snapshot file like snapshots/1.0.0.json {"version", "source", "retrieved_at", "sha256", "result"}'
)


@dataclass(frozen=True)
class Upstream:
    """A validated ``result`` object and where it came from (without the key).

    Read from a snapshot file, it also has the file's ``version`` and ``retrieved_at``.
    """

    result: dict[str, Any]
    source: str
    tips: tuple[str, ...] | None
    dictionaries: tuple[Dictionary, ...]
    version: Version | None = None
    retrieved_at: str = ""


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


def decode_saved(data: bytes, where: str, source: str, errors: Path = BUILTIN) -> Upstream:
    """A saved file: a raw API response (``error_code``) or a snapshot file (``version``, ``sha256``);
    ``errors`` is the error table that explains a failed call."""
    doc = parse_json(data, where)
    snapshot_keys = sorted(doc.keys() & {"version", "sha256"}) if isinstance(doc, dict) else []
    if snapshot_keys and "error_code" in doc:  # which checks apply would be a guess
        both = ", ".join(snapshot_keys)
        raise FetchError(where, f"both a response (error_code) and a snapshot ({both}): {_SAVED_FORMS}")
    if snapshot_keys:
        snap = snapshot_from_doc(doc, where)
        return Upstream(
            doc["result"], snap.source, snap.tips, snap.dictionaries, snap.version, snap.retrieved_at
        )
    if not isinstance(doc, dict) or "error_code" not in doc:
        raise FetchError(where, f"neither a Juhe API response nor a snapshot: {_SAVED_FORMS}")
    return _validated(doc, where, source, Redactor(), errors)


def decode_response(
    data: bytes, where: str, source: str, redact: Redactor | None = None, errors: Path = BUILTIN
) -> Upstream:
    """Parse a raw API response ``{"reason", "result", "error_code"}`` and validate its result."""
    redact = redact or Redactor()
    try:
        doc = parse_json(data, where)
    except DictgenError as exc:
        raise redact.error(exc) from None
    return _validated(doc, where, source, redact, errors)


def _validated(doc: Any, where: str, source: str, redact: Redactor, errors: Path) -> Upstream:
    """The ``result`` of a parsed response, validated; no message or result carries the key."""
    try:
        result = _unwrap(doc, where, redact, errors)
        problems: list[tuple[str, str]] = []
        tips, dictionaries = validate_result(result, problems, lambda m: _warn(redact(m)))
        if problems:
            raise SnapshotError(where, problems)
    except DictgenError as exc:
        raise redact.error(exc) from None
    if any(redact.found_in(text) for text in _texts(result)):
        raise FetchError(where, "the response contains the API key; refusing to record it")
    return Upstream(result, source, tips, dictionaries)


def _texts(value: Any) -> Iterator[str]:
    """Every key and string value in a parsed JSON document, as the text it stands for."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _warn(message: str) -> None:
    stderr_warning(one_line(message, 300))


def _unwrap(doc: Any, where: str, redact: Redactor, errors: Path) -> dict[str, Any]:
    """Branch on ``error_code`` only; return ``result`` when the call succeeded."""
    if not isinstance(doc, dict) or "error_code" not in doc:
        raise FetchError(where, 'not a Juhe API response: expected an object with "error_code"')
    code = doc["error_code"]
    if isinstance(code, bool) or not isinstance(code, int | str):
        raise FetchError(where, f"error_code must be a number, not {type(code).__name__}")
    if str(code).strip() != "0":
        raise FetchError(where, _describe_error(code, doc.get("reason"), redact, errors))
    result = doc.get("result")
    if not isinstance(result, dict):
        raise FetchError(where, 'error_code is 0 but "result" is not an object')
    return result


@functools.cache
def _codes(errors: Path) -> dict[int, ErrorCode]:
    """An error table (the shipped errors.toml, or the project's) by code, for failed calls."""
    return {c.code: c for c in load_error_codes(errors)}


def _describe_error(code: int | str, reason: Any, redact: Redactor, errors: Path) -> str:
    """A clear message for a Juhe error code, saying whether trying later may help."""
    number = int(code) if re.fullmatch(r"[0-9]{1,9}", str(code).strip()) else None
    known = _codes(errors).get(number) if number is not None else None
    shown = one_line(redact(str(code)), 20)
    if known is None:
        detail = one_line(redact(reason)) if isinstance(reason, str) and reason.strip() else "no reason"
        return f"Juhe error {shown}: {detail}"
    advice = "temporary: worth retrying later" if known.retryable else "permanent: fix this before retrying"
    return f"Juhe error {shown}: {known.meaning} ({advice})"
