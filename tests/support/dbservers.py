"""Throwaway PostgreSQL and MariaDB servers on loopback, in a temp dir, run unprivileged."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT = 60.0


class ServerError(Exception):
    """A server could not be set up or started; the message carries its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _unprivileged() -> tuple[list[str], int, int]:
    """The command prefix that drops root (servers refuse it), and the uid/gid to own files."""
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid()
    user = pwd.getpwnam("nobody")
    return ["runuser", "-u", "nobody", "--"], user.pw_uid, user.pw_gid


def _run(cmd: Sequence[str], log: Path, what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    if proc.returncode != 0:
        raise ServerError(f"{what} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{_tail(log)}")


def _tail(log: Path, lines: int = 60) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no log at {log})"
    return "\n".join(text.splitlines()[-lines:])


def _find_tool(name: str, patterns: Sequence[str]) -> str:
    """``name`` from the newest matching versioned folder, else from PATH (or sbin)."""
    matches = [match for pattern in patterns for match in glob.glob(pattern)]
    if matches:
        return max(matches, key=_version_key)
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")
    if found is None:
        raise ServerError(f"{name} not found: run `make system-deps` (tooling/system-deps.sh)")
    return found


def _version_key(path: str) -> list[int]:
    return [int(part) for part in Path(path).parent.parent.name.split(".") if part.isdigit()]


@dataclass
class _Base:
    """A server process rooted in a private temp dir that an unprivileged user owns."""

    root: Path = field(init=False)
    port: int = field(init=False)
    log: Path = field(init=False)
    prefix: list[str] = field(init=False)

    def _prepare(self) -> None:
        self.prefix, uid, gid = _unprivileged()
        # mkdtemp directly below /tmp: the unprivileged user must be able to reach it.
        self.root = Path(tempfile.mkdtemp(prefix="dictgen-db-", dir="/tmp"))
        os.chown(self.root, uid, gid)
        self.port = free_port()
        self.log = self.root / "server.log"

    def _wait(self, ready: Callable[[], bool], proc: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise ServerError(f"server exited with {proc.returncode}:\n{_tail(self.log)}")
            if ready():
                return
            time.sleep(0.1)
        raise ServerError(f"server not ready after {START_TIMEOUT:.0f}s:\n{_tail(self.log)}")

    def cleanup(self) -> None:
        """Remove the temp dir, if it was made."""
        root: Path | None = getattr(self, "root", None)
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Postgres(_Base):
    """A PostgreSQL cluster made by initdb, run by pg_ctl, superuser ``postgres``, trust auth."""

    bindir: Path = field(init=False)

    def start(self) -> Postgres:
        """initdb and start; raise ServerError with the log when either fails."""
        self._prepare()
        self.bindir = Path(_find_tool("initdb", ["/usr/lib/postgresql/*/bin/initdb"])).parent
        data = self.root / "data"
        initdb = [str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        _run([*self.prefix, *initdb, "-E", "UTF8", "--no-locale", "--no-sync"], self.log, "initdb")
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -F"
        ctl = [str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.log), "-o", options]
        _run([*self.prefix, *ctl, "-w", "-t", str(int(START_TIMEOUT)), "start"], self.log, "pg_ctl start")
        self._wait(lambda: _accepts(self.port))
        return self

    def stop(self) -> None:
        """Stop the cluster (fast: it is thrown away) and remove its files."""
        if hasattr(self, "bindir") and (self.root / "data" / "postmaster.pid").exists():
            ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop"]
            subprocess.run([*self.prefix, *ctl], capture_output=True, check=False, timeout=60)
        self.cleanup()

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string for the superuser over TCP on loopback."""
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    @property
    def psql(self) -> str:
        """The psql client that matches the server."""
        client = self.bindir / "psql"
        return str(client) if client.exists() else _find_tool("psql", [])


@dataclass
class MariaDB(_Base):
    """A MariaDB server made by mariadb-install-db; ``root`` with no password."""

    proc: subprocess.Popen[bytes] | None = field(init=False, default=None)

    @property
    def socket_path(self) -> Path:
        """The server's Unix socket, inside the temp dir."""
        return self.root / "mysqld.sock"

    def start(self) -> MariaDB:
        """Install the system tables and start mariadbd; raise ServerError with the log on failure."""
        self._prepare()
        data = self.root / "data"
        install = _find_tool("mariadb-install-db", [])
        _run(
            [
                *self.prefix,
                install,
                "--no-defaults",
                f"--datadir={data}",
                "--skip-test-db",
                "--auth-root-authentication-method=normal",
                "--skip-name-resolve",
            ],
            self.log,
            "mariadb-install-db",
        )
        server = _find_tool("mariadbd", [])
        args = [
            *self.prefix,
            server,
            "--no-defaults",
            f"--datadir={data}",
            f"--socket={self.socket_path}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={self.root / 'mysqld.pid'}",
            f"--log-error={self.log}",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=32M",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-fast-shutdown=2",  # thrown away: no need to flush on stop
            "--character-set-server=utf8mb4",
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait(lambda: self.socket_path.exists() and _accepts(self.port), self.proc)
        return self

    def stop(self) -> None:
        """Stop mariadbd and remove its files."""
        if self.proc is not None and self.proc.poll() is None:
            # Signal mariadbd itself: runuser, our child, need not pass the signal on.
            try:
                os.kill(int((self.root / "mysqld.pid").read_text().strip()), signal.SIGTERM)
            except (OSError, ValueError):
                self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.cleanup()

    @property
    def client(self) -> str:
        """The mariadb command-line client."""
        return _find_tool("mariadb", [])
