"""Hypothesis strategies for hostile dictionaries, shared by every target's tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Text that has broken generators before: quotes, escapes, comment and literal terminators,
# line breaks (including U+2028/2029), bidirectional controls, invisible and combining marks.
HOSTILE_TEXT = [
    '"',
    "'",
    "\\",
    "a\\",
    '"""',
    "'''",
    "\n",
    "\r\n",
    "\r",
    "\t",
    "\x0b\x0c",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066x\u2069",
    "\u200f",
    "\ufeff",
    "\x1b[31m",
    "\x7f",
    "*/",
    "/*",
    "${x}",
    "`",
    "--",
    "#",
    "'); DROP TABLE juhe_dictionary; --",
    "\\'",
    "$$",
    "%s",
    "{{ x }}",
    "@deprecated {@link x}",
    "😀",
    "é",
    "e\u0301",
    "\u3000",
    " leading",
    "trailing ",
    "硬卧",
    "",
]

HOSTILE_KEYS = [
    "class",
    "None",
    "True",
    "__init__",
    "_missing_",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "prototype",
    "0",
    " 1",
    "1",
    "01",
    "-1",
    "1.5",
    "é",
    "e\u0301",
    "name",
    "value",
    "label",
    "mro",
    "CodeEnum",
    "Self",
    "self",
    "TYPE_CHECKING",
    "Enum",
    "Record",
    "DICTIONARIES",
    "硬座",
    "a b",
    "A",
    "a",
]

_chars = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(_chars, max_size=12))
names = st.one_of(st.sampled_from(HOSTILE_KEYS), st.text(_chars, min_size=1, max_size=8))


@st.composite
def results(draw: st.DrawFn, max_dictionaries: int = 4, max_entries: int = 6) -> dict[str, Any]:
    """An upstream ``result`` object: optional tips, then dictionaries with hostile text."""
    result: dict[str, Any] = {}
    if draw(st.booleans()):
        result["tips"] = draw(st.lists(text, max_size=3))
    keys = draw(st.lists(names.filter(lambda k: k != "tips"), max_size=max_dictionaries, unique=True))
    for key in keys:
        codes = draw(st.lists(names, max_size=max_entries, unique=True))
        result[key] = {"msg": draw(text), "data": {code: draw(text) for code in codes}}
    return result
