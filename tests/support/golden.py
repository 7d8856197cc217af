"""End-to-end golden cases: ``tests/cases/<case>/`` holds ``input/`` (a project folder), an
optional ``args`` file (one CLI argument per line; default ``generate``) and ``expected/``:
the exit code, stdout, stderr and every file the run left in ``generated/``.

``make golden`` (``python -m tests.support.golden``) rewrites every ``expected/`` folder; review the
diff before committing it. Never edit expected files by hand.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.support.helpers import dictgen, tree

CASES = Path(__file__).resolve().parents[1] / "cases"


def run_case(case: Path, scratch: Path) -> dict[str, bytes]:
    """Run one case in a copy of its input folder; return its observable outcome as files."""
    work = scratch / "work"
    shutil.copytree(case / "input", work)
    args_file = case / "args"
    args = args_file.read_text(encoding="utf-8").split("\n") if args_file.exists() else ["generate"]
    result = dictgen(*[a for a in args if a], cwd=work)
    outcome = {
        "exit_code": f"{result.returncode}\n".encode(),
        "stdout.txt": result.stdout.encode(),
        "stderr.txt": result.stderr.encode(),
    }
    changelog = work / "snapshots" / "CHANGELOG.md"
    if changelog.exists():
        outcome["snapshots/CHANGELOG.md"] = changelog.read_bytes()
    if (work / "generated").is_dir():
        outcome |= {f"generated/{rel}": data for rel, data in tree(work / "generated").items()}
    return outcome


def main() -> None:
    """Rewrite every case's expected/ folder from a fresh run."""
    for case in sorted(p for p in CASES.iterdir() if p.is_dir()):
        with tempfile.TemporaryDirectory() as scratch:
            outcome = run_case(case, Path(scratch))
        expected = case / "expected"
        shutil.rmtree(expected, ignore_errors=True)
        for rel, data in outcome.items():
            (expected / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected / rel).write_bytes(data)
        print(f"{case.name}: {len(outcome)} files, exit {outcome['exit_code'].decode().strip()}")


if __name__ == "__main__":
    main()
