"""Run a command as a child process: wall time and the child's own peak RSS.

On Linux a process's peak RSS counts the memory of whatever it was forked (or vforked) from, up
to its exec: a child of the benchmark, which holds 100,000-entry dictionaries, would report at
least the benchmark's size. So every command starts from a lean spawner, a bare interpreter
started first, which times it and reads its rusage with ``os.wait4`` (this child alone, where
``resource.getrusage(RUSAGE_CHILDREN)`` would give the largest child the spawner ever had).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPAWNER = r"""
import json, os, sys, tempfile, time
for line in sys.stdin:
    job = json.loads(line)
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.chdir(job["cwd"])
            fd = os.open(os.devnull, os.O_RDWR)
            os.dup2(fd, 0); os.dup2(fd, 1); os.dup2(err.fileno(), 2)
            try:
                os.execve(job["command"][0], job["command"], job["env"])
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - start
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"seconds": seconds, "kib": usage.ru_maxrss, "code": code, "tail": tail}), flush=True)
"""


class Failed(Exception):
    """A measured command exited with an unexpected code (its stderr tail is the message)."""


@dataclass(frozen=True)
class Figure:
    """The medians of several runs of one command."""

    seconds: float
    peak_mib: float
    runs: int


class _Spawner:
    """The lean process every measured command starts from."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        """Start it now, while this process is still small."""
        if self._process is None:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-c", SPAWNER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )

    def run(self, command: Sequence[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
        self.start()
        assert self._process is not None and self._process.stdin and self._process.stdout
        job = {"command": [_which(command[0], env), *command[1:]], "cwd": str(cwd), "env": env}
        self._process.stdin.write(json.dumps(job) + "\n")
        self._process.stdin.flush()
        reply: dict[str, Any] = json.loads(self._process.stdout.readline())
        return reply


SPAWNER_PROCESS = _Spawner()


def _which(program: str, env: dict[str, str]) -> str:
    return program if "/" in program else shutil.which(program, path=env.get("PATH")) or program


def run_once(
    command: Sequence[str], cwd: Path, env: dict[str, str], ok: Sequence[int] = (0,)
) -> tuple[float, float]:
    """Seconds and peak MiB of one run."""
    reply = SPAWNER_PROCESS.run(command, cwd, env)
    if reply["code"] not in ok:
        raise Failed(f"{' '.join(command)} exited {reply['code']}: {' | '.join(reply['tail'])}")
    return float(reply["seconds"]), reply["kib"] / 1024  # Linux reports KiB


def median(
    command: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    runs: int,
    prepare: Callable[[], object] = lambda: None,
    ok: Sequence[int] = (0,),
) -> Figure:
    """Run ``prepare`` (not timed) then ``command``, ``runs`` times; the median time and peak."""
    times, peaks = [], []
    for _ in range(runs):
        prepare()
        seconds, peak = run_once(command, cwd, env, ok)
        times.append(seconds)
        peaks.append(peak)
    return Figure(statistics.median(times), statistics.median(peaks), runs)
