"""dictgen on a system without POSIX's extras (Windows): nothing on the main or import path needs them.

The tests run on Linux, so they take the extras away: a child interpreter in which ``fcntl``,
``termios``, ``resource``, ``pwd`` and ``grp`` cannot be imported, and ``os`` and ``signal`` lack
what Windows lacks, imports every dictgen module, then generates and imports. Its files must be
the bytes a full POSIX run writes: LF, with ``/`` in every recorded path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.helpers import ROOT, copy_project, sample_result, tree

WINDOWS_LIKE = """
import importlib, os, pkgutil, signal, sys
for name in ("fcntl", "termios", "resource", "pwd", "grp"):
    sys.modules[name] = None  # import raises ImportError, as on Windows
for name in ("O_NOFOLLOW", "O_NONBLOCK", "O_CLOEXEC", "O_DIRECTORY", "getuid", "fork", "fchmod"):
    delattr(os, name)
del signal.pthread_sigmask, signal.SIGPIPE, signal.SIGHUP
import dictgen
for module in pkgutil.walk_packages(dictgen.__path__, "dictgen."):
    if module.name != "dictgen.__main__":  # it runs the command line
        importlib.import_module(module.name)
from dictgen.cli import run
sys.exit(run(sys.argv[1:]))
"""


def _windows_like(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", WINDOWS_LIKE, *args]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300, check=False)


def committed() -> dict[str, bytes]:
    """The repository's generated/, without the bytecode an import of the package may leave there."""
    return {path: data for path, data in tree(ROOT / "generated").items() if "__pycache__" not in path}


def test_generate_and_import_need_nothing_posix_only(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    project = copy_project(tmp_path / "project")
    generated = _windows_like(project, "generate")
    assert generated.returncode == 0, generated.stderr
    assert "Traceback" not in generated.stderr
    assert tree(project / "generated") == committed()
    result = sample_result()
    result["seatClass"]["data"]["99"] = "新座"
    response = tmp_path / "response.json"
    response.write_text(
        json.dumps({"reason": "success", "result": result, "error_code": 0}), encoding="utf-8"
    )
    imported = _windows_like(project, "import", str(response))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("recorded 1.1.0"), imported.stdout
    assert (project / "snapshots" / "1.1.0.json").is_file()
    assert sorted(p.name for p in project.iterdir()) == [
        "generated",
        "names.toml",
        "pyproject.toml",
        "snapshots",
    ]


def test_generated_files_are_lf_and_the_manifest_names_them_with_slashes() -> None:
    files = committed()
    assert not [name for name, data in files.items() if b"\r" in data or data[-1:] not in (b"", b"\n")]
    manifest = json.loads(files["manifest.json"])
    listed = [path for owned in manifest["targets"].values() for path in owned]
    assert listed and not [path for path in listed if "\\" in path or path.startswith("/")]
    assert {f"generated/{p}" for p in listed} <= {f"generated/{name}" for name in files}


def test_snapshots_and_output_on_two_windows_drives_is_a_one_line_error(tmp_path: Path) -> None:
    # Windows' own path module (ntpath) in place of posixpath: Linux has no drives to cross.
    code = (
        "import ntpath, sys; from dictgen import pipeline; from dictgen.config import Settings; "
        "from pathlib import Path; pipeline.os.path = ntpath; "
        "s = Settings(Path('C:\\\\data\\\\snapshots'), Path('D:\\\\out'), Path('n.toml'))\n"
        "try:\n    pipeline._changelog_link(s)\nexcept Exception as exc:\n    print(type(exc).__name__, exc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("ConfigError D:\\out: is on another drive than C:\\data\\snapshots"), done
