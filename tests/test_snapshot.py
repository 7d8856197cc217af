"""The snapshot loader: every invalid input is exit 2, one line per problem, nothing written."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dictgen.errors import SnapshotError
from dictgen.model.snapshot import (
    canonical_sha256,
    load_snapshot,
    newest_per_major,
    parse_json,
    snapshot_from_doc,
)
from dictgen.model.types import Version
from tests.conftest import Run
from tests.support.helpers import dictgen, sample_result, tree, write_snapshot

Doc = dict[str, Any]


def _doc(result: Any) -> Doc:
    return {
        "version": "1.0.0",
        "source": "http://v.juhe.cn/grabTicket/action/dataDictionary.php",
        "retrieved_at": "2026-01-01T00:00:00Z",
        "sha256": canonical_sha256(result),
        "result": result,
    }


def _with_result(change: Callable[[Doc], None]) -> bytes:
    result = sample_result()
    change(result)
    return json.dumps(_doc(result), ensure_ascii=False).encode()


def _with_header(**fields: Any) -> bytes:
    return json.dumps({**_doc(sample_result()), **fields}, ensure_ascii=False).encode()


def _dict_set(key: str, value: Any) -> Callable[[Doc], None]:
    return lambda result: result.__setitem__(key, value)


def _label(code: str, label: Any) -> Callable[[Doc], None]:
    return lambda result: result["seatClass"]["data"].__setitem__(code, label)


SAMPLE_TEXT = json.dumps(_doc(sample_result()), ensure_ascii=False)

CASES: list[tuple[str, bytes, str]] = [
    ("not_utf8", b'{"version": "\xff"}', "not UTF-8 (byte 13)"),
    ("invalid_json", b'{"version": ', "invalid JSON: Expecting value at line 1 column 13"),
    ("deep_nesting", b"[" * 50 + b"]" * 50, "nesting deeper than 32 levels"),
    ("recursion", b"[" * 200_000 + b"]" * 200_000, "JSON nesting too deep"),
    (
        "duplicate_key",
        SAMPLE_TEXT.replace('"4": "二等座"', '"4": "二等座", "4": "三等座"').encode(),
        'result.seatClass.data."4": duplicate key',
    ),
    (
        "duplicate_top_key",
        SAMPLE_TEXT.replace('"version"', '"version": "1.0.0", "version"', 1).encode(),
        "version: duplicate key",
    ),
    ("result_not_object", _with_header(result=[]), "result: must be an object, not a list"),
    ("not_an_object", b"[]", "a snapshot must be an object, not a list"),
    ("dictionary_not_object", _with_result(_dict_set("idType", "x")), "result.idType: must be {"),
    ("missing_msg", _with_result(lambda r: r["idType"].pop("msg")), 'result.idType: missing "msg"'),
    (
        "msg_not_string",
        _with_result(lambda r: r["idType"].__setitem__("msg", 1)),
        "result.idType.msg: msg must be a string, not a number",
    ),
    (
        "data_not_object",
        _with_result(lambda r: r["idType"].__setitem__("data", [])),
        "result.idType.data: must be an object, not a list",
    ),
    (
        "label_not_string",
        _with_result(_label("4", 4)),
        'result.seatClass.data."4": label must be a string, not a number',
    ),
    (
        "empty_dictionary_name",
        _with_result(_dict_set("", {"msg": "", "data": {}})),
        'result."": empty dictionary name',
    ),
    ("empty_code", _with_result(_label("", "x")), 'result.seatClass.data."": empty code'),
    ("nul_in_label", _with_result(_label("4", "a\x00b")), 'result.seatClass.data."4": label contains U+0000'),
    ("nul_in_code", _with_result(_label("4\x00", "x")), "code contains U+0000"),
    ("nul_in_msg", _with_result(lambda r: r["idType"].__setitem__("msg", "\x00")), "msg contains U+0000"),
    (
        "surrogate_in_label",
        SAMPLE_TEXT.replace("二等座", "\\ud800").encode(),
        'result.seatClass.data."4": contains a lone surrogate',
    ),
    (
        "tips_not_list",
        _with_result(_dict_set("tips", "x")),
        "result.tips: tips must be a list of strings, not a string",
    ),
    (
        "tip_not_string",
        _with_result(_dict_set("tips", ["a", None])),
        "result.tips[1]: tip must be a string, not null",
    ),
    ("version_not_semver", _with_header(version="1.0"), "version: '1.0' is not a MAJOR.MINOR.PATCH version"),
    ("version_prerelease", _with_header(version="1.0.0-rc.1"), "is not a MAJOR.MINOR.PATCH version"),
    ("version_mismatch", _with_header(version="1.0.1"), "'1.0.1' does not match the file name 1.0.0.json"),
    ("sha256_mismatch", _with_header(sha256="0" * 64), "sha256: mismatch: the result hashes to"),
    ("sha256_malformed", _with_header(sha256="XYZ"), "sha256: must be 64 lowercase hex digits"),
    ("missing_field", _with_header(source=None), "source: must be a string, not null"),
    ("key_in_source", _with_header(source="http://x/?key=secret"), "source: must not contain the API key"),
    ("key_as_php_reads_it", _with_header(source="http://x/?a=1;%4BEY[]=s"), "source: must not contain"),
    ("password_in_source", _with_header(source="https://user:pw@x/"), "or a password (dictgen stores ***)"),
    # a host urlsplit refuses does not hide the query after it; PHP ends a name at its first NUL
    ("key_after_a_bad_host", _with_header(source="http://[x]/d.php?key=s"), "source: must not contain"),
    ("key_after_a_fullwidth_slash", _with_header(source="http://x\uff0fd.php?key=s"), "source: must not"),
    ("key_with_a_nul_in_its_name", _with_header(source="http://x/?key%00y=s"), "source: must not contain"),
    ("password_before_a_bad_host", _with_header(source="http://u:pw@[x/"), "or a password"),
    (
        "surrogate_in_ignored_key",
        SAMPLE_TEXT.replace('"msg": "证件类型', '"note": "\\udc00", "msg": "证件类型').encode(),
        "result.idType.note: contains a lone surrogate",
    ),
    (
        "nan",
        SAMPLE_TEXT.replace('"msg": "证件类型', '"note": NaN, "msg": "证件类型').encode(),
        "NaN is not valid JSON",
    ),
    (
        "huge_int",
        SAMPLE_TEXT.replace('"msg": "证件类型', f'"note": {"9" * 5000}, "msg": "证件类型').encode(),
        "invalid JSON: Exceeds the limit",
    ),
    (
        "float_overflow",
        SAMPLE_TEXT.replace('"msg": "证件类型', '"note": 1E+400, "msg": "证件类型').encode(),
        "invalid JSON: the number 1E+400 is out of range",
    ),
    ("not_utc", _with_header(retrieved_at="2026-01-01T08:00:00+08:00"), "is not an ISO-8601 UTC time"),
]


@pytest.mark.parametrize(("data", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_snapshot_is_exit_2_and_writes_nothing(
    project: Path, run: Run, data: bytes, message: str
) -> None:
    run("generate")
    before = tree(project / "generated")
    (project / "snapshots" / "1.0.0.json").write_bytes(data)
    result = run("generate")
    assert result.exit_code == 2
    assert message in result.stderr
    assert all(line.startswith("error: snapshots/1.0.0.json: ") for line in result.stderr.splitlines())
    assert "Traceback" not in result.stderr
    assert tree(project / "generated") == before


def test_every_problem_is_reported_together(tmp_path: Path) -> None:
    result = sample_result()
    result["idType"]["data"][""] = "x"
    result["seatClass"]["data"]["4"] = "\x00"
    result["tips"] = [1]
    path = tmp_path / "1.0.0.json"
    path.write_text(json.dumps(_doc(result)), encoding="utf-8")
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(path)
    assert [p for p, _ in caught.value.problems] == [
        "result.tips[0]",
        'result.idType.data.""',
        'result.seatClass.data."4"',
    ]


def test_unknown_keys_warn_and_are_ignored(project: Path, run: Run) -> None:
    result = sample_result()
    result["idType"]["note"] = "extra"
    write_snapshot(project / "snapshots", "1.0.0", result)
    outcome = run("generate")
    assert outcome.exit_code == 0
    assert "warning: snapshots/1.0.0.json: result.idType.note: unknown key ignored" in outcome.stderr


def test_hash_ignores_key_order() -> None:
    result = sample_result()
    reordered = dict(reversed(list(result.items())))
    reordered["seatClass"] = {"data": dict(reversed(result["seatClass"]["data"].items())), "msg": ""}
    reordered["seatClass"]["msg"] = result["seatClass"]["msg"]
    assert canonical_sha256(reordered) == canonical_sha256(result)
    assert list(reordered) != list(result)


def test_odd_but_valid_strings_round_trip(tmp_path: Path) -> None:
    odd = ["a\nb\r\nc\td", "\x01\x1b\x7f", "\u202eevil\u202c", "\u2028\u2029", "😀", "x" * 10_000, "e\u0301"]
    result = {"tips": odd, "d": {"msg": "\\", "data": {s[:50] or "k": s for s in odd}}}
    snap = load_snapshot(write_snapshot(tmp_path, "1.0.0", result))
    assert snap.tips == tuple(odd)
    assert [e.label for e in snap.dictionaries[0].entries] == odd
    assert snap.dictionaries[0].msg == "\\"


def test_order_is_kept_and_sha_matches_file() -> None:
    data = json.dumps(_doc(sample_result()), ensure_ascii=False).encode()
    doc = parse_json(data, "x")
    assert list(doc["result"]["seatClass"]["data"])[:3] == ["1", "2", "3"]


def test_newest_per_major(tmp_path: Path) -> None:
    for version in ["1.0.0", "1.2.0", "1.10.0", "2.0.0", "2.0.1"]:
        write_snapshot(tmp_path, version, sample_result())
    from dictgen.model.snapshot import load_snapshots

    chosen = newest_per_major(load_snapshots(tmp_path))
    assert [str(s.version) for s in chosen] == ["1.10.0", "2.0.1"]
    assert Version.parse("01.0.0") is None


def test_empty_or_missing_snapshot_folder(project: Path, run: Run) -> None:
    for path in (project / "snapshots").glob("*.json"):
        path.unlink()
    assert "no snapshots (*.json) found" in run("generate").stderr
    assert "snapshot directory not found" in run("generate", "--snapshots", "nowhere").stderr


@pytest.mark.parametrize(
    "source",
    [
        "http://x/?key=***",
        "https://***@x/d.php?a=1",
        "http://x/?key=",
        "the dictgen 0.1 generator",
        "http://[x",
    ],
)
def test_a_source_with_no_secret_left_in_it_is_valid(source: str) -> None:
    doc = json.loads(_with_header(source=source))
    assert snapshot_from_doc(doc, "s.json", "1.0.0").source == source


def test_a_file_name_with_esc_or_a_newline_is_shown_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "snap\x1b[2J\n::error::x"  # would clear a terminal and forge a CI line
    write_snapshot(folder, "1.0.0", sample_result())
    data = json.loads((folder / "1.0.0.json").read_text(encoding="utf-8")) | {"note": "unknown key"}
    (folder / "1.0.0.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (folder / "x\x1b[31m.json").write_text("{}", encoding="utf-8")
    result = dictgen("generate", "--snapshots", folder.name, "--out", "out", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert "\x1b" not in result.stderr and not any(line.startswith("::") for line in lines), lines
    assert any(
        line.startswith("warning: snap\\u001b[2J\\u000a::error::x/1.0.0.json: note:") for line in lines
    )
    error = "error: snap\\u001b[2J ::error::x/x\\u001b[31m.json: "  # a line break is a space here
    assert any(line.startswith(error) for line in lines), lines


def _no_more_than_2_gib() -> None:
    """A run that reads /dev/zero to the end runs out of memory here, not on the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.parametrize("special", ["fifo", "link to /dev/zero"])
@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("snapshots/2.0.0.json", "error: snapshots/2.0.0.json: not a regular file"),
        ("snapshots/accepted.toml", "error: snapshots/accepted.toml: cannot read: not a regular file"),
        ("names.toml", "error: names.toml: cannot read: not a regular file"),
        (
            "generated/manifest.json",
            "error: generated/manifest.json: unreadable manifest: not a regular file",
        ),
    ],
)
def test_a_fifo_or_a_device_in_place_of_an_input_is_one_line_not_a_hang(
    project: Path, special: str, name: str, error: str
) -> None:
    """Git cannot hold a FIFO, but it holds a link to /dev/zero: read whole, it never ends."""
    assert dictgen("generate", cwd=project).returncode == 0
    (project / name).unlink(missing_ok=True)
    if special == "fifo":
        os.mkfifo(project / name)
    else:
        (project / name).symlink_to("/dev/zero")
    for command in ("check", "generate"):
        proc = subprocess.run(
            [sys.executable, "-m", "dictgen", command],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=_no_more_than_2_gib,
            check=False,
        )
        assert (proc.returncode, proc.stderr) == (2, error + "\n")


def test_hidden_files_beside_the_snapshots_are_not_snapshots(project: Path, run: Run) -> None:
    """Emacs locks a file it edits with a dangling link, .#NAME; macOS copies leave ._NAME."""
    assert run("generate").exit_code == 0
    (project / "snapshots" / ".#1.0.0.json").symlink_to("user@host.4242:1764000000")
    (project / "snapshots" / "._1.0.0.json").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    for command in ("check", "generate", "show"):
        result = run(command)
        assert result.exit_code == 0 and "error" not in result.stderr, result.stderr
    assert run("import", str(project / "snapshots" / "1.0.0.json")).exit_code == 0
