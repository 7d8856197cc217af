"""``dictgen fetch`` against a real HTTP server on loopback; the key must never leak."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from dictgen.console import Redactor
from dictgen.errors import FetchError, SnapshotError
from dictgen.model.errorcodes import BUILTIN, load_error_codes
from dictgen.upstream import fetch as fetch_module
from dictgen.upstream.fetch import Request, _delay, _retry_after, fetch, read_key
from dictgen.upstream.http import os_reason, redacted_logs, shown_url
from dictgen.upstream.response import _describe_error, decode_response
from tests.support.helpers import ROOT, dictgen, sample_result, tree, write_snapshot
from tests.support.httpserver import (
    FAILURES,
    KEY,
    Reply,
    Server,
    assert_no_key,
    closed_port_url,
    ok_body,
    run_fetch,
    serving,
)


@pytest.fixture
def server() -> Iterator[Server]:
    """A live loopback server, shut down after the test."""
    with serving() as srv:
        yield srv


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    """A snapshot folder holding the shipped 1.0.0 snapshot."""
    folder = tmp_path / "snapshots"
    write_snapshot(folder, "1.0.0", sample_result())
    return folder


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("case", FAILURES)
def test_failures_exit_2_write_nothing_and_hide_the_key(
    server: Server, snapshots: Path, tmp_path: Path, case: str, debug: bool
) -> None:
    replies, args, message = FAILURES[case]
    server.serve(*replies)
    before = tree(snapshots)
    proc = run_fetch(tmp_path, server.url, *args, debug=debug)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {server.url}?key=***: ")
    assert ("Traceback" in proc.stderr) == debug
    assert "\x1b" not in proc.stderr and "\u202e" not in proc.stderr
    assert proc.stdout == ""
    assert tree(snapshots) == before
    assert_no_key(tmp_path, proc)
    assert server.seen and all(parse_qs(urlsplit(p).query)["key"] == [KEY] for p in server.seen)


def test_404_is_asked_once(server: Server, snapshots: Path, tmp_path: Path) -> None:
    server.serve(Reply(b"nope", 404))
    proc = run_fetch(tmp_path, server.url, "--retries", "3")
    assert proc.returncode == 2
    assert len(server.seen) == 1


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_connection_refused(snapshots: Path, tmp_path: Path, debug: bool) -> None:
    url = closed_port_url()
    before = tree(snapshots)
    proc = run_fetch(tmp_path, url, "--retries", "1", debug=debug)
    assert proc.returncode == 2
    assert f"error: {url}?key=***: cannot connect (connection refused) after 2 attempts" in proc.stderr
    assert "retry 1 of 1 in" in proc.stderr
    assert tree(snapshots) == before
    assert_no_key(tmp_path, proc)


def test_success_up_to_date(server: Server, snapshots: Path, tmp_path: Path) -> None:
    server.serve(Reply(ok_body()))
    before = tree(snapshots)
    proc = run_fetch(tmp_path, server.url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "up to date (version 1.0.0)\n"
    assert f"fetching {server.url}?key=***" in proc.stderr
    assert tree(snapshots) == before
    assert_no_key(tmp_path, proc)


def test_500_then_success(server: Server, snapshots: Path, tmp_path: Path) -> None:
    server.serve(Reply(b"busy", 503), Reply(ok_body()))
    proc = run_fetch(tmp_path, server.url, "--retries", "2")
    assert proc.returncode == 0, proc.stderr
    assert "HTTP 503; retry 1 of 2 in" in proc.stderr
    assert "up to date (version 1.0.0)" in proc.stdout
    assert len(server.seen) == 2
    assert_no_key(tmp_path, proc)


def test_429_honours_retry_after(server: Server, snapshots: Path, tmp_path: Path) -> None:
    server.serve(Reply(b"", 429, {"Retry-After": "1"}), Reply(ok_body()))
    proc = run_fetch(tmp_path, server.url)
    assert proc.returncode == 0, proc.stderr
    assert "HTTP 429; retry 1 of 3 in 1.0 s" in proc.stderr
    assert len(server.seen) == 2
    assert_no_key(tmp_path, proc)


def test_429_waits_retry_after_before_asking_again(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[tuple[float, int]] = []  # each wait, and how many requests the server had seen by then
    clock = SimpleNamespace(sleep=lambda s: waits.append((s, len(server.seen))), time=time.time)
    monkeypatch.setattr(fetch_module, "time", clock)
    server.serve(Reply(b"", 429, {"Retry-After": "1"}), Reply(ok_body()))
    fetch(Request(server.url, KEY), lambda _: None)
    assert waits == [(1.0, 1)]
    assert len(server.seen) == 2


def test_timeout_then_success(server: Server, snapshots: Path, tmp_path: Path) -> None:
    server.serve(Reply(ok_body(), delay=2), Reply(ok_body()))
    proc = run_fetch(tmp_path, server.url, "--timeout", "0.3", "--retries", "1")
    assert proc.returncode == 0, proc.stderr
    assert "no data within 0.3 s; retry 1 of 1" in proc.stderr


def test_check_reports_the_difference_and_writes_nothing(
    server: Server, snapshots: Path, tmp_path: Path
) -> None:
    changed = sample_result()
    changed["seatClass"]["data"]["1"] = "软卧"
    server.serve(Reply(ok_body(changed)))
    before = tree(snapshots)
    proc = run_fetch(tmp_path, server.url, "--check")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("upstream differs: would record 2.0.0 (major)")
    assert '"硬座" -> "软卧"' in proc.stdout
    assert tree(snapshots) == before
    assert_no_key(tmp_path, proc)


def test_fetch_records_the_next_version(server: Server, snapshots: Path, tmp_path: Path) -> None:
    changed = sample_result()
    changed["idType"]["data"]["5"] = "外国人永久居留身份证"
    server.serve(Reply(ok_body(changed)))
    proc = run_fetch(tmp_path, server.url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("recorded 1.1.0 (minor)")
    doc = json.loads((snapshots / "1.1.0.json").read_text(encoding="utf-8"))
    assert doc["result"] == changed
    assert doc["source"] == server.url
    assert (snapshots / "CHANGELOG.md").is_file()
    assert_no_key(tmp_path, proc)


def test_key_file(server: Server, snapshots: Path, tmp_path: Path) -> None:
    key_file = tmp_path / "key.txt"
    key_file.write_text("  file-key-123\n", encoding="utf-8")
    server.serve(Reply(ok_body()))
    proc = run_fetch(tmp_path, server.url, "--key-file", str(key_file))
    assert proc.returncode == 0, proc.stderr
    assert parse_qs(urlsplit(server.seen[0]).query)["key"] == ["file-key-123"]


def test_missing_key(tmp_path: Path) -> None:
    proc = dictgen("fetch", "--key-env", "DICTGEN_NO_SUCH_KEY", "--snapshots", tmp_path, cwd=tmp_path)
    assert proc.returncode == 2
    assert (
        proc.stderr == "error: $DICTGEN_NO_SUCH_KEY: no API key: set DICTGEN_NO_SUCH_KEY or pass --key-file\n"
    )


def test_key_in_the_url_is_refused(server: Server, snapshots: Path, tmp_path: Path) -> None:
    server.serve(Reply(ok_body()))
    proc = run_fetch(tmp_path, f"{server.url}?key={KEY}")
    assert proc.returncode == 2
    assert "the URL must not carry a key" in proc.stderr
    assert server.seen == []
    assert_no_key(tmp_path, proc)


def test_help_does_not_import_requests() -> None:
    code = (
        "import sys\nfrom dictgen.cli import cli\n"
        "for args in (['--help'], ['fetch', '--help'], ['import', '--help']):\n"
        "    try:\n        cli.main(args, prog_name='dictgen')\n    except SystemExit:\n        pass\n"
        "print('requests' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert proc.stdout.strip().endswith("False")


# Unit tests of the small pieces.


def test_every_documented_system_code_has_a_message_from_errors_toml() -> None:
    table = {c.code: c for c in load_error_codes()}
    codes = {10001, 10002, 10003, 10004, 10005, 10007, 10008, 10009, 10011, 10012, 10013, 10014, 10020}
    assert codes | {10021} == set(table)
    assert {code for code, c in table.items() if c.retryable} == {10011, 10012, 10013, 10014, 10020}
    for code, known in table.items():
        text = _describe_error(code, "ignored", Redactor(), BUILTIN)
        assert text.startswith(f"Juhe error {code}: {known.meaning} (") and "ignored" not in text
    assert _describe_error(10020, "", Redactor(), BUILTIN).endswith("(temporary: worth retrying later)")
    assert _describe_error("10021", "", Redactor(), BUILTIN).endswith("(permanent: fix this before retrying)")


def test_error_code_zero_as_string_succeeds_and_booleans_do_not() -> None:
    body = ok_body(error_code="0")
    assert decode_response(body, "x", "src").result == sample_result()
    with pytest.raises(FetchError, match="error_code must be a number"):
        decode_response(ok_body(error_code=False), "x", "src")
    with pytest.raises(FetchError, match="not a Juhe API response"):
        decode_response(json.dumps(sample_result()).encode(), "x", "src")


@pytest.mark.parametrize("code", ["\u00b2", "\uff11\uff10\uff10\uff10\uff11", "99999999999999999999", " "])
def test_odd_error_codes_are_reported_not_crashed_on(code: str) -> None:
    with pytest.raises(FetchError, match="Juhe error"):
        decode_response(ok_body(error_code=code), "x", "src")


def test_validation_problems_are_redacted() -> None:
    with pytest.raises(SnapshotError) as info:
        decode_response(ok_body({"a": {"msg": "m", "data": {KEY: 5}}}), "x", "src", Redactor([KEY]))
    assert KEY not in str(info.value) and '"***"' in str(info.value)


def test_redactor_covers_url_encodings() -> None:
    redact = Redactor(["a b/c"])
    assert redact("a b/c a%20b%2Fc a+b%2Fc") == "*** *** ***"
    assert shown_url("http://h/p") == "http://h/p?key=***"
    assert shown_url("http://h/p?x=1") == "http://h/p?x=1&key=***"


def test_retry_after_and_backoff() -> None:
    assert _retry_after("7") == 7.0
    assert _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert _delay(0, 5.0) == 5.0
    assert _delay(0, 3600.0) is None
    for attempt in range(12):
        delay = _delay(attempt, None)
        assert delay is not None and 0.5 * min(60, 2**attempt) <= delay <= 60.0


def test_read_key_rejects_blank_and_multiline(tmp_path: Path) -> None:
    key_file = tmp_path / "k"
    key_file.write_text("a b\n", encoding="utf-8")
    with pytest.raises(FetchError, match="one line of printable characters"):
        read_key("UNUSED", key_file)
    with pytest.raises(FetchError, match="cannot read the key file"):
        read_key("UNUSED", tmp_path / "missing")


def test_urllib3_log_lines_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    with redacted_logs(Redactor([KEY])):
        logging.getLogger("urllib3.connectionpool").warning("Failed (url=%s)", f"http://h/?key={KEY}")
    assert capsys.readouterr().err == "warning: Failed (url=http://h/?key=***)\n"
    assert logging.getLogger("urllib3").propagate


def test_cause_never_returns_the_url() -> None:
    text = f"Max retries exceeded with url: /?key={KEY} ([Errno -2] Name or service not known)"
    assert os_reason(text) == "name or service not known"
    assert os_reason(f"/?key={KEY}") == "connection error"
