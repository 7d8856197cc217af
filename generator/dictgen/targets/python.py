"""Python target: ``python/juhe_grabticket/`` with one ``v{M}`` subpackage per major version, and the
``pyproject.toml`` and ``README.md`` that make ``python/`` an installable distribution."""

from __future__ import annotations

import functools
import keyword
import re
import tomllib
from collections.abc import Callable, Sequence
from typing import Any

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
# skeleton in which the bulk of its lines, lines black provably leaves as they are, stand in as a
# few placeholders (see ``_skeleton``). tests/test_fastpaths.py compares it with black.

# A member line and a label line as major.py.j2 writes them, when black leaves them alone: short
# enough, strings with no quote or escape to normalise, comments without a directive (#, ;).
_MEMBER_LINE = re.compile(r'    ([A-Za-z_][A-Za-z0-9_]*) = "[^"\'\\]*"  #: [^\s#;\\](?:[^#;\\]*[^\s#;\\])?')
_LABEL_LINE = re.compile(r'            "[^"\'\\]*": "[^"\'\\]*",')
_LINE_LENGTH = 88  # black's default
_PLACEHOLDER = "_dictgen_placeholder_"


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
    if _PLACEHOLDER in source:
        return None
    lines = source.split("\n")
    skeleton, runs = _skeleton(lines)
    if not runs:
        return None
    formatted = black("\n".join(skeleton)).split("\n")
    out: list[str] = []
    i = 0
    for placeholder, original in runs:
        # Black leaves each placeholder as it is and in order, or the fast path is off.
        end = next((k for k in range(i, len(formatted)) if _PLACEHOLDER in formatted[k]), None)
        if end is None or formatted[end : end + len(placeholder)] != placeholder:
            return None
        out += formatted[i:end] + original
        i = end + len(placeholder)
    rest = formatted[i:]
    return None if any(_PLACEHOLDER in line for line in rest) else "\n".join(out + rest)


def _skeleton(lines: list[str]) -> tuple[list[str], list[tuple[list[str], list[str]]]]:
    """The module with long runs of stable lines replaced by placeholders, and the runs as
    (placeholder lines, original lines).

    Each member line is a statement of its own: a run of them becomes one assignment. Label lines
    are elements of a dictionary display with a magic trailing comma: a run becomes two elements
    (black splits one element otherwise than several), and only a run wider than two lines does,
    so that every length black measures across it is over the limit either way.
    """
    skeleton: list[str] = []
    runs: list[tuple[list[str], list[str]]] = []
    i = 0
    while i < len(lines):
        kind, j = _stable(lines[i]), i + 1
        while kind and j < len(lines) and _stable(lines[j]) == kind:
            j += 1
        placeholder = _placeholder(kind, lines[i:j], f"{_PLACEHOLDER}{len(runs)}")
        if placeholder:
            runs.append((placeholder, lines[i:j]))
        skeleton += placeholder or lines[i:j]
        i = j
    return skeleton, runs


def _placeholder(kind: str, run: list[str], tag: str) -> list[str]:
    """The lines that stand in for ``run`` in the skeleton; none when it stays itself."""
    if kind == "member" and len(run) > 1:
        return [f"    {tag} = 0"]
    # A lower bound of its width on one line: each ASCII character counts 1, and there are spaces.
    if kind == "label" and sum(len(s.strip().encode("ascii", "ignore")) + 1 for s in run) > 2 * _LINE_LENGTH:
        pad = "x" * 30  # two elements wider together than a line, each well within one
        return [f'            "{tag}a{pad}": 0,', f'            "{tag}b{pad}": 0,']
    return []


def _stable(line: str) -> str:
    """``member`` or ``label`` for a line black leaves as it is in its place, else ``""``."""
    if len(line) + len(line) - len(line.encode("ascii", "ignore")) > _LINE_LENGTH:
        return ""  # black's width of a character is 0, 1 or 2: this bound is never under it
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
