"""The fenced blocks of README.md and docs/: markers, commands and shown output, `# ->` checks."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, replace
from typing import Any

FENCE = re.compile(r"^( *)```([\w-]*)\s*$")
MARKER = re.compile(r"^<!-- readme-test: (\w+)\s*(.*?)\s*-->$")
MARKERS = ("skip", "plant", "continue", "excerpt", "fresh", "file")
SHELLS = ("sh", "console")
OUTPUTS = ("json", "text")  # right after a command block (blank lines between at most): what it prints
GAP = "# …"  # a line of an excerpt that stands for lines of the file left out
_COMMENT = re.compile(r"(.*?)(?:(?:^|\s)#\s?(.*))?$")


@dataclass(frozen=True)
class Block:
    """A fenced block: its opening line, language and text, the markers right before it, its output."""

    line: int
    lang: str
    text: str
    markers: tuple[tuple[str, str], ...] = ()
    output: Block | None = None
    page: str = "README.md"

    @property
    def id(self) -> str:
        """A test id: ``docs/ci.md:L22-sh``."""
        return f"{self.page}:L{self.line}-{self.lang or 'plain'}"

    def marker(self, kind: str) -> str | None:
        """The argument of the ``kind`` marker before this block, or None without one."""
        return next((arg for k, arg in self.markers if k == kind), None)


@dataclass
class Command:
    """One command of a shell block, with the exit code and output the docs show for it."""

    line: int
    text: str
    exit: int = 0
    output: str | None = None
    json: bool = False


def parse(markdown: str, page: str = "README.md") -> list[Block]:
    """Every fenced block of ``page``; a json or text block right after a command block becomes its output."""
    lines = markdown.splitlines()
    blocks: list[Block] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            prose.append(lines[i])
            i += 1
            continue
        indent, lang = opening.groups()
        end = lines.index(f"{indent}```", i + 1)
        block = Block(i + 1, lang, "".join(f"{line[len(indent):]}\n" for line in lines[i + 1 : end]))
        block = replace(block, markers=markers(prose), page=page)
        follows = blocks and blocks[-1].lang in SHELLS and not "".join(prose).strip()
        if lang in OUTPUTS and follows:
            blocks[-1] = replace(blocks[-1], output=block)
        else:
            blocks.append(block)
        prose, i = [], end + 1
    return blocks


def markers(prose: list[str]) -> tuple[tuple[str, str], ...]:
    """The ``<!-- readme-test: KIND ARG -->`` lines that end ``prose`` (blank lines aside)."""
    found: list[tuple[str, str]] = []
    for text in reversed(prose):
        match = MARKER.match(text.strip())
        if text.strip() and match is None:
            break
        if match is not None:
            found.insert(0, (match[1], match[2]))
    return tuple(found)


def commands(block: Block) -> list[Command]:
    """The commands of a sh or console block; ``# exit N`` and ``# -> output`` comments say what to expect."""
    found: list[Command] = []
    console = block.lang == "console"
    for number, text in enumerate(block.text.splitlines(), block.line + 1):
        if console and not text.startswith("$ "):
            found[-1].output = f"{found[-1].output}{text}\n"
            continue
        match = _COMMENT.match(text.removeprefix("$ "))
        assert match is not None
        code, comment = match[1].strip(), match[2] or ""
        if code:
            exit_code = re.match(r"exit (\d+)", comment)
            shown = comment[3:] if comment.startswith("-> ") else ("" if console else None)
            found.append(Command(number, code, int(exit_code[1]) if exit_code else 0, shown))
    if block.output is not None:
        found[-1].output, found[-1].json = block.output.text, block.output.lang == "json"
    return found


def matches(want: Any, got: Any) -> bool:
    """``got`` is ``want``, where "…" elides: a string's end, a list's tail, the other keys of an object."""
    if isinstance(want, str) and want.endswith("…"):
        return isinstance(got, str) and got.startswith(want[:-1])
    if isinstance(want, dict):
        known = {k: v for k, v in want.items() if k != "…"}
        if not isinstance(got, dict) or not known.keys() <= got.keys():
            return False
        return ("…" in want or known.keys() == got.keys()) and all(
            matches(v, got[k]) for k, v in known.items()
        )
    if isinstance(want, list) and want[-1:] == ["…"]:
        return isinstance(got, list) and matches(want[:-1], got[: len(want) - 1])
    if isinstance(want, list):
        return isinstance(got, list) and len(want) == len(got) and all(map(matches, want, got))
    return bool(want == got)


def excerpt_pattern(excerpt: str) -> re.Pattern[str]:
    """A regex for consecutive lines of a file: a GAP line skips lines, a line ending in … is a prefix."""
    parts = []
    for line in excerpt.rstrip("\n").splitlines():
        if line.strip() == GAP:
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(
                re.escape(line[:-1]) + r"[^\n]*\n" if line.endswith("…") else re.escape(line) + r"\n"
            )
    return re.compile("^" + "".join(parts), re.MULTILINE)


PY_CHECK = """
def _check(line, got, want):
    expected = want()
    if isinstance(expected, type) and issubclass(expected, BaseException):
        try:
            value = got()
        except expected:
            return
        raise AssertionError(f"line {line}: got {value!r}, expected {expected.__name__}")
    value = got()
    assert repr(value) == repr(expected), f"line {line}: got {value!r}, expected {expected!r}"

"""

TS_CHECK = """
function __check(line: number, got: unknown, want: unknown): void {
  if (typeof got !== typeof want || JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`line ${line}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}
"""


def instrument_python(source: str, first: int) -> str:
    """``source`` where each ``EXPR  # -> WANT; note`` statement checks its value (or exception)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    wanted = {t.start[0]: t.string[5:].split(";")[0] for t in tokens if t.string.startswith("# -> ")}
    lines = source.splitlines()
    for stmt in reversed(ast.parse(source).body):
        want = wanted.pop(stmt.end_lineno or 0, None)
        if want is None:
            continue
        assert isinstance(stmt, ast.Expr), f"line {first + stmt.lineno - 1}: `# ->` after a non-expression"
        got = ast.get_source_segment(source, stmt.value)
        start, end = stmt.lineno - 1, stmt.end_lineno or stmt.lineno
        lines[start:end] = [f"_check({first + start}, lambda: ({got}), lambda: ({want}))"]
    assert not wanted, f"`# ->` comments that follow no statement, on lines {sorted(wanted)}"
    return PY_CHECK + "\n".join(lines) + "\n"


JS_CHECK = """
function __check(line, got, want) {
  if (typeof got !== typeof want || JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`line ${line}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
}
"""


def instrument_ts(source: str, first: int) -> str:
    """``source`` where each ``EXPR; // -> WANT; note`` line (or ``const x = …``) checks its value."""
    return _instrument_js(source, first) + TS_CHECK


def instrument_js(source: str, first: int) -> str:
    """The same for JavaScript (an ES module), with an untyped check function."""
    return _instrument_js(source, first) + JS_CHECK


def _instrument_js(source: str, first: int) -> str:
    out = []
    for number, text in enumerate(source.splitlines(), first):
        out.append(text)
        code, _, comment = text.partition("// -> ")
        if comment:
            declared = re.match(r"\s*(?:const|let)\s+(\w+)", code)
            got = declared[1] if declared else code.strip().removesuffix(";")
            out.append(f"__check({number}, {got}, {comment.split(';')[0]});")
    return "\n".join(out) + "\n"
