"""Read ``accepted.toml``: fingerprints of label changes a maintainer has accepted as cosmetic."""

from __future__ import annotations

import re
from pathlib import Path

from dictgen.errors import DictgenError
from dictgen.text import show
from dictgen.tomlfile import read_toml

ACCEPTED = "accepted.toml"
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")


def load_accepted(path: Path) -> dict[str, str]:
    """Read ``[accepted]`` fingerprint = "reason" pairs from accepted.toml; a missing file is empty."""
    read = read_toml(path, DictgenError, "cannot read")
    if read is None:
        return {}
    doc = read[0]
    unknown = sorted(doc.keys() - {"accepted"})
    if unknown:
        raise DictgenError(path, f"unknown key {show(unknown[0])} (expected only [accepted])")
    table = doc.get("accepted", {})
    if not isinstance(table, dict):
        raise DictgenError(path, 'accepted must be a table of fingerprint = "reason"')
    for key, reason in table.items():
        if not _FINGERPRINT.fullmatch(key):
            raise DictgenError(f"{path}: accepted.{show(key)}", "not a fingerprint (16 lowercase hex digits)")
        if not isinstance(reason, str) or not reason.strip():
            raise DictgenError(f"{path}: accepted.{key}", "the reason must be a non-empty string")
    return dict(table)
