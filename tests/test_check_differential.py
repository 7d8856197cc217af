"""A differential soundness test of ``check``'s fast path: whatever a user changes, the check answered
from the remembered plan agrees with a full render (``DICTGEN_NO_FASTPATHS=1``), and ``generate``
with fast paths leaves what ``generate`` without them would.

Hypothesis drives a real project through the changes a user makes: a generated file edited with the
same size and time, a config option, a template, a template included from a folder named
``__pycache__``, names.toml, a new snapshot, the project moved or run from a subfolder, a git branch.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from dictgen import config, pipeline
from tests.support.helpers import ROOT, fast_paths, git, sample_result, tree, write_snapshot

PYPROJECT = """[tool.dictgen]
snapshots = "{snapshots}"
templates = "templates"
targets = ["python", "sql", "docs"]
[tool.dictgen.sql]
prefix = "{prefix}"
"""
INCLUDE = '{% include "__pycache__/note.md.j2" %}'


class UserChanges(RuleBasedStateMachine):
    """One project, the snapshots in an absolute folder beside it, and the changes a user makes."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="dictgen-differential-"))
        self.cache = self.root / "cache"
        self.snapshots = self.root / "shared" / "snapshots"
        write_snapshot(self.snapshots, "1.0.0", sample_result())
        self.project = self.root / "a" / "project"
        shutil.copytree(ROOT / "templates" / "docs", self.project / "templates" / "docs")
        reference = self.project / "templates" / "docs" / "reference.md.j2"
        self.reference = INCLUDE + reference.read_text(encoding="utf-8")
        reference.write_text(self.reference, encoding="utf-8")
        (self.project / "templates" / "__pycache__").mkdir()
        self._note("first note")
        self._pyproject("juhe_")
        (self.project / "sub").mkdir()
        (self.project / "sub" / ".keep").write_text("", encoding="utf-8")
        self.cwd = Path(".")
        self.version = 0
        self._generate(fast=False)
        git(self.project, "init", "-q", "-b", "main")
        git(self.project, "add", "-A")
        git(self.project, "commit", "-qm", "main")
        git(self.project, "checkout", "-qb", "other")
        (self.project / "generated" / "sql" / "sqlite.sql").write_text("-- other branch\n", encoding="utf-8")
        git(self.project, "commit", "-qam", "other")
        git(self.project, "checkout", "-q", "main")

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _note(self, text: str) -> None:
        (self.project / "templates" / "__pycache__" / "note.md.j2").write_text(f"{text}\n", encoding="utf-8")

    def _pyproject(self, prefix: str) -> None:
        text = PYPROJECT.format(snapshots=self.snapshots.as_posix(), prefix=prefix)
        (self.project / "pyproject.toml").write_text(text, encoding="utf-8")

    @contextlib.contextmanager
    def _inside(self, fast: bool) -> Iterator[config.Settings]:
        """The settings as the command line finds them from the working folder, while in it."""
        here = os.getcwd()
        os.chdir(self.project / self.cwd)
        try:
            with fast_paths(fast, self.cache):
                yield config.load(config.find(Path.cwd()), must_exist=True)
        finally:
            os.chdir(here)

    def _generate(self, fast: bool) -> None:
        with self._inside(fast) as found:
            pipeline.generate(found)

    def _check(self, fast: bool) -> list[tuple[str, str]]:
        with self._inside(fast) as found:
            return sorted((d.kind, d.path) for d in pipeline.check(found))

    @invariant()
    def fast_check_agrees_with_a_full_render(self) -> None:
        plain = self._check(fast=False)
        fast = self._check(fast=True)  # a full render, or the plan remembered by an earlier check
        assert bool(fast) == bool(plain), (fast, plain)
        if fast:
            assert fast == plain

    @rule(fast=st.booleans())
    def generate(self, fast: bool) -> None:
        self._generate(fast)
        assert self._check(fast=False) == []

    @rule(index=st.integers(0, 50))
    def edit_a_generated_file_keeping_size_and_time(self, index: int) -> None:
        files = sorted(p for p in (self.project / "generated").rglob("*") if p.is_file() and p.stat().st_size)
        path = files[index % len(files)]
        info = path.stat()
        data = bytearray(path.read_bytes())
        data[len(data) // 2] = ord("x") if data[len(data) // 2] != ord("x") else ord("y")
        path.write_bytes(bytes(data))
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))

    @rule(prefix=st.sampled_from(["juhe_", "app_", "x_"]))
    def change_an_option(self, prefix: str) -> None:
        self._pyproject(prefix)

    @rule(text=st.sampled_from(["first note", "second note", "third note"]))
    def change_an_included_template_in_a_pycache_folder(self, text: str) -> None:
        self._note(text)

    @rule(title=st.sampled_from(["Reference", "Codes"]))
    def change_a_template(self, title: str) -> None:
        reference = self.project / "templates" / "docs" / "reference.md.j2"
        reference.write_text(f"{self.reference}<!-- {title} -->\n", encoding="utf-8")

    @rule(name=st.sampled_from(["", "LOCAL_SEAT", "OTHER_SEAT"]))
    def change_names_toml(self, name: str) -> None:
        names = self.project / "names.toml"
        names.unlink(missing_ok=True)
        if name:
            names.write_text(f'[seatClass]\n"1" = "{name}"\n', encoding="utf-8")

    @rule()
    def add_a_snapshot(self) -> None:
        self.version += 1
        result = sample_result()
        result["seatClass"]["data"]["1"] = f"硬座 {self.version}"
        write_snapshot(self.snapshots, f"1.{self.version}.0", result)

    @rule(depth=st.integers(1, 3))
    def move_the_project(self, depth: int) -> None:
        target = self.root.joinpath(*(["b"] * depth), f"project{self.version}-{depth}")
        if target != self.project and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(self.project, target)
            self.project = target

    @rule(where=st.sampled_from([".", "sub"]))
    def run_from(self, where: str) -> None:
        self.cwd = Path(where)

    @rule(branch=st.sampled_from(["main", "other"]))
    def switch_the_git_branch(self, branch: str) -> None:
        git(self.project, "checkout", "-qf", branch)


UserChanges.TestCase.settings = settings(max_examples=10, stateful_step_count=6, deadline=None)
TestUserChanges = pytest.mark.slow(UserChanges.TestCase)


def test_the_project_tree_is_one_the_tool_accepts() -> None:
    """The machine's starting point renders and is up to date both ways."""
    here = os.getcwd()
    machine = UserChanges()
    try:
        machine.fast_check_agrees_with_a_full_render()
        assert machine._check(fast=True) == [] and tree(machine.project / "generated")
    finally:
        machine.teardown()
    assert os.getcwd() == here
