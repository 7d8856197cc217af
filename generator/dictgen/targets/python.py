"""Python target: ``python/juhe_grabticket/`` with one ``v{M}`` subpackage per major version, and the
``pyproject.toml`` and ``README.md`` that make ``python/`` an installable distribution."""

from __future__ import annotations

import functools
import keyword
import re
import tomllib
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from dictgen.errors import RenderError
from dictgen.render.contract import (
    ErrorCodeView,
    Files,
    Job,
    MajorView,
    Target,
    Templates,
    Vendoring,
    encode_text,
)

FOLDER = "python"
PACKAGE = f"{FOLDER}/juhe_grabticket"
MAJOR = "python/major.py.j2"
_DIGITS = re.compile(r"[0-9]+")


def render(job: Job) -> Files:
    """Render the package: root re-exports the newest major; black formats every module."""
    templates, views = job.templates, job.views
    skeleton = templates.builtin(MAJOR)
    newest = views[-1]
    files: Files = {f"{PACKAGE}/py.typed": b""}
    for view in views:
        path = f"{PACKAGE}/v{view.major}/__init__.py"
        source = templates.render(MAJOR, major=view, errors=job.errors, exports=_isort(_public(view), True))
        files[path] = format_module(path, source, skeleton)
    path = f"{PACKAGE}/__init__.py"
    source = templates.render(
        "python/package.py.j2",
        newest=newest,
        majors=views,
        imports=_isort(_public(newest), False),
        exports=_isort(_public(newest), True),
    )
    files[path] = format_module(path, source, False)
    return files | _distribution(templates, views, job.errors)


def _distribution(templates: Templates, views: Sequence[MajorView], errors: Sequence[ErrorCodeView]) -> Files:
    """``pyproject.toml`` (checked to parse as TOML) and ``README.md`` beside the package."""
    context = {"newest": views[-1], "majors": views, "errors": errors}
    path = f"{FOLDER}/pyproject.toml"
    text = templates.render("python/pyproject.toml.j2", **context)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RenderError(path, f"generated TOML does not parse: {exc}") from None
    readme = templates.render("python/README.md.j2", **context)
    return {path: encode_text(text), f"{FOLDER}/README.md": encode_text(readme)}


def _public(view: MajorView) -> list[str]:
    names = ["CodeEnum", "DESCRIPTIONS", "DICTIONARIES", "SNAPSHOT_SHA256", "TIPS", "__version__"]
    names += ["ErrorCodeParts", "SystemErrorCode", "parse_error_code"]
    return names + [name for d in view.dictionaries for name in (d.class_name, d.derived.literal)]


def _isort(names: list[str], case_sensitive: bool) -> list[str]:
    """isort's order as ruff checks it: CONSTANTS, Classes, others, each in natural order.

    ruff compares imports case-insensitively (I001) but ``__all__`` case-sensitively (RUF022).
    """

    def rank(name: str) -> int:
        return 0 if name.isupper() and len(name) > 1 else 1 if name[0].isupper() else 2

    def compare(a: str, b: str) -> int:
        if rank(a) != rank(b):
            return rank(a) - rank(b)
        return _natural(a, b) if case_sensitive else _natural(a.lower(), b.lower())

    return sorted(names, key=functools.cmp_to_key(compare))


def _natural(a: str, b: str) -> int:
    """strnatcmp (the ``natord`` crate ruff uses): digit runs compare as numbers, or as
    fractions when one starts with ``0``."""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i].isdigit() and b[j].isdigit():
            run_a, run_b = _DIGITS.match(a, i).group(), _DIGITS.match(b, j).group()  # type: ignore[union-attr]
            if run_a[0] == "0" or run_b[0] == "0":
                order = _cmp(run_a, run_b)  # fractional: left-aligned, shorter first on a tie
            else:
                order = _cmp(len(run_a), len(run_b)) or _cmp(run_a, run_b)
            if order:
                return order
            i, j = i + len(run_a), j + len(run_b)
            continue
        if a[i] != b[j]:
            return _cmp(a[i], b[j])
        i, j = i + 1, j + 1
    return _cmp(len(a) - i, len(b) - j)


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


# --- formatting -------------------------------------------------------------------------
#
# Every module goes through black and the bytes are exactly what ``black.format_str`` makes of
# the whole module. A module of a built-in template gets there sooner: it is formatted as a
# skeleton in which the bulk of its lines, lines whose formatting black provably decides without
# reading them all, stand in as a few placeholders (see ``_skeleton``). tests/test_fastpaths.py
# compares it with black.

# A member line and a label line as major.py.j2 writes them, when black leaves them alone: short
# enough, strings with no quote or escape to normalise, comments without a directive (#, ;).
_MEMBER_LINE = re.compile(r'    ([A-Za-z_][A-Za-z0-9_]*) = "[^"\'\\]*"  #: [^\s#;\\](?:[^#;\\]*[^\s#;\\])?')
_LABEL_LINE = re.compile(r'            "[^"\'\\]*": "[^"\'\\]*",')
# A ``typing.Literal`` alias of two codes or more, on the one line major.py.j2 writes it on.
_LITERAL_LINE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*) = typing\.Literal\["[^"\'\\]*"(?:, "[^"\'\\]*")+\]')
_CODE = re.compile(r'"[^"]*"')
_LINE_LENGTH = 88  # black's default
_PLACEHOLDER = "_dictgen_placeholder_"


class _Run(NamedTuple):
    """Lines of the module that the skeleton stands in for."""

    skeleton: list[str]  # what the skeleton has in their place
    formatted: list[str]  # what black makes of that, in its output
    original: list[str]  # what black makes of the lines themselves, in the same place


def format_module(path: str, source: str, skeleton: bool) -> bytes:
    """black.format_str of the whole module, as bytes (``skeleton``: of a built-in major.py.j2)."""
    # black costs ~150 ms to import: only when a module has to be formatted.
    from black import format_str
    from black.mode import Mode, TargetVersion
    from black.parsing import InvalidInput

    mode = Mode(target_versions={TargetVersion.PY39})  # defaults: vendored code passes `black --check`
    try:
        if skeleton:
            fast = _format_skeleton(source, lambda text: format_str(text, mode=mode))
            if fast is not None:
                return fast.encode("utf-8")
        return format_str(source, mode=mode).encode("utf-8")
    except InvalidInput as exc:
        if skeleton:  # the whole module's error, with its line numbers
            return format_module(path, source, False)
        raise RenderError(path, f"generated code does not parse: {str(exc).splitlines()[0]}") from exc


def _format_skeleton(source: str, black: Callable[[str], str]) -> str | None:
    """``black(source)``, by formatting a skeleton; None when there is nothing to gain or it fails."""
    if _PLACEHOLDER in source or "\r" in source:
        return None  # black reads a carriage return as a line break, even in a string it stands in for
    skeleton, runs = _skeleton(source.split("\n"))
    if not runs:
        return None
    formatted = black("\n".join(skeleton)).split("\n")
    out: list[str] = []
    i = 0
    for run in runs:
        # Black formats each placeholder as expected and in order, or the fast path is off.
        end = next((k for k in range(i, len(formatted)) if _PLACEHOLDER in formatted[k]), None)
        if end is None or formatted[end : end + len(run.formatted)] != run.formatted:
            return None
        out += formatted[i:end] + run.original
        i = end + len(run.formatted)
    rest = formatted[i:]
    return None if any(_PLACEHOLDER in line for line in rest) else "\n".join(out + rest)


def _skeleton(lines: list[str]) -> tuple[list[str], list[_Run]]:
    """The module with long runs of lines replaced by placeholders, and the runs."""
    skeleton: list[str] = []
    runs: list[_Run] = []
    i = 0
    while i < len(lines):
        kind, j = _kind(lines[i]), i + 1
        while kind in ("member", "label") and j < len(lines) and _kind(lines[j]) == kind:
            j += 1
        run = _stand_in(kind, lines[i:j], f"{_PLACEHOLDER}{len(runs)}")
        if run:
            runs.append(run)
        skeleton += run.skeleton if run else lines[i:j]
        i = j
    return skeleton, runs


def _stand_in(kind: str, lines: list[str], tag: str) -> _Run | None:
    """The run that ``lines`` of one kind make; None when they stay themselves.

    Each member line is a statement of its own: a run of them becomes one assignment, which black
    leaves as it is. Label lines are elements of a dictionary display with a magic trailing comma:
    a run becomes two elements (black splits one element otherwise than several), and only a run
    wider than two lines does, so that every length black measures across it is over the limit
    either way. A literal's codes, wider than two lines, go one to a line with a trailing comma
    whatever they are: two wide placeholder codes go the same way.
    """
    pad = "x" * 30  # two elements wider together than a line, each well within one
    if kind == "member" and len(lines) > 1:
        return _Run([f"    {tag} = 0"], [f"    {tag} = 0"], lines)
    if kind == "label" and _ascii_width(lines) > 2 * _LINE_LENGTH:
        stand_in = [f'            "{tag}a{pad}": 0,', f'            "{tag}b{pad}": 0,']
        return _Run(stand_in, stand_in, lines)
    if kind == "literal":
        name, codes = lines[0].split(" = ", 1)[0], _CODE.findall(lines[0].split("[", 1)[1])
        each = [f"    {code}," for code in codes]
        narrow = all(_width_bound(line) <= _LINE_LENGTH for line in each)
        if narrow and _ascii_width(codes) > 2 * _LINE_LENGTH:
            line = f'{name} = typing.Literal["{tag}a{pad}", "{tag}b{pad}"]'
            return _Run([line], [f'    "{tag}a{pad}",', f'    "{tag}b{pad}",'], each)
    return None


def _ascii_width(parts: list[str]) -> int:
    """A lower bound of the width of ``parts`` on one line: each ASCII character counts 1, and
    there are spaces between them."""
    return sum(len(s.strip().encode("ascii", "ignore")) + 1 for s in parts)


def _width_bound(line: str) -> int:
    """An upper bound of black's width of ``line``: a character is 0, 1 or 2 wide."""
    return len(line) + len(line) - len(line.encode("ascii", "ignore"))


def _kind(line: str) -> str:
    """``member`` or ``label`` for a line black leaves as it is in its place, ``literal`` for a
    Literal alias black splits, else ``""``."""
    if _LITERAL_LINE.fullmatch(line):
        return "literal"
    if _width_bound(line) > _LINE_LENGTH:
        return ""
    member = _MEMBER_LINE.fullmatch(line)
    if member:
        return "" if keyword.iskeyword(member.group(1)) else "member"
    return "label" if _LABEL_LINE.fullmatch(line) else ""


# Names the generated modules define, import or rely on, and Python's builtins: a class named like
# one of them would shadow it. Fixed here (not read from the running interpreter) so that the
# output does not depend on the Python version that generates it.
RESERVED = frozenset("""
    Any Callable CodeEnum Self TYPE_CHECKING DESCRIPTIONS DICTIONARIES DICTIONARY_VERSION Enum
    ErrorCodeParts NamedTuple SystemErrorCode
    Final Mapping MappingProxyType SNAPSHOT_SHA256 TIPS Type TypeVar None True False Ellipsis
    NotImplemented ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup
    BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError
    ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError
    DeprecationWarning EOFError EncodingWarning EnvironmentError Exception ExceptionGroup
    FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError
    ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError
    KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError
    NotADirectoryError NotImplementedError OSError OverflowError PendingDeprecationWarning
    PermissionError ProcessLookupError PythonFinalizationError RecursionError ReferenceError
    ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError
    SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError
    UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning
    UserWarning ValueError Warning WindowsError ZeroDivisionError
    """.split())  # noqa: SIM905

TARGET = Target(
    "python",
    FOLDER,
    render,
    "an installable package with an Enum module per major version",
    reserved=RESERVED,
    vendoring=Vendoring(PACKAGE, "Python", majors=True),
)
