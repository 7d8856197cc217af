"""Templates: user overrides, errors in user templates, and the sandbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dictgen.render.jinja import BUILTIN_TEMPLATES
from tests.conftest import Run
from tests.support.helpers import dictgen, tree


def _override(project: Path, name: str, text: str) -> Path:
    folder = project / "mytemplates"
    (folder / Path(name).parent).mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_user_template_overrides_by_file_name(project: Path, run: Run) -> None:
    builtin = (BUILTIN_TEMPLATES / "python" / "package.py.j2").read_text(encoding="utf-8")
    folder = _override(
        project, "python/package.py.j2", builtin + "\nCUSTOM = {{ newest.version | py_str }}\n"
    )
    result = run("generate", "--target", "python", "--templates", folder)
    assert result.exit_code == 0, result.stderr
    package = project / "generated" / "python" / "juhe_grabticket"
    assert 'CUSTOM = "1.0.0"' in (package / "__init__.py").read_text(encoding="utf-8")
    assert "class SeatClass(CodeEnum):" in (package / "v1" / "__init__.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{% for d in major.dictionaries %}{{ d.msg }}{% endfor %}", "printed without an escaping filter"),
        ("{{ major.dictionaries[0].entries[0].label ~ 'x' }}", "printed without an escaping filter"),
        ("{% for x in %}", "python/major.py.j2:1: Expected an expression"),
        ("\n\n{{ nothing }}", "python/major.py.j2:3: 'nothing' is undefined"),
        ("{{ ''.__class__.__mro__ }}", "access to attribute '__class__' of 'str' object is unsafe"),
        ("{{ major.raw.__class__ }}", "python/major.py.j2:1"),
        ("{{ 1 / 0 }}", "division by zero"),
        ("def broken(:\n", "generated code does not parse"),
    ],
)
def test_bad_user_templates_are_exit_2_and_write_nothing(
    project: Path, run: Run, text: str, message: str
) -> None:
    assert run("generate").exit_code == 0
    before = tree(project / "generated")
    folder = _override(project, "python/major.py.j2", text)
    result = run("generate", "--templates", folder)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.startswith("error: ")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert tree(project / "generated") == before


def test_template_that_is_not_utf8(project: Path, run: Run) -> None:
    folder = _override(project, "python/major.py.j2", "")
    (folder / "python" / "major.py.j2").write_bytes(b"\xff\xfe")
    result = run("generate", "--templates", folder)
    assert result.exit_code == 2 and "python/major.py.j2: cannot read the template" in result.stderr


def test_missing_template_folder(project: Path, run: Run) -> None:
    result = run("generate", "--templates", "nowhere")
    assert result.exit_code == 2 and "error: nowhere: template directory not found" in result.stderr


def test_debug_shows_the_traceback(project: Path, run: Run) -> None:
    folder = _override(project, "python/major.py.j2", "{{ nothing }}")
    result = run("--debug", "generate", "--templates", folder)
    assert result.exit_code == 2 and "Traceback" in result.stderr


def test_templates_folder_mirrors_the_builtin_layout(project: Path, run: Run) -> None:
    folder = project / "copy"
    shutil.copytree(BUILTIN_TEMPLATES, folder)
    assert run("generate", "--templates", folder).exit_code == 0
    assert run("check").exit_code == 0


SECRET = "JUHE_KEY=s3cret-of-the-ci-machine"


@pytest.mark.parametrize("link", ["docs/reference.md.j2", "docs"])
def test_a_template_through_a_symbolic_link_is_refused_and_never_printed(project: Path, link: str) -> None:
    """A link committed to a repository could make a template of any file (a key, /proc/self/environ):
    ``check`` would then print it in the diff of the output it renders."""
    assert dictgen("generate", "--target", "docs", cwd=project).returncode == 0
    (project / "generated" / "docs" / "README.md").write_text("")  # the whole "generated" file in the diff
    elsewhere = project / "elsewhere"
    (elsewhere / "docs").mkdir(parents=True)
    (elsewhere / "docs" / "reference.md.j2").write_text(SECRET + "\n", encoding="utf-8")
    (project / "mytemplates" / link).parent.mkdir(parents=True, exist_ok=True)
    (project / "mytemplates" / link).symlink_to(elsewhere / link)
    proc = dictgen("check", "--target", "docs", "--templates", "mytemplates", cwd=project)
    assert proc.returncode == 2, proc.stdout
    shown = "mytemplates/docs/reference.md.j2" if link.endswith(".j2") else "mytemplates/docs"
    assert proc.stderr == f"error: {shown}: is a symbolic link: refusing to read a template through it\n"
    assert "s3cret" not in proc.stdout + proc.stderr
