"""MkDocs hook: the project's own Markdown files at the repository root become pages of the site.

CONTRIBUTING, ARCHITECTURE, CHANGELOG and the benchmark results live where GitHub readers expect
them; the site shows the same files (at the same relative paths, so their links between each other
work) instead of a second copy that could drift.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "CONTRIBUTING.md",
    "ARCHITECTURE.md",
    "CHANGELOG.md",
    "benchmarks/RESULTS.md",
    "benchmarks/MACHINERY.md",
)


def on_files(files: Files, config: Any) -> Files:
    """Add each of PAGES, read from the repository root."""
    for path in PAGES:
        content = (ROOT / path).read_text(encoding="utf-8")
        files.append(File.generated(config, path, content=content))
    return files
