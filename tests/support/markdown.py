"""Generated Markdown as a reader sees it: rendered by a real GFM renderer (marked), then parsed."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from dictgen.text import cell_text
from tests.support.tsc import MARKED, find_tsc, run

# Renders each Markdown file given on the command line to HTML, as GitHub-flavoured Markdown.
RENDER = """
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const { marked } = await import(pathToFileURL(process.argv[2]).href);
const html = process.argv.slice(3).map((file) => marked.parse(readFileSync(file, "utf8"), { gfm: true }));
process.stdout.write(JSON.stringify(html));
"""
# Tags text may hold: names in code spans, line breaks between values, and the links a GFM
# renderer makes of text that looks like a URL.
TEXT_TAGS = frozenset({"code", "br", "a"})
BLOCKS = frozenset({"h1", "h2", "h3", "p", "li"})
Cell = tuple[str, frozenset[str]]
Table = list[list[Cell]]


class Page(HTMLParser):
    """An HTML page's tables (rows of (text, tags) cells) and text blocks ((tag, text, tags));
    ``<br>`` reads as a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.blocks: list[tuple[str, str, frozenset[str]]] = []
        self._open: str | None = None
        self._text: list[str] | None = None
        self._tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th") or tag in BLOCKS:
            self._open, self._text, self._tags = tag, [], set()
        elif self._text is not None:
            self._tags.add(tag)
            if tag == "br":
                self._text.append("\n")
        else:
            self.blocks.append((tag, "", frozenset()))  # markup outside any text block

    def handle_endtag(self, tag: str) -> None:
        if tag != self._open or self._text is None:
            return
        text, tags = "".join(self._text), frozenset(self._tags)
        if tag in ("td", "th"):
            self.tables[-1][-1].append((text, tags))
        else:
            self.blocks.append((tag, text, tags))
        self._open = self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def shown(value: str) -> str:
    """How md_cell's output reads: the value as ``dictgen show`` prints it (``escape.cell_text``)."""
    return cell_text(value)


def rendered(files: list[Path]) -> list[Page]:
    """Each Markdown file as marked renders it (one node process for all)."""
    find_tsc()  # installs marked with the other Node tools when it is missing
    script = files[0].parent.parent / "render.mjs"
    script.write_text(RENDER, encoding="utf-8")
    pages = json.loads(run(["node", script, MARKED / "lib" / "marked.esm.js", *files], script.parent))
    parsed = []
    for html in pages:
        page = Page()
        page.feed(html)
        parsed.append(page)
    return parsed
