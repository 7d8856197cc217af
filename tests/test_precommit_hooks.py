"""The pre-commit hooks in .pre-commit-hooks.yaml: ``pre-commit try-repo`` installs this
repository's hook and runs it in a scratch project. It passes on fresh output and fails once a
generated file is edited; the user's config snippet runs the vendored-copy hook the same way."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.support.helpers import ROOT
from tests.support.recipes import HOOKS, USER_CONFIG, clean_env, commit_all, git, load

# --- pre-commit ----------------------------------------------------------------------------------


def pre_commit_env(home: Path, wheels: Path | None) -> dict[str, str]:
    """pre-commit with its store in ``home``; pip installs hooks from ``wheels`` alone, if given."""
    env = clean_env(PRE_COMMIT_HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env["VIRTUALENV_NO_PERIODIC_UPDATE"] = "1"  # no background download of newer seed wheels
    if wheels is not None:
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
    return env


def pre_commit(
    *args: str, cwd: Path, home: Path, wheels: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=pre_commit_env(home, wheels),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def pre_commit_together(
    runs: list[tuple[list[str], Path]], home: Path, wheels: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Run several pre-commit commands (args, working directory) at once; wait for all of them."""
    started: list[tuple[list[str], subprocess.Popen[str], Path]] = []
    try:
        for number, (args, cwd) in enumerate(runs):
            log = home / f"run-{number}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("w", encoding="utf-8") as out:  # a file, not a pipe: nothing can block
                command = [sys.executable, "-m", "pre_commit", *args]
                env = pre_commit_env(home / str(number), wheels)
                proc = subprocess.Popen(
                    command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
                )
            started.append((command, proc, log))
        for _, proc, _ in started:
            proc.wait(timeout=300)
    finally:
        for _, proc, _ in started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return [
        subprocess.CompletedProcess(command, proc.returncode, log.read_text(encoding="utf-8"), "")
        for command, proc, log in started
    ]


def test_hook_manifest_and_user_config_are_valid(tmp_path: Path) -> None:
    for command, path in (("validate-manifest", HOOKS), ("validate-config", USER_CONFIG)):
        proc = pre_commit(command, str(path), cwd=ROOT, home=tmp_path)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}
    assert set(hooks) == {"dictgen-check", "dictgen-check-vendored"}
    assert hooks["dictgen-check"]["entry"] == "dictgen check"
    assert hooks["dictgen-check-vendored"]["entry"] == "dictgen check --vendored"
    for hook in hooks.values():
        assert (hook["language"], hook["pass_filenames"]) == ("python", False)
    # Never skipped for the files a commit touches: the output folder is the user's to name.
    assert hooks["dictgen-check"]["always_run"] is True and "files" not in hooks["dictgen-check"]
    [repo] = load(USER_CONFIG)["repos"]
    assert {h["id"] for h in repo["hooks"]} == set(hooks)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository's working tree, committed into a scratch git repository: (path, sha).

    ``pre-commit try-repo`` on a checkout with uncommitted changes commits only tracked files, and
    the hook files may be new: a copy of every file git would commit is what a release would hold.
    """
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        check=True,
    ).stdout
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in {n.decode("utf-8") for n in listed.split(b"\0") if n}:
        source = ROOT / name
        if source.is_file():  # not deleted in the working tree
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    return repo, commit_all(repo)


@pytest.fixture(scope="module")
def wheels(hook_repo: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of the hook repository's dependencies and build backend, made once per module.

    pre-commit installs the hook into a fresh virtualenv for every ``try-repo``; from this folder
    (PIP_NO_INDEX) that install is offline and faster than asking the package index each time.
    """
    repo, _ = hook_repo
    pyproject = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    needed = [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"]]
    folder = tmp_path_factory.mktemp("wheels")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--only-binary=:all:", "-w", str(folder), *needed],
        env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1"),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return folder


def generated_project(folder: Path, hook_repo: Path, settings: str | None = None) -> Path:
    """A project with the shipped inputs and fresh output, generated by the hook repository's code;
    ``settings`` is its pyproject.toml (else this repository's)."""
    folder.mkdir()
    shutil.copytree(ROOT / "snapshots", folder / "snapshots")
    for name in ("names.toml", "pyproject.toml"):
        shutil.copy(ROOT / name, folder / name)
    if settings is not None:
        (folder / "pyproject.toml").write_text(settings, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "dictgen", "generate"],
        cwd=folder,
        env=clean_env(PYTHONPATH=str(hook_repo)),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return folder


def edit(path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("# edited by hand\n")


@pytest.mark.slow
def test_try_repo_passes_then_fails_after_a_generated_file_is_edited(
    hook_repo: tuple[Path, str], wheels: Path, tmp_path: Path
) -> None:
    """Two copies of one fresh project, checked at once (each ``try-repo`` installs the hook anew).

    The edited copy is what a commit looks like: pre-commit sets unstaged changes aside, so the
    hook checks what is staged.
    """
    repo, _ = hook_repo
    fresh = generated_project(tmp_path / "fresh", repo)
    commit_all(fresh)
    edited = tmp_path / "edited"
    shutil.copytree(fresh, edited, symlinks=True)
    module = Path("generated", "python", "juhe_grabticket", "v1", "__init__.py")
    edit(edited / module)
    git("add", str(module), cwd=edited)

    passed, failed = pre_commit_together(
        [
            (["try-repo", str(repo), "dictgen-check", "--all-files"], fresh),
            (["try-repo", str(repo), "dictgen-check"], edited),
        ],
        tmp_path / "pre-commit-home",
        wheels,
    )
    assert passed.returncode == 0, passed.stdout
    assert re.search(r"^dictgen check \(generated constants are current\)\.+Passed$", passed.stdout, re.M)
    assert failed.returncode == 1, failed.stdout
    assert "- hook id: dictgen-check\n- exit code: 1" in failed.stdout
    assert f"stale: {module.as_posix()}" in failed.stdout
    assert git("status", "--porcelain", cwd=fresh) == ""  # the hook writes nothing


@pytest.mark.slow
def test_the_hook_runs_on_every_commit_wherever_the_output_lives(
    hook_repo: tuple[Path, str], wheels: Path, tmp_path: Path
) -> None:
    """With ``out = "src/constants"``, a staged hand edit of a generated file fails (exit 1), and a
    commit of an unrelated file runs the hook too: a ``files:`` filter made it "(no files to check)
    Skipped", exit 0."""
    repo, _ = hook_repo
    settings = '[tool.dictgen]\nout = "src/constants"\ntargets = ["python", "sql"]\n'
    clean = generated_project(tmp_path / "clean", repo, settings)
    commit_all(clean)
    edited = tmp_path / "edited"
    shutil.copytree(clean, edited, symlinks=True)
    module = Path("src", "constants", "python", "juhe_grabticket", "v1", "__init__.py")
    edit(edited / module)
    git("add", str(module), cwd=edited)
    (clean / "NOTES.md").write_text("unrelated\n", encoding="utf-8")
    git("add", "NOTES.md", cwd=clean)

    failed, passed = pre_commit_together(
        [
            (["try-repo", str(repo), "dictgen-check"], edited),
            (["try-repo", str(repo), "dictgen-check"], clean),
        ],
        tmp_path / "pre-commit-home",
        wheels,
    )
    assert failed.returncode == 1, failed.stdout
    assert "- hook id: dictgen-check\n- exit code: 1" in failed.stdout
    assert f"stale: {module.as_posix()}" in failed.stdout and "Skipped" not in failed.stdout
    assert passed.returncode == 0, passed.stdout
    assert re.search(r"^dictgen check \(generated constants are current\)\.+Passed$", passed.stdout, re.M)


@pytest.mark.slow
def test_user_config_runs_both_hooks(hook_repo: tuple[Path, str], wheels: Path, tmp_path: Path) -> None:
    """The docs' config snippet, pointed at the hook repository: the vendored copy is checked."""
    repo, sha = hook_repo
    project = generated_project(tmp_path / "project", repo)
    vendored = "app/_vendor/juhe_grabticket"
    proc = subprocess.run(
        [sys.executable, "-m", "dictgen", "vendor", vendored, "--target", "python"],
        cwd=project,
        env=clean_env(PYTHONPATH=str(repo)),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    config = USER_CONFIG.read_text(encoding="utf-8")
    for old, new in (
        ("https://github.com/OWNER/REPO", str(repo)),
        ("rev: vX.Y.Z", f"rev: {sha}"),
        ("[yourapp/_vendor/juhe_grabticket]", f"[{vendored}]"),
    ):
        assert config.count(old) == 1, old
        config = config.replace(old, new)
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    commit_all(project)
    home = tmp_path / "pre-commit-home"

    fresh = pre_commit("run", "--all-files", cwd=project, home=home, wheels=wheels)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert len(re.findall(r"\.Passed$", fresh.stdout, re.M)) == 2, fresh.stdout

    edit(project / vendored / "v1" / "__init__.py")
    edited = pre_commit("run", "--all-files", cwd=project, home=home, wheels=wheels)
    assert edited.returncode == 1, edited.stdout + edited.stderr
    assert re.search(r"^dictgen check \(generated constants are current\)\.+Passed$", edited.stdout, re.M)
    assert "- hook id: dictgen-check-vendored\n- exit code: 1" in edited.stdout
    assert f"edited: {vendored}/v1/__init__.py" in edited.stdout
