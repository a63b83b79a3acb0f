"""Every notebook installs the course on Colab (and nowhere else); the README links each lesson to Colab."""

import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell

from gancourse import __version__
from gancourse.authoring.colab import REPOSITORY, colab_url, install_cell, requirement
from tests.notebook_code import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own dependency
    import tomli as tomllib

NOTEBOOKS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")
)


def first_code_cell(path: Path) -> str:
    return next(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


def run_first_cell(source: str, monkeypatch, on_colab: bool) -> list[str]:
    """Run the cell in an IPython shell whose %pip only records its line (no network, nothing installed)."""
    calls: list[str] = []
    shell = InteractiveShell.instance()
    monkeypatch.setitem(shell.magics_manager.magics["line"], "pip", calls.append)
    if on_colab:
        monkeypatch.setitem(sys.modules, "google.colab", type(sys)("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    result = shell.run_cell(source, store_history=False)
    assert result.success, result.error_in_exec or result.error_before_exec
    return calls


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_first_code_cell_is_the_colab_install_cell(nb):
    assert first_code_cell(nb) == install_cell(), (
        f"{nb.name}: its first code cell must be gancourse.authoring.colab.install_cell()"
    )


def test_on_colab_the_cell_pip_installs_the_pinned_base_package(monkeypatch):
    calls = run_first_cell(first_code_cell(NOTEBOOKS[0]), monkeypatch, on_colab=True)
    assert len(calls) == 1
    assert f'"gancourse @ git+https://{REPOSITORY}@v{__version__}"' in calls[0]
    assert (
        "jupyterlab" not in calls[0] and "[" not in calls[0] and "-c " not in calls[0]
    )  # base only, Colab's torch stays


def test_elsewhere_the_cell_installs_nothing(monkeypatch):
    assert run_first_cell(first_code_cell(NOTEBOOKS[0]), monkeypatch, on_colab=False) == []


def test_the_pin_is_this_release_and_the_repository_is_pyprojects():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert requirement().endswith(f"@v{project['version']}")
    assert project["urls"]["Repository"] == f"https://{REPOSITORY}"


def test_readme_opens_every_lesson_in_colab():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for nb in sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")):
        assert colab_url(nb.name) in readme, f"README: add the 'Open in Colab' link for {nb.name}"
