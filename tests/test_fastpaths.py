"""Fast paths change no byte: every output with them on equals the output with them off
(``DICTGEN_NO_FASTPATHS=1``: every template sandboxed, no caches, black on each whole module).

The fast paths: built-in templates in a plain Jinja environment, ``str.translate`` escapes, black
on a skeleton of the module, and ``check`` answered from the remembered plan.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dictgen import pipeline
from dictgen import text as textmod
from dictgen.config import Settings
from dictgen.errors import RenderError
from dictgen.output import plan as output
from dictgen.output.caches import NO_FAST_PATHS
from dictgen.render import filters as escape
from dictgen.render.jinja import JinjaTemplates
from dictgen.targets import python, registry
from dictgen.text import Untrusted
from tests.support.helpers import ROOT, fast_paths, planned, sample_result, tree, write_snapshot
from tests.support.strategies import HOSTILE_TEXT, names, results, text

# Text that black would change in a comment or a string, or that sits at its line length.
BLACK_EDGES = [
    "# fmt: off",
    "# fmt: skip",
    "a; fmt: skip",
    "# yapf: disable",
    "type: ignore",
    "x  ",
    "  x",
    "it's",
    '"quoted"',
    "\xa0nbsp",
    "#",
    ";",
    "硬" * 30,
    "硬" * 33,
    "é" * 60,
    "e\u0301" * 30,
    "x" * 70,
    "x" * 80,
]
_cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), min_size=1, max_size=40)
labels = st.one_of(
    text, st.sampled_from(BLACK_EDGES), _cjk, _cjk, st.from_regex(r"[a-z ]{1,90}", fullmatch=True)
)
codes = st.one_of(names, st.integers(0, 10**6).map(str), st.from_regex(r"[A-Z][a-z]{1,40}", fullmatch=True))


@st.composite
def large_results(draw: st.DrawFn) -> dict[str, Any]:
    """Dictionaries large enough for the skeleton to stand in for runs, with labels at black's edges."""
    result: dict[str, Any] = {"tips": draw(st.lists(labels, max_size=2))}
    for key in draw(st.lists(names.filter(lambda k: k != "tips"), min_size=1, max_size=3, unique=True)):
        entries = draw(st.lists(st.tuples(codes, labels), max_size=40, unique_by=lambda e: e[0]))
        result[key] = {"msg": draw(text), "data": dict(entries)}
    return result


def _both_ways(folder: Path) -> None:
    """Plan ``folder`` with fast paths off, then on (cold, then warm caches): identical bytes."""
    project = Settings(folder / "snapshots", folder / "out", folder / "none.toml", tuple(registry()))
    with fast_paths(False, folder / "cache"):
        slow = planned(project)
    with fast_paths(True, folder / "cache"):
        assert planned(project) == slow  # cold caches
        output.write(pipeline.plan(project))
        assert planned(project) == slow  # templates compiled and modules formatted before
        assert pipeline.check(project) == []


def test_the_shipped_snapshot_is_the_same_both_ways(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "snapshots", "1.0.0", sample_result())
    _both_ways(tmp_path)


@pytest.mark.slow
@settings(max_examples=40)
@given(st.lists(st.one_of(results(), large_results()), min_size=1, max_size=2))
def test_hostile_dictionaries_are_the_same_both_ways(snapshots: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for major, result in enumerate(snapshots, start=1):
            write_snapshot(Path(tmp) / "snapshots", f"{major}.0.0", result)
        _both_ways(Path(tmp))


def _module(entries: list[tuple[str, str]], dictionaries: int = 2) -> str:
    """The text major.py.j2 renders (before black) for ``dictionaries`` copies of ``entries``."""
    sources: dict[str, str] = {}

    def keep(path: str, source: str, skeleton: bool) -> bytes:
        return sources.setdefault(path, source).encode("utf-8")

    with (
        tempfile.TemporaryDirectory() as tmp,
        fast_paths(False, Path(tmp)),  # formatted here, not in a child
        pytest.MonkeyPatch.context() as patch,
    ):
        result = {f"d{n}": {"msg": "m", "data": dict(entries)} for n in range(dictionaries)}
        write_snapshot(Path(tmp) / "snapshots", "1.0.0", result)
        patch.setattr(python, "format_module", keep)
        planned(Settings(Path(tmp) / "snapshots", Path(tmp) / "out", Path(tmp) / "no.toml"))
    return sources["python/juhe_grabticket/v1/__init__.py"]


@pytest.mark.slow  # exhaustive or property-based: make test runs it
@pytest.mark.parametrize(
    "entries",
    [
        [(str(n), "硬座" * (n % 40 + 1)) for n in range(300)],  # wide labels across the line length
        [(f"Code{n}", "x" * (n % 90)) for n in range(200)],
        [(str(n), label) for n, label in enumerate(BLACK_EDGES * 3)],
        [("1", "a"), ("2", "b")],  # too narrow a run of labels to stand in for
        [(str(n), "a") for n in range(25)],  # a Literal alias too narrow to stand in for
        [(str(n), "a") for n in range(60)],  # one wide enough
        [(c * 81, "a") for c in "cde"],  # its codes one to a line, each line as wide as allowed
        [(c * 82, "a") for c in "cde"],  # a column wider: it stays itself
        [("1", "a")],
    ],
)
def test_the_skeleton_formats_like_black_on_the_whole_module(entries: list[tuple[str, str]]) -> None:
    source = _module(entries)
    whole = python.format_module("m.py", source, False)
    assert python.format_module("m.py", source, True) == whole


def test_the_skeleton_stands_in_for_the_bulk_of_a_large_module() -> None:
    source = _module([(f"code{n}", "硬座" * (n % 7 + 1)) for n in range(1000)], dictionaries=3)
    skeleton, runs = python._skeleton(source.split("\n"))
    # per dictionary: its members, its labels and its Literal alias
    assert len(runs) == 9 and len(skeleton) < len(source.split("\n")) // 10
    whole = python.format_module("m.py", source, False).decode()
    assert python._format_skeleton(source, _black) == whole  # each run back in its place
    assert whole.count('\n    "code999",\n') == 3  # each alias split one code to a line


@pytest.mark.parametrize(("entries", "stands_in"), [(60, True), (25, False)])
def test_a_literal_alias_stands_in_only_when_wider_than_two_lines(entries: int, stands_in: bool) -> None:
    source = _module([(str(n), "a") for n in range(entries)], dictionaries=1)
    runs = python._skeleton(source.split("\n"))[1]
    assert any(run.original == [f'    "{n}",' for n in range(entries)] for run in runs) is stands_in


def _black(text: str) -> str:
    return python.format_module("m.py", text, False).decode()


def test_the_skeleton_gives_up_when_black_moves_a_placeholder() -> None:
    source = _module([(str(n), "座") for n in range(100)])
    assert python._format_skeleton(source, lambda s: s.replace(python._PLACEHOLDER, "moved")) is None
    assert python._format_skeleton(source + f"\n# {python._PLACEHOLDER}\n", lambda s: s) is None


@pytest.mark.parametrize("where", ["code", "label"])
def test_a_raw_carriage_return_in_a_stand_in_fails_as_black_does(where: str) -> None:
    # py_str escapes it; a raw one in a Literal alias or a label line breaks the string for black
    entries = [(f"c{n}\u00a7", "a") if where == "code" else (f"c{n}", "a\u00a7") for n in range(60)]
    _fails_the_same_both_ways(_module(entries, dictionaries=1).replace("\u00a7", "\r"))


def test_a_syntax_error_reads_the_same_both_ways() -> None:
    _fails_the_same_both_ways(_module([(str(n), "座") for n in range(100)]) + "\ndef broken(:\n")


def _fails_the_same_both_ways(source: str) -> None:
    messages = []
    for skeleton in (False, True):
        with pytest.raises(RenderError) as caught:
            python.format_module("m.py", source, skeleton)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "does not parse" in messages[0]


# --- escapes: str.translate against the per-character rule they replaced --------------------


def _reference(value: str, special: dict[str, str], other: Callable[[int], str]) -> str:
    out = []
    for ch in value:
        if ch in special:
            out.append(special[ch])
        elif textmod.needs_escape(ch):
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or other(ord(ch)))
        else:
            out.append(ch)
    return "".join(out)


def _reference_sql(text: str, dialect: str) -> str:
    plain = not any(textmod.needs_escape(ch) for ch in text)
    if dialect == "mysql":
        if plain and "\\" not in text:
            return "'" + text.replace("'", "''") + "'"
        return "_utf8mb4 X'" + text.encode("utf-8").hex().upper() + "'" if text else "''"
    if plain and not (dialect == "postgresql" and "\\" in text):
        return "'" + text.replace("'", "''") + "'"
    if dialect == "postgresql":
        return "E'" + _reference(text, {"\\": "\\\\", "'": "''"}, textmod.u_code_point) + "'"
    return "(" + " || ".join(escape._sqlite_parts(text)) + ")"


_any = st.one_of(
    st.sampled_from(HOSTILE_TEXT), st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
)


@settings(max_examples=500)
@given(_any)
def test_translate_escapes_match_the_per_character_rule(value: str) -> None:
    py, ts = textmod.py_code_point, escape._ts_code_point
    assert escape.py_str(value) == '"' + _reference(value, {"\\": "\\\\", '"': '\\"'}, py) + '"'
    assert escape.py_comment(value) == escape.sql_comment(value) == _reference(value, {"\\": "\\\\"}, py)
    assert escape.ts_str(Untrusted(value)) == '"' + _reference(value, {"\\": "\\\\", '"': '\\"'}, ts) + '"'
    comment = _reference(value, {"\\": "\\\\", "@": "&#64;"}, ts).replace("*/", "*\\/")
    assert escape.ts_comment(value) == comment
    shown = (
        (
            ("\\\\" if ch == "\\" else textmod.u_code_point(ord(ch)))
            if textmod.needs_escape(ch) or ch == "\\"
            else ch
        )
        for ch in value
    )
    assert textmod.printable(value) == "".join(shown)
    assert (
        escape.json_str(value)
        == '"' + _reference(value, {"\\": "\\\\", '"': '\\"'}, escape._json_code_point) + '"'
    )
    body = escape.py_docstring(value)[3:-3]
    assert body.replace("\\x20", " ") == _reference(value, {"\\": "\\\\", '"': "\\x22"}, py).replace(
        "\\x20", " "
    )
    for dialect in ("postgresql", "sqlite", "mysql"):
        assert escape.sql_str(value, dialect) == _reference_sql(value, dialect)


@pytest.mark.slow  # exhaustive or property-based: make test runs it
def test_every_code_point_escapes_as_the_rule_says() -> None:
    everything = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) != "Cs")
    assert (
        escape.py_str(everything)
        == '"' + _reference(everything, {"\\": "\\\\", '"': '\\"'}, textmod.py_code_point) + '"'
    )
    assert len(escape._PY_STR) <= textmod.TABLE_LIMIT  # a table stays bounded


# --- templates: plain for built-in ones, sandboxed for any a user template reaches ----------


def test_builtin_templates_still_refuse_unescaped_values(tmp_path: Path) -> None:
    with fast_paths(True, tmp_path):
        templates = JinjaTemplates(None)
        assert templates.builtin("python/major.py.j2")
        with pytest.raises(textmod.UnescapedValueError):
            templates._env(False).from_string("{{ x }}").render(x=Untrusted("a"))


def test_a_user_template_sandboxes_every_template_that_reaches_it(tmp_path: Path) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "_seed.sql.j2").write_text("{{ ''.__class__ }}", encoding="utf-8")
    with fast_paths(True, tmp_path / "cache"):
        templates = JinjaTemplates(tmp_path)
        assert not templates.builtin("sql/postgresql.sql.j2")  # imports the user's _seed.sql.j2
        assert not templates.builtin("sql/_seed.sql.j2")
        assert templates.builtin("python/major.py.j2")


# --- check from the remembered plan, without black ------------------------------------------


def _run(project: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``dictgen *args`` in ``project`` with its caches in ``cache``; stderr lists every import."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPROFILEIMPORTTIME": "1"}
    env.pop(NO_FAST_PATHS, None)
    command = [sys.executable, "-m", "dictgen", *args]
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    write_snapshot(project / "snapshots", "1.0.0", sample_result())
    (project / "pyproject.toml").write_text('[tool.dictgen]\ntargets = ["python"]\n', encoding="utf-8")
    return project


def _imports_black(run: subprocess.CompletedProcess[str]) -> bool:
    return any(line.rsplit("|", 1)[-1].strip() == "black" for line in run.stderr.splitlines())


def test_an_up_to_date_check_does_not_run_black(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert _run(project, tmp_path / "cache", "generate").returncode == 0
    first = _run(project, tmp_path / "cache", "check")  # renders, and remembers the plan
    assert first.returncode == 0 and _imports_black(first)
    again = _run(project, tmp_path / "cache", "check")
    assert again.returncode == 0 and not _imports_black(again)
    cold = _run(project, tmp_path / "empty", "check")
    assert cold.returncode == 0 and _imports_black(cold)


def test_a_hand_edited_module_is_stale_though_its_text_is_known(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert _run(project, tmp_path / "cache", "generate").returncode == 0
    module = project / "generated" / "python" / "juhe_grabticket" / "v1" / "__init__.py"
    written = module.read_bytes()
    module.write_bytes(written.replace(b"class SeatClass(CodeEnum):", b"class SeatClass(CodeEnum):  # mine"))
    checked = _run(project, tmp_path / "cache", "check")
    assert (
        checked.returncode == 1 and "stale: generated/python/juhe_grabticket/v1/__init__.py" in checked.stdout
    )
    assert _run(project, tmp_path / "cache", "generate").returncode == 0
    assert module.read_bytes() == written


def test_the_repository_output_is_unchanged() -> None:
    """``generated/`` is what a run with every fast path off would write."""
    with tempfile.TemporaryDirectory() as tmp, fast_paths(False, Path(tmp)):
        config = Settings(ROOT / "snapshots", ROOT / "generated", ROOT / "names.toml", tuple(registry()))
        on_disk = {p: data for p, data in tree(ROOT / "generated").items() if "__pycache__" not in p}
        assert planned(config) == on_disk
