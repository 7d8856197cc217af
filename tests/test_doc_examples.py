"""The docs run: every fenced block of README.md and docs/ is run or checked in a scratch copy of this
project (after a ``fresh`` marker: in a new empty git repository, as a user's own would be).

Commands run with the venv's ``dictgen`` on PATH: ``dictgen fetch`` against a loopback server, the SQL
clients against throwaway servers, npm offline, ``make`` as a dry run. Python, TypeScript and JavaScript
examples run with their ``# ->`` values checked; JSON, TOML and YAML examples are compared with what
they show. A marker right before a block, ``<!-- readme-test: KIND ARG -->``, plants a snapshot
(``plant VERSION DICTIONARY CODE LABEL``), continues the previous block, names the file a block is an
excerpt of, writes the block to a file (``file PATH``), starts in a new repository (``fresh``), or
skips the block, with a reason.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from dictgen import config
from dictgen.targets import registry
from tests.support.dbservers import MariaDB, Postgres
from tests.support.doc_blocks import (
    GAP,
    MARKERS,
    Block,
    commands,
    excerpt_pattern,
    instrument_js,
    instrument_python,
    instrument_ts,
    matches,
    parse,
)
from tests.support.doc_shell import BIN, Ctx, ok, run_shell
from tests.support.helpers import ROOT, sample_result, write_snapshot
from tests.support.httpserver import Reply, ok_body, serving
from tests.support.tsc import MODES, NODE_MODULES, STRICT, find_tsc, run, run_tsc

PAGES = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md"))]
TEXTS = {page: (ROOT / page).read_text(encoding="utf-8") for page in PAGES}
BY_PAGE = {page: parse(text, page) for page, text in TEXTS.items()}
BLOCKS = [block for blocks in BY_PAGE.values() for block in blocks]
MAX_SKIPS = 5
OPTION = re.compile(r"(?<![\w-])--(?:no-)?([a-z][\w-]*)")  # --no-x and --x are one option


def help_options(*command: str) -> set[str]:
    """The options ``dictgen [COMMAND] --help`` lists, --help aside."""
    out = subprocess.run([BIN / "dictgen", *command, "--help"], capture_output=True, text=True, check=True)
    heads = re.findall(r"^  (?:-\w, )?(--[\w-]+(?: / --[\w-]+)?)", out.stdout, re.MULTILINE)
    return set(OPTION.findall(" ".join(heads))) - {"help"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This project as a checkout has it: its inputs, and generated/ rendered from them."""
    root = tmp_path_factory.mktemp("base") / "grabticket-dictgen"
    for name in ("snapshots", "examples"):
        shutil.copytree(ROOT / name, root / name)
    for name in ("names.toml", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    ok([str(BIN / "dictgen"), "generate"], root, dict(os.environ))
    return root


@pytest.fixture(scope="module")
def loopback() -> Iterator[str]:
    """A Juhe endpoint on loopback whose dictionary has one seat class more than the shipped snapshot."""
    result = sample_result()
    result["seatClass"]["data"]["19"] = "二等卧"
    with serving() as server:
        server.serve(Reply(ok_body(result)))
        yield server.url


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Throwaway PostgreSQL and MariaDB servers with a database ``mydb``: the clients' environment."""
    postgres, mariadb, home = Postgres(), MariaDB(), tmp_path_factory.mktemp("mysql-home")
    try:
        postgres.start()
        mariadb.start()
        (home / "my.cnf").write_text(f"[client]\nsocket={mariadb.socket_path}\nuser=root\n", encoding="utf-8")
        env = {"PGHOST": "127.0.0.1", "PGPORT": str(postgres.port), "PGUSER": "postgres"}
        env["MYSQL_HOME"] = str(home)  # the mariadb client reads $MYSQL_HOME/my.cnf
        ok(["psql", "-d", "postgres", "-c", "CREATE DATABASE mydb"], home, {**os.environ, **env})
        ok(["mariadb", "-e", "CREATE DATABASE mydb"], home, {**os.environ, **env})
        yield env
    finally:
        postgres.stop()
        mariadb.stop()


def _chain(block: Block) -> list[Block]:
    """The block, after the blocks it continues."""
    if block.marker("continue") is None:
        return [block]
    blocks = BY_PAGE[block.page]
    return [*_chain(blocks[blocks.index(block) - 1]), block]


def _marks(block: Block) -> list[pytest.MarkDecorator]:
    chain = _chain(block)
    text = "".join(each.text for each in chain)
    npm_tools = re.search(r"^(npm|quicktype|json2ts) ", text, re.MULTILINE)
    node = any(each.lang in ("ts", "typescript", "js") for each in chain) or npm_tools
    db = re.search(r"^(psql|mariadb) ", text, re.MULTILINE)
    slow = len(chain) > 2  # it runs the blocks before it again: a tutorial's later steps
    marks = ((pytest.mark.node, node), (pytest.mark.db, db), (pytest.mark.slow, slow))
    return [mark for mark, used in marks if used]


def _plant(root: Path, version: str, dictionary: str, code: str, label: str | None = None) -> None:
    """Snapshot ``version``: the shipped one, ``dictionary``'s ``code`` labelled ``label``, or removed."""
    result = sample_result()
    data = result[dictionary]["data"]
    if label is None:
        del data[code]
    else:
        data[code] = label
    write_snapshot(root / "snapshots", version, result)


def _newest(root: Path) -> dict[str, Any]:
    """The ``result`` of the newest snapshot in ``root``."""
    paths = (root / "snapshots").glob("*.json")
    newest = max(paths, key=lambda path: tuple(int(part) for part in path.stem.split(".")))
    result: dict[str, Any] = json.loads(newest.read_text(encoding="utf-8"))["result"]
    return result


def _python(ctx: Ctx, block: Block) -> None:
    env = {**ctx.env, "PYTHONPATH": str(ctx.root / "generated" / "python")}
    ok([sys.executable, "-c", instrument_python(block.text, block.line + 1)], ctx.root, env)


def _typescript(ctx: Ctx, block: Block) -> None:
    """Compiled with tsc --strict against the built package, then run by node."""
    tsc, package, consumer = find_tsc(), ctx.root / "generated" / "typescript", ctx.root.parent / "consumer"
    run([tsc, "-p", package], package)
    (consumer / "node_modules").mkdir(parents=True)
    (consumer / "node_modules" / "juhe-grabticket").symlink_to(package, target_is_directory=True)
    (consumer / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    (consumer / "readme.ts").write_text(instrument_ts(block.text, block.line + 1), encoding="utf-8")
    options = {**STRICT, **MODES["nodenext"], "target": "es2020", "outDir": "out"}
    run_tsc(tsc, consumer, "readme", options, ["readme.ts"])
    run(["node", "out/readme.js"], consumer)


def _javascript(ctx: Ctx, block: Block) -> None:
    """Run by node as an ES module in the project, where the pinned npm tools (Ajv, …) are installed."""
    find_tsc()
    (ctx.root / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    (ctx.root / "readme.mjs").write_text(instrument_js(block.text, block.line + 1), encoding="utf-8")
    run(["node", "readme.mjs"], ctx.root)


def _sql(ctx: Ctx, block: Block) -> None:
    """The query, in each database the previous block seeded (again after a plant), lists what it says."""
    if block.marker("plant") is not None:
        ctx.sh("dictgen generate")
        run_shell(ctx, _chain(block)[-2])
    named = re.search(r"dictionary = '(\w+)'", block.text)
    assert named is not None, "an SQL example should query one dictionary"
    want = sorted(f"{code}|{label}" for code, label in _newest(ctx.root)[named[1]]["data"].items())
    seeded = "".join(each.text for each in _chain(block))
    clients = (["sqlite3", "app.db"], ["psql", "-At", "-d", "mydb"], ["mariadb", "-N", "-B", "mydb"])
    for client in [c for c in clients if re.search(rf"^{c[0]} ", seeded, re.MULTILINE)]:
        proc = subprocess.run(
            client, input=block.text, cwd=ctx.cwd, env=ctx.env, capture_output=True, text=True, timeout=60
        )
        rows = sorted(proc.stdout.replace("\t", "|").splitlines())
        assert proc.returncode == 0 and rows == want, f"{client[0]}: {proc.stdout}{proc.stderr}"


def _json(ctx: Ctx, block: Block) -> None:
    """A snapshot, shown with … elisions: it must match snapshots/<version>.json (an excerpt: the file)."""
    if block.marker("excerpt") is not None:
        return
    want = json.loads(block.text)
    assert isinstance(want, dict) and "version" in want, "JSON that is neither a snapshot nor shown output"
    got = json.loads((ctx.root / "snapshots" / f"{want['version']}.json").read_text(encoding="utf-8"))
    assert matches(want, got), got


def _toml(ctx: Ctx, block: Block) -> None:
    doc = tomllib.loads(block.text)
    if "tool" in doc:
        _settings(ctx, block.text)
    elif "accepted" in doc:
        _accepted(ctx, block.text, doc["accepted"])
    else:
        assert block.marker("excerpt") is not None, "a TOML block that nothing checks"


def _settings(ctx: Ctx, text: str) -> None:
    """This repository's table; as pyproject.toml, what `check` reads; each `# key = value` in it loads."""
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["dictgen"]
    assert tomllib.loads(text)["tool"]["dictgen"] == ours
    (ctx.root / "pyproject.toml").write_text(text, encoding="utf-8")
    proc = ctx.sh("dictgen --verbose check")
    assert proc.returncode == 0 and "config: pyproject.toml" in proc.stdout, proc.stdout
    for key, value in re.findall(r'#\s*(\w+) = ("[^"]*"|\w+)', text):
        (ctx.root / "one.toml").write_text(f"[tool.dictgen]\n{key} = {value}\n", encoding="utf-8")
        config.load(ctx.root / "one.toml", must_exist=True)  # an unknown key or a bad value raises


def _accepted(ctx: Ctx, text: str, accepted: dict[str, str]) -> None:
    """As snapshots/accepted.toml, it makes the planted change it names cosmetic."""
    (ctx.root / "snapshots" / "accepted.toml").write_text(text, encoding="utf-8")
    proc = ctx.sh("dictgen diff --format json")
    assert proc.returncode == 0, proc.stdout
    changes = [c for c in json.loads(proc.stdout)["changes"] if c["fingerprint"] in accepted]
    assert changes and all(c["severity"] == "cosmetic" for c in changes), proc.stdout


def _yaml(ctx: Ctx, block: Block) -> None:
    if GAP not in block.text:
        yaml.safe_load(textwrap.dedent(block.text))


def _text(ctx: Ctx, block: Block) -> None:
    """A usage line: its options are the ones `dictgen --help` lists."""
    if block.marker("excerpt") is not None:
        return
    assert block.text.startswith("dictgen "), "text that is no command's output: show the command, or skip"
    assert set(OPTION.findall(block.text)) == help_options()


RUNNERS: dict[str, Callable[[Ctx, Block], None]] = {
    "sh": run_shell,
    "console": run_shell,
    "python": _python,
    "ts": _typescript,
    "typescript": _typescript,
    "js": _javascript,
    "json": _json,
    "toml": _toml,
    "yaml": _yaml,
    "sql": _sql,
    "text": _text,
}


# Blocks marked ``skip (reason)`` (the data-flow diagram) are not collected; test_markers checks them.
@pytest.mark.parametrize(
    "block", [pytest.param(b, id=b.id, marks=_marks(b)) for b in BLOCKS if b.marker("skip") is None]
)
def test_doc_block(block: Block, base: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    chain = _chain(block)
    ctx = Ctx(tmp_path / ("myapp" if chain[0].marker("fresh") is not None else base.name), request)
    if chain[0].marker("fresh") is None:
        shutil.copytree(base, ctx.root, symlinks=True)
    else:  # a user's own repository: empty, under git
        ok(["git", "init", "-q", str(ctx.root)], tmp_path, ctx.env)
    for each in chain:
        for kind, arg in each.markers:
            if kind == "plant":
                _plant(ctx.root, *shlex.split(arg))
            if kind == "excerpt":
                text = (ROOT / arg).read_text(encoding="utf-8")
                assert excerpt_pattern(each.text).search(text), f"line {each.line}: not in {arg}"
        if each.marker("file") is not None:  # what the following commands read
            (ctx.cwd / str(each.marker("file"))).write_text(each.text, encoding="utf-8")
            continue
        RUNNERS[each.lang](ctx, each)


def test_every_block_runs_and_skips_are_few_and_explained() -> None:
    assert [b.id for b in BLOCKS if b.lang not in RUNNERS] == []
    found = [marker for b in BLOCKS for marker in b.markers]
    written = [
        m for text in TEXTS.values() for m in re.findall(r"^\s*<!--\s*readme-test", text, re.MULTILINE)
    ]
    assert len(found) == len(written), "a readme-test marker that is malformed or not right before a block"
    assert [kind for kind, _ in found if kind not in MARKERS] == []
    skips = [arg for kind, arg in found if kind == "skip"]
    assert all(re.fullmatch(r"\(.{10,}\)", reason) for reason in skips), f"skips need a reason: {skips}"
    assert len(skips) <= MAX_SKIPS, f"{len(skips)} skipped blocks: run them instead"


def test_the_configuration_reference_lists_every_key_with_its_default() -> None:
    """Every [tool.dictgen] key and target option is a row of docs/configuration.md, with its default."""
    rows = re.findall(r"^\|(.*)\|$", TEXTS["docs/configuration.md"], re.MULTILINE)
    cells = [[cell.strip().strip("`") for cell in row.split("|")] for row in rows]
    settings, defaults = {c[0]: c[1] for c in cells if len(c) == 3}, config.Settings()
    for field in dataclasses.fields(config.Settings):
        if field.name not in ("config", "options"):
            assert field.name in settings, f"no row for {field.name}"
            assert _default(getattr(defaults, field.name)) == settings[field.name], field.name
    options = {(c[0], c[1]): c[2] for c in cells if len(c) == 4}
    for target in registry().values():
        for field in dataclasses.fields(target.options):
            shown = options.get((f"[tool.dictgen.{target.name}]", field.name))
            assert shown == _default(getattr(target.options(), field.name)), (target.name, field.name)


def _default(value: object) -> str:
    """A default as the table shows it: TOML, ``none`` for no value."""
    if value is None:
        return "none"
    if isinstance(value, tuple):
        value = list(value)
    return json.dumps(value.as_posix() if isinstance(value, Path) else value, ensure_ascii=False)


def test_the_block_helpers() -> None:
    assert matches({"a": "x…", "b": ["…"], "…": 1}, {"a": "xyz", "b": [1, 2], "c": 3})
    assert not matches({"a": "x…"}, {"a": "x", "c": 3}) and not matches(["…"], "s")
    excerpt = excerpt_pattern("a\n# …\nc…\n")
    assert excerpt.search("z\na\nb\ncd\n") and not excerpt_pattern("a\nc\n").search("a\nb\nc\n")
    [block] = parse("<!-- readme-test: skip (why) -->\n```sh\nx  # exit 2\n```\n\n```text\nout\n```\n")
    assert block.marker("skip") == "(why)" and [vars(c) for c in commands(block)] == [
        {"line": 3, "text": "x", "exit": 2, "output": "out\n", "json": False}
    ]
