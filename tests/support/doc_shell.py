"""The docs' shell session: each command of a sh or console block, run in a scratch project.

Most lines run in bash with the venv's ``dictgen`` first on PATH. ``dictgen fetch`` and ``curl`` of
the Juhe endpoint get a loopback server, and the SQL clients a throwaway server (both from fixtures
the test asks for). A few commands cannot run as written and are checked another way: ``make`` as a
dry run, ``pip install`` offline into a folder (a git URL: the folder it names), ``pipx install`` and
``uv tool install`` by the URL they name (this release's tag), ``npm`` offline with the pinned compiler.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dictgen import __version__
from tests.support.doc_blocks import Block, Command, commands
from tests.support.helpers import ROOT
from tests.support.httpserver import KEY
from tests.support.tsc import NODE_MODULES, find_tsc, link_typescript, npm

JUHE = "http://v.juhe.cn/grabTicket/action/dataDictionary.php"
BIN = Path(sys.executable).parent  # the venv's bin: dictgen, and pip with hatchling for offline builds
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
# What `make -n -B TARGET` must print: what the docs' comments say each target does, as commands.
MAKE_CLAIMS = {
    "generate": ["python3 -m venv .venv", "pip install", "-e .", "dictgen generate"],
    "test": [
        "-e '.[dev]'",
        "system-deps.sh",
        "node-deps.sh",
        "ruff check",
        "black --check",
        "mypy",
        "pytest",
    ],
}


@dataclass
class Ctx:
    """A scratch project, and the state of the docs' shell session in it."""

    root: Path
    request: pytest.FixtureRequest
    cwd: Path = field(init=False)
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        home = self.root.parent / "home"
        home.mkdir()
        self.cwd = self.root
        # the venv first, then the system, then the pinned npm tools (quicktype, json2ts)
        path = os.pathsep.join((str(BIN), os.environ["PATH"], str(NODE_MODULES / ".bin")))
        self.env = {**os.environ, "PATH": path, "HOME": str(home), "XDG_STATE_HOME": str(home / "state")}
        self.env.update(NO_PROXY="*", no_proxy="*", GIT_CONFIG_NOSYSTEM="1")
        for who in ("AUTHOR", "COMMITTER"):
            self.env.update({f"GIT_{who}_NAME": "Docs Reader", f"GIT_{who}_EMAIL": "reader@example.com"})

    def sh(self, text: str) -> subprocess.CompletedProcess[str]:
        """Run a command line in bash; stdout and stderr together, as a terminal shows them."""
        out, merged, argv = subprocess.PIPE, subprocess.STDOUT, ["bash", "-c", text]
        return subprocess.run(
            argv, cwd=self.cwd, env=self.env, stdout=out, stderr=merged, text=True, timeout=180
        )


def ok(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Run ``argv``; fail with everything it printed unless it exits 0."""
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=180)
    assert proc.returncode == 0, f"{argv[:4]} failed:\n{proc.stdout}{proc.stderr}"


def run_shell(ctx: Ctx, block: Block) -> None:
    """Run each command of the block in order, checking the exit code and output the docs show."""
    for command in commands(block):
        words = shlex.split(command.text)
        special = SPECIAL.get(words[0])
        if special is None:
            _run(ctx, command)
            continue
        assert command.output is None and command.exit == 0, f"line {command.line}: no output to show"
        special(ctx, words)


def _run(ctx: Ctx, command: Command) -> None:
    text = command.text
    if "dictgen fetch" in text:  # never the real API: the loopback server, with a sentinel key
        text = text.replace("dictgen fetch", f"dictgen fetch --url {ctx.request.getfixturevalue('loopback')}")
    if text.startswith("curl ") and JUHE in text:
        text = text.replace(JUHE, ctx.request.getfixturevalue("loopback"))
    if re.match(r"(psql|mariadb) ", text):
        ctx.env.update(ctx.request.getfixturevalue("databases"))
    proc = ctx.sh(text)
    where = f"line {command.line}: {command.text}\n{proc.stdout}"
    assert proc.returncode == command.exit and KEY not in proc.stdout, where
    if command.json:
        assert json.loads(proc.stdout) == json.loads(command.output or ""), where
    elif command.output is not None:
        assert proc.stdout.strip() == command.output.strip(), where


def _cd(ctx: Ctx, words: list[str]) -> None:
    ctx.cwd = (ctx.cwd / words[1]).resolve()
    assert ctx.cwd.is_dir(), words


def _export(ctx: Ctx, words: list[str]) -> None:
    name, _, value = words[1].partition("=")
    ctx.env[name] = KEY if value == "..." else value


def _make(ctx: Ctx, words: list[str]) -> None:
    """A dry run, which runs no recipe: the target exists and runs what the docs say it does."""
    for target in words[1:]:
        argv = ["make", "-n", "-B", "-f", str(ROOT / "Makefile"), target]
        proc = subprocess.run(argv, cwd=ctx.root, capture_output=True, text=True, check=False, timeout=60)
        missing = [claim for claim in MAKE_CLAIMS[target] if claim not in proc.stdout]
        assert proc.returncode == 0 and not missing, f"make {target}: missing {missing}\n{proc.stdout}"


def _pip(ctx: Ctx, words: list[str]) -> None:
    """A local folder is installed for real (offline, into a folder); a git URL must name what exists."""
    assert words[1] == "install", words
    for arg in words[2:]:
        if " @ " in arg:  # dictgen itself, from its repository
            assert arg.split(" @ ")[0] == PROJECT and arg.split(" @ ")[1].startswith("git+https://"), arg
        elif arg.startswith("git+"):
            assert (ctx.root / arg.partition("#subdirectory=")[2] / "pyproject.toml").is_file(), arg
        else:
            site = ctx.root.parent / "site"
            pip = [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-index",
                "--no-build-isolation",
                "--no-deps",
            ]
            ok([*pip, "--disable-pip-version-check", "--target", str(site), arg], ctx.cwd, ctx.env)
            ok(
                [sys.executable, "-c", "import juhe_grabticket.v1"],
                site,
                {**ctx.env, "PYTHONPATH": str(site)},
            )


def _tool_install(ctx: Ctx, words: list[str]) -> None:
    """``pipx install URL`` or ``uv tool install URL``: dictgen from git, pinned to this release's tag."""
    args = words[2:] if words[0] == "pipx" else words[3:]
    assert words[1:3] in (["install", args[0]], ["tool", "install"]), words
    assert args == [f"git+https://github.com/OWNER/REPO@v{__version__}"], args


def _npm(ctx: Ctx, words: list[str]) -> None:
    """npm offline: ``npm install`` in the package links the pinned compiler where it would install it."""
    find_tsc()
    if words[1:] == ["install"]:
        manifest = json.loads((ctx.cwd / "package.json").read_text(encoding="utf-8"))
        assert "typescript" in manifest["devDependencies"]
        link_typescript(ctx.cwd)
        return
    npm([str(ctx.root.parent) if w == "<dir>" else w for w in words[1:]], ctx.cwd, ctx.root.parent / "cache")
    assert "pack" not in words or list(ctx.root.parent.glob("juhe-grabticket-*.tgz"))


SPECIAL: dict[str, Callable[[Ctx, list[str]], None]] = {
    "cd": _cd,
    "export": _export,
    "make": _make,
    "pip": _pip,
    "npm": _npm,
    "pipx": _tool_install,
    "uv": _tool_install,
}
