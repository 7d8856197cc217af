"""``dictgen fetch`` against misbehaving servers: redirects, odd headers, echoed keys, slow drips."""

from __future__ import annotations

import json
import re
import subprocess
import time
import traceback
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest

from dictgen.errors import DictgenError
from dictgen.upstream import fetch as fetch_module
from dictgen.upstream.fetch import Request, fetch
from tests.support.helpers import sample_result, tree, write_snapshot
from tests.support.httpserver import KEY, Reply, Server, assert_no_key, ok_body, run_fetch, serving

OTHER = "OTHER-s3cret-77"  # a key given in --url: never shown either
REFUSED = "refusing to follow (the key would go with it); use --url"


@pytest.fixture
def server() -> Iterator[Server]:
    """A live loopback server, shut down after the test."""
    with serving() as srv:
        yield srv


@pytest.fixture(autouse=True)
def snapshots(tmp_path: Path) -> Path:
    """A snapshot folder holding the shipped 1.0.0 snapshot."""
    folder = tmp_path / "snapshots"
    write_snapshot(folder, "1.0.0", sample_result())
    return folder


def raw(status_line: bytes, *headers: bytes, body: bytes = b"") -> Reply:
    """A reply sent byte for byte, so it can hold what http.server would not send."""
    if not any(h.lower().startswith(b"content-length:") for h in headers):
        headers = (*headers, b"Content-Length: %d" % len(body))
    return Reply(raw=b"HTTP/1.1 " + b"".join(h + b"\r\n" for h in (status_line, *headers)) + b"\r\n" + body)


def one_error(tmp: Path, proc: subprocess.CompletedProcess[str], debug: bool = False) -> str:
    """The one ``error:`` line of a run that failed with exit 2, showing no traceback and no key."""
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    assert ("Traceback" in proc.stderr) == debug, proc.stderr
    if not debug:
        notices = re.compile(r"fetching |.*; retry \d+ of \d+ in [0-9.]+ s$")
        assert [line for line in proc.stderr.splitlines() if not notices.match(line)] == errors
    assert proc.stdout == ""
    assert_no_key(tmp, proc)
    assert OTHER.lower() not in proc.stderr.lower()
    return errors[0]


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_a_redirect_to_another_origin_is_not_followed(server: Server, tmp_path: Path, debug: bool) -> None:
    with serving() as other:
        other.serve(Reply(ok_body()))
        server.serve(Reply(b"", 301, {"Location": f"{other.url}?key={KEY}"}))
        proc = run_fetch(tmp_path, server.url, debug=debug)
        assert other.seen == []
    line = one_error(tmp_path, proc, debug)
    assert line.endswith(
        f"HTTP 301: redirected to http://127.0.0.1:{other.httpd.server_address[1]}: {REFUSED}"
    )
    assert len(server.seen) == 1


LOCATIONS = {
    "invalid IPv6 host": (b"http://[::1/", "an address that is not a valid URL"),
    "key as a host name": (b"http://" + KEY.encode() + b".example/x", "http://***.example"),
    "key as a host name, lower case": (
        b"http://" + KEY.lower().encode() + b".example/",
        "http://***.example",
    ),
    "key %-escaped in the host": (b"http://%53" + KEY[1:].encode() + b".example/", "http://***.example"),
    "key as the port": (b"http://127.0.0.1:" + KEY.encode() + b"/", "an address that is not a valid URL"),
    "raw bytes": (b"\xff\xfe", "http://127.0.0.1:"),
    "same origin": (b"/other?key=" + KEY.encode(), "http://127.0.0.1:"),
}


@pytest.mark.parametrize("case", LOCATIONS)
def test_hostile_locations_are_one_line(server: Server, tmp_path: Path, case: str) -> None:
    location, shown = LOCATIONS[case]
    server.serve(raw(b"302 Found", b"Location: " + location))
    line = one_error(tmp_path, run_fetch(tmp_path, server.url, "--retries", "0"))
    assert f"HTTP 302: redirected to {shown}" in line and line.endswith(REFUSED)
    assert len(server.seen) == 1


HEADERS = {
    "Retry-After: a non-ASCII digit": (raw(b"429 Slow", b"Retry-After: \xb2"), ": HTTP 429"),
    "Content-Length: a non-ASCII digit": (
        raw(b"200 OK", b"Content-Length: \xb2", body=ok_body()),
        ": invalid Content-Length header: cannot tell whether the body is complete",
    ),
    "reason phrase with the key": (raw(b"404 " + KEY.encode() + b" not found"), ": HTTP 404 *** not found"),
    "reason phrase with the key, upper case": (raw(b"404 " + KEY.upper().encode()), ": HTTP 404 ***"),
    "reason phrase with the key %-escaped": (raw(b"404 %53" + KEY[1:].encode()), ": HTTP 404 ***"),
    "reason phrase of raw bytes": (raw(b"404 \xff\xfe"), ": HTTP 404 \ufffd\ufffd"),
    "reason phrase with escapes": (raw(b"404 \x1b[31mred\xe2\x80\xae"), ": HTTP 404 [31mred"),
}


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("case", HEADERS)
def test_hostile_headers_are_one_line(server: Server, tmp_path: Path, case: str, debug: bool) -> None:
    reply, message = HEADERS[case]
    server.serve(reply)
    line = one_error(tmp_path, run_fetch(tmp_path, server.url, "--retries", "0", debug=debug), debug)
    assert line.endswith(message), line
    assert "\x1b" not in line and "\u202e" not in line


def test_a_non_ascii_retry_after_falls_back_to_backoff(server: Server, tmp_path: Path) -> None:
    server.serve(raw(b"503 Busy", b"Retry-After: \xb2\xb3"), Reply(ok_body()))
    proc = run_fetch(tmp_path, server.url, "--retries", "1")
    assert proc.returncode == 0, proc.stderr
    assert "HTTP 503; retry 1 of 1 in" in proc.stderr
    assert len(server.seen) == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1", "error: --url: not a valid URL"),
        ("http://127.0.0.1:99999/x", "error: --url: not a valid URL"),
        ("ftp://127.0.0.1/x", "error: ftp://127.0.0.1/x: the URL must start with http:// or https://"),
        ("/no/host", "error: /no/host: the URL must start with http:// or https:// and name a host"),
    ],
)
def test_an_unusable_url_is_one_line(tmp_path: Path, url: str, message: str) -> None:
    assert one_error(tmp_path, run_fetch(tmp_path, url)).startswith(message)


@pytest.mark.parametrize(
    "query",
    [f"key={OTHER}&key={OTHER}2", f"a=1&%6Bey={OTHER}", f"KEY={OTHER}", f"a=1;key={OTHER}", f"key[]={OTHER}"],
)
def test_a_key_in_the_url_is_refused_without_showing_it(server: Server, tmp_path: Path, query: str) -> None:
    server.serve(Reply(ok_body()))
    line = one_error(tmp_path, run_fetch(tmp_path, f"{server.url}?{query}"))
    masked = query.replace(f"{OTHER}2", "***").replace(OTHER, "***")
    assert line == f"error: {server.url}?{masked}: the URL must not carry a key: use --key-env or --key-file"
    assert server.seen == []


@pytest.mark.parametrize("where", ["fragment", "user"])
def test_secrets_elsewhere_in_the_url_are_not_shown(server: Server, tmp_path: Path, where: str) -> None:
    server.serve(Reply(ok_body()))
    url = f"{server.url}#key={OTHER}" if where == "fragment" else server.url.replace("//", f"//u:{OTHER}@")
    proc = run_fetch(tmp_path, url)
    assert proc.returncode == 0, proc.stderr
    assert OTHER not in proc.stderr + proc.stdout
    assert_no_key(tmp_path, proc)


IN_PROCESS = {
    "reason phrase": [raw(b"404 " + KEY.encode() + b" not found")],
    "5xx reason phrase, retried": [raw(b"503 " + KEY.encode()), raw(b"410 " + KEY.encode())],
    "redirect to the key": [raw(b"301 Moved", b"Location: http://" + KEY.encode() + b"/")],
    "header warning": [raw(b"200 OK", b"Content-Type: application/json", b"bad " + KEY.encode(), body=b"{")],
}


@pytest.mark.parametrize("case", IN_PROCESS)
def test_fetch_itself_never_shows_the_key(
    server: Server, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    """Not relying on the CLI's own cleaning: fetch's errors, notices and tracebacks are clean."""
    server.serve(*IN_PROCESS[case])
    notices: list[str] = []
    with pytest.raises(DictgenError) as info:
        fetch(Request(server.url, KEY, timeout=2, retries=len(IN_PROCESS[case]) - 1), notices.append)
    shown = "".join(traceback.format_exception(info.value)) + "\n".join(notices) + capsys.readouterr().err
    assert KEY.lower() not in shown.lower()
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


DRIPS = {
    "body": Reply(ok_body(), drip=0.5),
    "body without Content-Length": Reply(ok_body(), drip=0.5, length=False),
    "status line and headers": Reply(raw=b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 100 + b"\r\n\r\n", drip=0.5),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", DRIPS)
def test_a_slow_drip_ends_at_the_deadline(server: Server, tmp_path: Path, case: str) -> None:
    server.serve(DRIPS[case])
    proc = run_fetch(tmp_path, server.url, "--timeout", "1", "--retries", "0")
    assert one_error(tmp_path, proc).endswith(": the download took longer than 6 s")
    assert len(server.seen) == 1
    # The client cut the drip short: it did not wait for the server's own DRIP_LIMIT.
    assert server.wait_ends(1) == ["client hung up"]


class _RecordedWatchdog(fetch_module._Watchdog):
    """The real watchdog, firing after a thirtieth of its deadline, and never before the server has
    the attempt's request (on a loaded machine it could cut the attempt before the server saw it,
    and the server would record no end); the deadlines asked for."""

    deadlines: ClassVar[list[float]] = []
    server: ClassVar[Server | None] = None

    def __init__(self, seconds: float) -> None:
        self.deadlines.append(seconds)
        self.attempt = len(self.deadlines)
        super().__init__(seconds / 30)

    def _fire(self) -> None:
        assert self.server is not None
        guard = time.monotonic() + 60  # only stops a hang
        while len(self.server.seen) < self.attempt and time.monotonic() < guard:
            time.sleep(0.01)  # waits for an event (the request's arrival), orders nothing
        super()._fire()


@pytest.mark.parametrize(("timeout", "retries"), [(1.0, 0), (0.5, 1)])
def test_each_attempt_has_a_deadline_of_six_timeouts(
    server: Server, monkeypatch: pytest.MonkeyPatch, timeout: float, retries: int
) -> None:
    monkeypatch.setattr(_RecordedWatchdog, "deadlines", [])
    monkeypatch.setattr(_RecordedWatchdog, "server", server)
    monkeypatch.setattr(fetch_module, "_Watchdog", _RecordedWatchdog)
    waits: list[float] = []
    monkeypatch.setattr(fetch_module, "time", SimpleNamespace(sleep=waits.append, time=time.time))
    server.serve(Reply(ok_body(), drip=0.2))
    notices: list[str] = []
    with pytest.raises(DictgenError) as info:
        fetch(Request(server.url, KEY, timeout=timeout, retries=retries), notices.append)
    deadline = 6 * timeout
    assert _RecordedWatchdog.deadlines == [deadline] * (retries + 1)
    tries = f" after {retries + 1} attempts" if retries else ""
    assert str(info.value).endswith(f": the download took longer than {deadline:g} s{tries}")
    assert len(waits) == retries and all(0.5 <= wait <= 1.0 for wait in waits)  # at most 1 s of backoff
    assert server.wait_ends(retries + 1) == ["client hung up"] * (retries + 1)


@pytest.mark.slow
def test_a_deadline_overrun_is_retried(server: Server, tmp_path: Path) -> None:
    server.serve(Reply(ok_body(), drip=0.2))
    proc = run_fetch(tmp_path, server.url, "--timeout", "0.5", "--retries", "1")
    notice = re.search(r"the download took longer than 3 s; retry 1 of 1 in (\d+\.\d) s", proc.stderr)
    assert notice and 0.5 <= float(notice[1]) <= 1.0, proc.stderr  # at most 1 s of backoff
    assert one_error(tmp_path, proc).endswith(": the download took longer than 3 s after 2 attempts")
    assert len(server.seen) == 2
    assert server.wait_ends(2) == ["client hung up", "client hung up"]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@pytest.mark.parametrize(
    "spelling",
    ["\u200b".join(KEY), "\u2060".join(KEY.upper()), _fullwidth(KEY), "\u200d".join(_fullwidth(KEY))],
    ids=["zero-width spaces", "word joiners, upper case", "fullwidth", "fullwidth and joiners"],
)
def test_a_disguised_key_in_a_server_reason_is_redacted(
    server: Server, tmp_path: Path, spelling: str
) -> None:
    body = {"reason": f"bad key {spelling} given", "result": None, "error_code": 209901}
    server.serve(Reply(json.dumps(body, ensure_ascii=False).encode("utf-8")))
    proc = run_fetch(tmp_path, server.url, "--retries", "0")
    assert proc.returncode == 2 and "Juhe error 209901: bad key *** given" in proc.stderr, proc.stderr
    shown = unicodedata.normalize("NFKC", "".join(proc.stderr.split()))
    assert KEY.lower() not in shown.lower()


@pytest.mark.parametrize(
    "spelling", ["\u200b".join(KEY), _fullwidth(KEY), "\t".join(KEY)], ids=["zwsp", "fullwidth", "tabs"]
)
def test_a_disguised_key_in_the_dictionary_is_never_recorded(
    server: Server, tmp_path: Path, spelling: str
) -> None:
    result = sample_result()
    result["seatClass"]["data"]["91"] = f"key {spelling}"
    server.serve(Reply(ok_body(result)))
    before = tree(tmp_path)
    proc = run_fetch(tmp_path, server.url, "--retries", "0")
    assert proc.returncode == 2 and "the response contains the API key; refusing to record it" in proc.stderr
    assert tree(tmp_path) == before
