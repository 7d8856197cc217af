"""The front-door documents: changelog headings, relative links, module names, a self-contained repo."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dictgen import __version__
from dictgen.cli import cli
from tests.support.helpers import ROOT

DOCS = ("README.md", "ARCHITECTURE.md", "CONTRIBUTING.md", "CHANGELOG.md")
OUTSIDE = "/".join(("..", "shared"))  # spelled so that this file does not match itself
# The one file allowed to contain OUTSIDE: this test, which searches for it.
OUTSIDE_ALLOWED = frozenset({"tests/test_docs.py"})

_FENCED = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|#)")
_PATH = re.compile(r"(?<![\w/.-])generator/dictgen/[\w/]+\.py\b")
_MODULE = re.compile(r"(?<![\w/.-])dictgen(?:\.[A-Za-z_]\w*)+")


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _prose(markdown: str) -> str:
    """The Markdown without fenced code blocks and code spans, where brackets are not links."""
    return _CODE_SPAN.sub("", _FENCED.sub("", markdown))


def relative_links(markdown: str) -> list[str]:
    """Targets of inline and reference links and images that point into the repository."""
    prose = _prose(markdown)
    targets = _INLINE_LINK.findall(prose) + _REFERENCE.findall(prose)
    return [t for t in targets if not _EXTERNAL.match(t)]


def test_the_current_version_has_a_changelog_heading() -> None:
    heading = re.compile(rf"^## \[{re.escape(__version__)}\](?: - \d{{4}}-\d{{2}}-\d{{2}})?$", re.MULTILINE)
    assert heading.search(_read("CHANGELOG.md")), f"CHANGELOG.md has no `## [{__version__}]` heading"


def test_the_readme_is_a_front_door() -> None:
    """At most 250 lines: what it is, a quickstart, the two commands, links; the rest is on the docs site."""
    assert len(_read("README.md").splitlines()) <= 250


def test_the_docs_site_builds_strict_with_every_command_on_the_cli_page(tmp_path: Path) -> None:
    """`mkdocs build --strict`: no broken link or anchor; the generated CLI page has every command."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    argv = [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "--quiet", "-d", str(tmp_path)]
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "cli" / "index.html").read_text(encoding="utf-8")
    assert [name for name in cli.commands if f"dictgen {name}" not in page] == []
    assert (tmp_path / "CONTRIBUTING" / "index.html").is_file()


def test_the_changelog_has_an_unreleased_section() -> None:
    assert re.search(r"^## \[Unreleased\]$", _read("CHANGELOG.md"), re.MULTILINE)


@pytest.mark.parametrize("doc", DOCS)
def test_relative_links_point_to_files_in_the_repository(doc: str) -> None:
    broken = []
    for target in relative_links(_read(doc)):
        path = (ROOT / doc).parent / target.split("#", 1)[0]
        resolved = path.resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert not broken, f"{doc}: links to missing files: {broken}"


def _module_exists(dotted: str) -> bool:
    """True when ``dotted`` is a module of the package, or an attribute of one."""
    parts = dotted.split(".")
    for i in range(len(parts), 1, -1):
        base = (ROOT / "generator").joinpath(*parts[:i])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            obj: object = importlib.import_module(".".join(parts[:i]))
            for attr in parts[i:]:
                if not hasattr(obj, attr):
                    return False
                obj = getattr(obj, attr)
            return True
    return False


def test_architecture_names_only_modules_that_exist() -> None:
    text = _read("ARCHITECTURE.md")
    paths = sorted(set(_PATH.findall(text)))
    modules = sorted(set(_MODULE.findall(text)))
    assert paths and modules, "ARCHITECTURE.md should name the modules it describes"
    assert [p for p in paths if not (ROOT / p).is_file()] == []
    assert [m for m in modules if not _module_exists(m)] == []


def _repository_files() -> list[str]:
    """Tracked files, plus new files not yet added that git does not ignore."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return sorted({name.decode("utf-8") for name in listed.split(b"\0") if name})


def test_the_repository_is_self_contained() -> None:
    offenders = []
    for name in _repository_files():
        path = ROOT / name
        if name in OUTSIDE_ALLOWED or not path.is_file():
            continue  # deleted in the working tree, or a submodule
        if OUTSIDE.encode() in path.read_bytes():
            offenders.append(name)
    assert offenders == [], f"files that reach outside the repository ({OUTSIDE}): {offenders}"


def test_link_finder_ignores_code_and_external_links() -> None:
    sample = (
        "[a](ARCHITECTURE.md) ![b](docs/x.png#frag) [c](https://example.com) [d](#section)\n"
        "`[e](inline.md)`\n```\n[f](fenced.md)\n```\n[g]: CONTRIBUTING.md\n"
    )
    assert relative_links(sample) == ["ARCHITECTURE.md", "docs/x.png#frag", "CONTRIBUTING.md"]


def test_module_finder_checks_attributes() -> None:
    assert _module_exists("dictgen.render.contract.Files")
    assert _module_exists("dictgen.targets.python")
    assert not _module_exists("dictgen.render.contract.NoSuchThing")
    assert not _module_exists("dictgen.no_such_module")
    assert _MODULE.findall("see dictgen.render.contract. Also my_dictgen.x and generator/views.py") == [
        "dictgen.render.contract"
    ]
