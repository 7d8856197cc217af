"""Write a set of files all-or-nothing, under a folder lock, surviving crashes and signals.

Before the first file is touched, a journal lists every file of the set and how to undo it.
A run that dies (kill -9) leaves the journal behind; the next run that writes the same folder
finds it and rolls the set back before doing anything else, so a tree is never left half old,
half new. SIGINT and SIGTERM roll back at once.

Journals, and the lock files that serialise runs, live in the user's state folder, keyed by the
folder's absolute path, never in the tree: a journal committed to a repository, or carried along
by a copy, cannot steer a rollback, and ``git status`` stays clean.

Nothing here is POSIX-only: the lock is ``filelock`` (flock, or LockFileEx on Windows), and flags
or calls a system lacks are left out where the journal already covers what they guard.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import signal
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from dictgen.console import OUT
from dictgen.errors import DictgenError

JOURNAL_FORMAT = 2  # each step names the sha256 it writes and the one it replaces
LOCK_WAIT = 120.0  # seconds a second run waits for the first before giving up
_TMP, _BAK = ".dictgen-tmp", ".dictgen-bak"
_DEFERRED = {signal.SIGINT, signal.SIGTERM}
# Flags that os.open lacks on some systems count as 0. Windows has no O_NOFOLLOW, O_NONBLOCK or
# O_CLOEXEC, and needs O_BINARY, without which it turns LF into CRLF and stops reading at Ctrl-Z.
_BINARY = getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ = os.O_RDONLY | _BINARY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _BINARY | _NOFOLLOW


def temp_name(path: Path) -> Path:
    """Where the new content of ``path`` is staged."""
    return path.with_name(f".{path.name}{_TMP}")


def backup_name(path: Path) -> Path:
    """Where the old content of ``path`` is kept until the set is committed."""
    return path.with_name(f".{path.name}{_BAK}")


def is_leftover(name: str) -> bool:
    """True for a staging or backup file name that only a crashed run leaves behind."""
    return name.startswith(".") and (name.endswith(_TMP) or name.endswith(_BAK))


def user_folder(variable: str, default: str) -> Path:
    """dictgen's folder in an XDG base folder: ``$variable/dictgen``, else ``~/<default>/dictgen``.

    Always absolute: a relative ``$variable`` is ignored, as the XDG spec says, and without a home
    folder (HOME unset, no passwd entry) it is an error: a relative folder would put locks and
    journals in whatever folder dictgen runs from, where another run would not find them.
    """
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):
        home = home_folder()
        if home is None:
            raise DictgenError(variable, f"not set, and no home folder: set HOME or {variable}")
        base = os.path.join(home, default)
    return Path(base, "dictgen")


def home_folder() -> Path | None:
    """The user's home folder, or None when there is none (HOME unset or relative, no passwd entry)."""
    home = os.path.expanduser("~")  # "~" itself when there is no home folder
    return Path(home) if os.path.isabs(home) else None


def journal_path(folder: Path) -> Path:
    """Where the journal of writes to ``folder`` lives: ``$XDG_STATE_HOME/dictgen/journals``."""
    key = hashlib.sha256(os.fsencode(folder.resolve())).hexdigest()[:32]
    return user_folder("XDG_STATE_HOME", ".local/state") / "journals" / f"{key}.json"


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder``, beside its journal: never in the tree, which it would dirty."""
    return journal_path(folder).with_suffix(".lock")


@dataclass(frozen=True)
class _Step:
    path: Path
    new: str | None  # the sha256 this run writes; None: it deletes the file
    old: str | None  # the sha256 of the file before; None: it did not exist
    data: bytes | None = None  # the content to write (in the running process only)


@contextlib.contextmanager
def locked(folder: Path, create: bool = True, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold an exclusive lock on ``folder``; a second run waits, then fails.

    A missing folder is created (and removed again if still empty at the end); with
    ``create=False`` a missing folder is not locked, for the caller to report.
    """
    if not create and not folder.is_dir():
        yield
        return
    try:
        made = _make_parents(folder)
    except OSError as exc:
        raise DictgenError(folder, f"not a usable folder: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise DictgenError(folder, f"not a usable folder: {os.strerror(errno.ENOTDIR)}")
    try:
        with _held(folder, wait):
            yield
    finally:
        for each in reversed(made):
            with contextlib.suppress(OSError):
                each.rmdir()


@contextlib.contextmanager
def _held(folder: Path, wait: float) -> Iterator[None]:
    """Hold the lock file of ``folder``: at once, or after saying so and waiting up to ``wait`` seconds."""
    import filelock  # 50 ms: paid only by runs that write

    path = lock_path(folder)
    lock = filelock.FileLock(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            OUT.say(f"waiting for another dictgen writing {folder.as_posix()}", err=True)
            lock.acquire(timeout=wait, poll_interval=0.05)
    except filelock.Timeout:  # before OSError: a Timeout is a TimeoutError
        raise DictgenError(folder, "another dictgen is still writing here") from None
    except OSError as exc:
        raise DictgenError(path, f"cannot take the lock: {exc.strerror or exc}") from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def _signals_blocked() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while a rollback or commit must run to its end.

    Windows cannot hold signals back: there a Ctrl-C here leaves the journal, and the next run
    finishes the rollback, as after a kill -9."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def write_files(files: Mapping[Path, bytes | None], journal_dir: Path) -> list[Path]:
    """Apply ``files`` (content, or None to delete) as one set; return the paths changed.

    The caller holds :func:`locked` on ``journal_dir``. On any failure or signal every file is
    put back as it was, staged files and folders made for them are removed, and the error is
    re-raised (an OSError as a one-line DictgenError).
    """
    recover(journal_dir)
    _remove_leftovers({path.parent for path in files})
    steps = [s for s in map(_step, files.items()) if s is not None]
    if not steps:
        return []
    journal = journal_path(journal_dir)
    made: list[Path] = []
    current = journal_dir
    try:
        for step in steps:
            made += _make_parents(step.path.parent)
        _write_journal(journal, steps, made)
        for step in steps:
            current = step.path
            if step.data is not None:  # None: a deletion
                _stage(temp_name(step.path), step.data)
        for step in steps:
            current = step.path
            _apply(step)
    except BaseException as exc:
        with _signals_blocked():
            _undo(steps, made)
            journal.unlink(missing_ok=True)
            temp_name(journal).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise DictgenError(current, f"cannot write: {exc.strerror or exc}") from None
        raise
    with _signals_blocked():
        journal.unlink()  # the commit point: from here on the new set stands
        for step in steps:
            backup_name(step.path).unlink(missing_ok=True)
    return [s.path for s in steps]


def _remove_leftovers(folders: set[Path]) -> None:
    """Staged or backup files of a run that died after its commit point: garbage under the lock."""
    for folder in folders:
        if folder.is_dir():
            for name in os.listdir(folder):
                if is_leftover(name):
                    (folder / name).unlink(missing_ok=True)


def _step(item: tuple[Path, bytes | None]) -> _Step | None:
    path, data = item
    old = read_or_none(path)
    if old == data:
        return None
    return _Step(path, _sha256(data), _sha256(old), data)


def _sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def read_or_none(path: Path) -> bytes | None:
    """The bytes of ``path``, or None when it is not a regular file: missing, or a symbolic link (never
    followed: it could lead to any file, whose contents a diff would print), a folder, FIFO or device."""
    try:
        if not _NOFOLLOW and os.path.islink(path):  # Windows: look first, as no flag refuses a link
            return None
        fd = os.open(path, _READ)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the last component is a symbolic link
            return None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as file:
        return file.read()


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing ancestors; return those created, deepest last."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        each.mkdir()
    return list(reversed(missing))


def _stage(tmp: Path, data: bytes) -> None:
    fd = os.open(tmp, _WRITE, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o644)


def _apply(step: _Step) -> None:
    """Keep the old file as a hard-linked backup, then put the new content (or nothing) in place."""
    backup = backup_name(step.path)
    if step.old is not None:
        backup.unlink(missing_ok=True)
        os.link(step.path, backup, follow_symlinks=False)
    if step.new is None:
        step.path.unlink(missing_ok=True)
    else:
        os.replace(temp_name(step.path), step.path)


def _undo(steps: list[_Step], made: list[Path]) -> tuple[int, list[Path]]:
    """Put each file back as it was, but only while it holds exactly what this set left there
    (its new content, or nothing for a deletion). Return how many files were put back, and the
    files left as they are because they changed since."""
    undone, kept = 0, []
    for step in reversed(steps):
        backup = backup_name(step.path)
        current = _sha256(read_or_none(step.path))
        ours = current == step.new or current == step.old
        saved = step.old is not None and _sha256(read_or_none(backup)) == step.old
        if saved and ours and current != step.old:
            os.replace(backup, step.path)
            undone += 1
        elif step.old is None and current is not None and current == step.new:
            step.path.unlink()  # created by this set, and still exactly as it wrote it
            undone += 1
        elif not ours and current is not None:
            kept.append(step.path)  # changed since (a checkout, a pull, a hand edit): not ours to undo
        if saved:
            _discard(backup)  # restored above, the same file, or no longer wanted
        _discard(temp_name(step.path))
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()
    return undone, kept


def _discard(path: Path) -> None:
    """Remove ``path`` if it is there (a read-only file system refuses even when it is not: EROFS)."""
    try:
        path.unlink()
    except OSError:
        if os.path.lexists(path):
            raise


def _write_journal(journal: Path, steps: list[_Step], made: list[Path]) -> None:
    doc = {
        "format": JOURNAL_FORMAT,
        "steps": [{"path": str(s.path.absolute()), "new": s.new, "old": s.old} for s in steps],
        "made": [str(folder.absolute()) for folder in made],
    }
    journal.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(journal)
    _stage(tmp, json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    with open(tmp, "r+b") as handle:  # writable: Windows flushes no file opened to read
        os.fsync(handle.fileno())
    os.replace(tmp, journal)


def settled(folder: Path) -> Path:
    """``folder``, with no write to it left half done: before a run reads it, a write that a killed
    run left there is rolled back, under the folder's lock, so that a live run finishes first."""
    if journal_path(folder).exists():
        with locked(folder, create=False):
            recover(folder)
    return folder


def recover(journal_dir: Path, roots: tuple[Path, ...] = ()) -> bool:
    """Roll back a write set that a crashed run left half done; True when there was one.

    Every path in the journal must lie below ``journal_dir`` or one of ``roots``: a journal is a
    file on disk, and one planted in a repository must not reach anything else.
    """
    journal = journal_path(journal_dir)
    try:
        data = read_or_none(journal)  # never a FIFO or a device, which a reader would wait on forever
        if data is None:
            if os.path.lexists(journal):
                raise ValueError("not a regular file")
            raise FileNotFoundError(journal)
        doc = json.loads(data.decode("utf-8"))
        if doc.get("format") != JOURNAL_FORMAT:
            return _retire(journal, journal_dir, "written by another version of dictgen")
        steps = [_Step(_path(s["path"]), _digest(s["new"]), _digest(s["old"])) for s in doc["steps"]]
        made = [_path(folder) for folder in doc["made"]]
    except FileNotFoundError:
        temp_name(journal).unlink(missing_ok=True)
        return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DictgenError(journal, f"unreadable journal of an interrupted run: {exc}") from None
    allowed = [root.resolve() for root in (journal_dir, *roots)]
    for path in [s.path for s in steps] + made:
        real = path.resolve()
        if not any(real != root and real.is_relative_to(root) for root in allowed):
            raise DictgenError(journal, f"refusing a journal entry outside {journal_dir}: {str(path)!r}")
    with _signals_blocked():
        try:
            undone, kept = _undo(steps, made)
        except OSError as exc:  # a read-only folder, say: the journal stays for a run that can write
            raise DictgenError(journal_dir, f"cannot roll back an interrupted run: {exc.strerror}") from None
        journal.unlink()
    for path in kept:
        OUT.say(
            f"kept {path.as_posix()}: changed since an interrupted run wrote it, so not rolled back", err=True
        )
    OUT.say(f"rolled back an interrupted write ({undone} file(s)): {journal_dir.as_posix()}", err=True)
    return True


def _path(value: str) -> Path:
    if "\0" in value:  # no file has one; resolve() would fail on it
        raise ValueError(f"not a path: {value!r}")
    return Path(value)


def _digest(value: object) -> str | None:
    if value is None or (isinstance(value, str) and len(value) == 64):
        return value
    raise ValueError(f"not a sha256 digest: {value!r}")


def _retire(journal: Path, folder: Path, why: str) -> bool:
    """Set aside a journal that cannot be trusted to describe the tree: nothing is rolled back."""
    journal.unlink()
    OUT.say(
        f"retired the journal of an interrupted write to {folder.as_posix()} ({why}): nothing rolled back",
        err=True,
    )
    return True
