"""Read files of the repository at a git revision, without a checkout: the one module that runs git.

Only ``rev-parse``, ``ls-tree`` and ``cat-file`` run: they read objects and write nothing.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dictgen.errors import DictgenError
from dictgen.text import printable

GIT_TIMEOUT = 60.0  # seconds for one git command; reading a few small blobs takes milliseconds
# git's own list of the variables that tie it to one repository (`git rev-parse --local-env-vars`).
# A hook or an outer git command sets some of them; dictgen reads the repository that holds the project.
_REPOSITORY_ENV = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_IMPLICIT_WORK_TREE",
    "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE",
    "GIT_NO_REPLACE_OBJECTS",
    "GIT_REPLACE_REF_BASE",
    "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX",
    "GIT_SHALLOW_FILE",
    "GIT_COMMON_DIR",
)
_FILE_MODES = ("100644", "100755")
# A snapshot at REF is read whole: a larger blob is refused before it is read. The largest snapshot
# generate accepts (max_entries, 100,000 entries) is a few MiB.
MAX_BLOB = 64 * 1024 * 1024
SHOWN_REF = 100  # characters of an unknown REF that an error line repeats


def _git_env() -> dict[str, str]:
    """The environment git runs in: no variable that points it at another repository, paths literal."""
    paired = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")  # they go with GIT_CONFIG_COUNT
    env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_ENV and not k.startswith(paired)}
    return {**env, "GIT_LITERAL_PATHSPECS": "1", "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}


def git(cwd: Path, *args: str) -> bytes:
    """Run ``git ARGS`` in ``cwd`` and return its stdout; any failure is a one-line DictgenError."""
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, env=_git_env(), capture_output=True, timeout=GIT_TIMEOUT
        )
    except OSError as exc:  # git is not installed, or the folder is gone
        if isinstance(exc, FileNotFoundError) and exc.filename == "git":
            raise DictgenError("git", "not found: --against reads the snapshots at REF with git") from None
        raise DictgenError("git", f"cannot run git {args[0]}: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise DictgenError("git", f"git {args[0]} took longer than {GIT_TIMEOUT:g} seconds") from None
    except ValueError as exc:  # a NUL byte in an argument
        raise DictgenError("git", f"cannot run git {args[0]}: {exc}") from None
    if proc.returncode != 0:
        raise DictgenError("git", _first_line(proc.stderr) or f"git {args[0]} exited {proc.returncode}")
    return proc.stdout


def _first_line(stderr: bytes) -> str:
    """git's message, without its ``fatal:`` prefix and the hint lines after it."""
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    first = lines[0] if lines else ""
    for prefix in ("fatal: ", "error: "):
        first = first.removeprefix(prefix)
    return printable(first)


@dataclass(frozen=True)
class Entry:
    """One line of ``git ls-tree``."""

    mode: str
    kind: str
    oid: str
    size: int  # bytes of a blob; 0 for anything else
    name: str


ROOT = PurePosixPath(".")


@dataclass(frozen=True)
class Revision:
    """One commit of the repository that holds a folder: ``ref`` as the user wrote it."""

    ref: str
    commit: str
    top: Path  # the work tree's top level, as git reports it (symbolic links resolved)

    def name(self, path: PurePosixPath) -> str:
        """``REF:path``, as ``git show`` takes it: where errors about the file say it is."""
        return printable(f"{self.ref}:{'' if path == ROOT else path.as_posix()}")

    def holds(self, path: Path) -> bool:
        """Whether ``path`` (of the work tree) is in the repository."""
        return _resolved(path).is_relative_to(self.top)

    def inside(self, path: Path) -> PurePosixPath:
        """``path`` (of the work tree) as a path in the repository."""
        try:
            return PurePosixPath(_resolved(path).relative_to(self.top).as_posix())
        except ValueError:
            raise DictgenError(path, f"outside the git repository {self.top}") from None

    def entry(self, path: PurePosixPath) -> Entry | None:
        """What ``path`` is at this revision, or None when it is nothing."""
        if path == ROOT:
            return Entry("040000", "tree", self.commit, 0, "")
        listed = _entries(git(self.top, "ls-tree", "-z", "-l", "--full-tree", self.commit, "--", str(path)))
        return next((e for e in listed if e.name == str(path)), None)

    def read(self, path: PurePosixPath) -> bytes | None:
        """The file ``path`` at this revision, or None when it does not exist there."""
        found = self.entry(path)
        return None if found is None else self._blob(found, path)

    def folder(self, path: PurePosixPath, suffix: str) -> dict[str, bytes] | None:
        """The files named ``*suffix`` directly in folder ``path``, name -> bytes; None: no such folder."""
        found = self.entry(path)
        if found is None or found.kind != "tree":
            return None
        listed = _entries(git(self.top, "ls-tree", "-z", "-l", found.oid))
        wanted = [e for e in listed if e.name.endswith(suffix) and e.kind != "tree"]
        return {e.name: self._blob(e, path / e.name) for e in sorted(wanted, key=lambda e: e.name)}

    def _blob(self, found: Entry, path: PurePosixPath) -> bytes:
        if found.mode not in _FILE_MODES:  # a symbolic link, a submodule or a folder
            raise DictgenError(self.name(path), "not a regular file at this revision")
        if found.size > MAX_BLOB:  # ls-tree -l gave the size: refused before it is read
            raise DictgenError(
                self.name(path), f"{found.size} bytes: more than a snapshot may have ({MAX_BLOB})"
            )
        return git(self.top, "cat-file", "blob", found.oid)


def _resolved(path: Path) -> Path:
    """``path`` with its symbolic links resolved; a loop is a one-line error."""
    try:
        return path.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop (Python 3.11)
        raise DictgenError(path, f"cannot resolve: {exc}") from None


def _entries(listed: bytes) -> list[Entry]:
    entries = []
    for record in filter(None, listed.split(b"\0")):
        info, _, name = record.decode("utf-8", "surrogateescape").partition("\t")
        mode, kind, oid, size = info.split()  # ls-tree -l: the size is "-" for a tree or submodule
        entries.append(Entry(mode, kind, oid, int(size) if size.isdigit() else 0, name))
    return entries


def resolve(ref: str, folder: Path) -> Revision:
    """The commit ``ref`` names in the repository that holds ``folder``."""
    top = Path(git(folder, "rev-parse", "--show-toplevel").decode("utf-8", "surrogateescape").rstrip("\n"))
    try:
        # --end-of-options: a ref that starts with "-" is a revision to look up, never an option.
        commit = git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}")
    except DictgenError:  # --quiet: exit 1 and no message when REF names no commit
        shown = printable(ref) or '""'
        shown = shown if len(shown) <= SHOWN_REF else shown[:SHOWN_REF] + "…"
        shallow = git(top, "rev-parse", "--is-shallow-repository").strip() == b"true"
        hint = "a shallow clone: fetch more history" if shallow else "try a branch, tag, sha or HEAD~1"
        raise DictgenError(shown, f"no such commit in this repository ({hint})") from None
    return Revision(ref, commit.decode("ascii").strip(), top)
