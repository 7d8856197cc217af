"""Escaping filters: literals and comments round-trip and nothing can break out of them."""

from __future__ import annotations

import ast
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dictgen.render.filters import json_str, py_comment, py_docstring, py_str
from dictgen.text import UnescapedValueError, Untrusted, needs_escape, printable
from tests.support.strategies import HOSTILE_TEXT

_chars = st.characters(exclude_categories=["Cs"])
any_text = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(_chars, max_size=40))


def _visible(literal: str) -> bool:
    return not any(needs_escape(ch) for ch in literal)


@settings(max_examples=500)
@given(any_text)
def test_py_str_round_trips_and_stays_on_one_line(value: str) -> None:
    literal = py_str(value)
    assert ast.literal_eval(literal) == value
    assert len(literal.splitlines()) <= 1 and _visible(literal)


@settings(max_examples=500)
@given(st.one_of(any_text, st.text(max_size=20)))  # lone surrogates too: JSON spells them as escapes
def test_json_str_round_trips_and_shows_no_invisible_character(value: str) -> None:
    literal = json_str(value)
    assert json.loads(literal) == value and _visible(literal)
    assert json.loads(f"[{literal}]", strict=True) == [value]  # no raw control character either


@given(any_text)
def test_printable_text_shows_no_invisible_character(value: str) -> None:
    assert _visible(printable(value)) and "\n" not in printable(value).replace("\\", "")


@settings(max_examples=300)
@given(any_text.filter(bool))
def test_py_docstring_is_the_exact_doc(value: str) -> None:
    namespace: dict[str, object] = {}
    exec(compile(f"class C:\n    {py_docstring(value)}\n", "<t>", "exec"), namespace)
    assert namespace["C"].__doc__ == value
    assert '"' not in py_docstring(value)[3:-3] and _visible(py_docstring(value))


@settings(max_examples=300)
@given(any_text)
def test_py_comment_cannot_end_its_line(value: str) -> None:
    comment = py_comment(value)
    assert len(("# " + comment).splitlines()) == 1 and _visible(comment)
    tree = ast.parse(f"x = 1  # {comment}\n")
    assert len(tree.body) == 1


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("a\\", '"a\\\\"'),
        ('"""', '"\\"\\"\\""'),
        ("\u202eevil", '"\\u202eevil"'),
        ("\u2028", '"\\u2028"'),
        ("\r\n\t", '"\\r\\n\\t"'),
        ("😀硬座", '"😀硬座"'),
        ("\U000e0001", '"\\U000e0001"'),
    ],
)
def test_py_str_examples(value: str, literal: str) -> None:
    assert py_str(value) == literal


def test_docstring_keeps_edge_spaces_from_black() -> None:
    assert py_docstring(" a ") == '"""\\x20a\\x20"""'


def test_untrusted_text_refuses_to_print_itself() -> None:
    value = Untrusted("硬座")
    for show in (str, repr, "{}".format, lambda v: f"{v}"):
        with pytest.raises(UnescapedValueError):
            show(value)
    assert py_str(value) == '"硬座"' and value == Untrusted("硬座") and bool(value)


def test_every_builtin_template_value_goes_through_a_filter() -> None:
    """Static twin of the runtime check: dictionary fields in {{ }} always carry a filter."""
    from dictgen.render.jinja import BUILTIN_TEMPLATES

    fields = re.compile(r"\.(label|code|msg|key)\b|\btip\b")
    for template in sorted(BUILTIN_TEMPLATES.rglob("*.j2")):
        for expression in re.findall(r"{{(.*?)}}", template.read_text(encoding="utf-8"), re.S):
            if fields.search(expression):
                assert "|" in expression, f"{template.name}: {{{{{expression}}}}} has no filter"
