"""``dictgen show``: the docs target's reference in the terminal, as aligned columns or as JSON."""

from __future__ import annotations

from collections.abc import Sequence

from dictgen.choices import ShowFormat
from dictgen.errors import DictgenError
from dictgen.render.contract import DictionaryView, MajorView
from dictgen.render.filters import json_str
from dictgen.text import Untrusted, cell_text, printable

COLUMNS = ("code", "name", "label", "source")
_GAP = "  "


def pick(
    views: Sequence[MajorView], major: int | None, wanted: str | None
) -> tuple[MajorView, list[DictionaryView]]:
    """The major version asked for (the newest by default) and its dictionaries, or only ``wanted``
    (a dictionary key or class name)."""
    by_major = {view.major: view for view in views}
    if major is not None and major not in by_major:
        known = ", ".join(str(m) for m in by_major) or "none"
        raise DictgenError("--major", f"no snapshot of major version {major} (have: {known})")
    view = by_major[major] if major is not None else views[-1]
    if wanted is None:
        return view, list(view.dictionaries)
    # A dictionary's key first: one key may be spelled like another dictionary's class name.
    found = [d for d in view.dictionaries if d.key == Untrusted(wanted)]
    found = found or [d for d in view.dictionaries if d.class_name == wanted]
    if not found:
        raise DictgenError(
            printable(wanted), f"no such dictionary in snapshot {view.version} (see dictgen show)"
        )
    return view, found


def render(view: MajorView, dictionaries: Sequence[DictionaryView], fmt: ShowFormat) -> str:
    """The text ``dictgen show`` prints; the tips too when it shows every dictionary."""
    return _json(view, dictionaries) if fmt == "json" else _table(view, dictionaries)


def _table(view: MajorView, dictionaries: Sequence[DictionaryView]) -> str:
    blocks = [f"snapshot {view.version} (sha256 {view.sha256})"]
    if _all(view, dictionaries) and view.tips:
        blocks.append("\n".join(["tips", *(f"{n}. {printable(t)}" for n, t in enumerate(view.tips, 1))]))
    for d in dictionaries:
        rows = [
            (cell_text(e.code), f"{d.class_name}.{e.name}", cell_text(e.label), _source(e.curated))
            for e in d.entries
        ]
        title = f"{d.class_name} ({printable(d.key)}): {printable(d.msg)}"
        blocks.append("\n".join([title, *_aligned([COLUMNS, *rows])]))
    return "\n\n".join(blocks) + "\n"


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows padded to the terminal width of each column's widest cell (CJK characters count two)."""
    import wcwidth  # only this command needs it

    widths = [[_width(wcwidth.wcswidth(cell), cell) for cell in row] for row in rows]
    column = [max(w[i] for w in widths) for i in range(len(rows[0]))]
    lines = []
    for row, width in zip(rows, widths, strict=True):
        cells = [cell + " " * (column[i] - width[i]) for i, cell in enumerate(row)]
        lines.append(_GAP.join(cells).rstrip())
    return lines


def _width(measured: int, cell: str) -> int:
    return measured if measured >= 0 else len(cell)  # -1: a character wcwidth cannot place


def _json(view: MajorView, dictionaries: Sequence[DictionaryView]) -> str:
    """JSON built from escaped literals: control and invisible characters stay escapes on a terminal."""
    document: Json = {
        "version": json_str(view.version),
        "sha256": json_str(view.sha256),
        **({"tips": [json_str(t) for t in view.tips]} if _all(view, dictionaries) else {}),
        "dictionaries": [
            {
                "key": json_str(d.key),
                "class": json_str(d.class_name),
                "description": json_str(d.msg),
                "entries": [
                    {
                        "code": json_str(e.code),
                        "python": json_str(f"{d.class_name}.{e.name}"),
                        "typescript": json_str(f"{d.class_name}.{e.name}"),
                        "label": json_str(e.label),
                        "source": json_str(_source(e.curated)),
                    }
                    for e in d.entries
                ],
            }
            for d in dictionaries
        ],
    }
    return _dump(document, 0) + "\n"


Json = str | list["Json"] | dict[str, "Json"]  # str: a JSON literal, already encoded


def _dump(value: Json, depth: int) -> str:
    """Indented JSON of encoded literals; an object of literals only stays on one line."""
    if isinstance(value, str):
        return value
    inner, outer = "  " * (depth + 1), "  " * depth
    if isinstance(value, list):
        items = [_dump(item, depth + 1) for item in value]
        return f"[\n{inner}" + f",\n{inner}".join(items) + f"\n{outer}]" if items else "[]"
    pairs = [f"{json_str(k)}: {_dump(v, depth + 1)}" for k, v in value.items()]
    if all(isinstance(v, str) for v in value.values()):
        return "{" + ", ".join(pairs) + "}"
    return f"{{\n{inner}" + f",\n{inner}".join(pairs) + f"\n{outer}}}"


def _all(view: MajorView, dictionaries: Sequence[DictionaryView]) -> bool:
    return len(dictionaries) == len(view.dictionaries)


def _source(curated: bool) -> str:
    return "curated" if curated else "fallback"
