"""Repository hygiene: clean notebooks, lint, and the files the README promises."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.notebook_code import ROOT

NOTEBOOKS = sorted((ROOT / "solutions").glob("*.ipynb")) + sorted((ROOT / "lessons").glob("*.ipynb"))
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    path = BIN / name
    found = str(path) if path.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: run `make setup` (it installs the dev extras)")
    return found


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[f"{p.parent.name}/{p.name}" for p in NOTEBOOKS])
def test_notebook_committed_without_outputs(nb):
    result = subprocess.run([tool("nbstripout"), "--keep-id", "--verify", str(nb)], capture_output=True, text=True)
    assert result.returncode == 0, f"{nb} has outputs: run `nbstripout {nb}`\n{result.stdout}{result.stderr}"
    assert json.loads(nb.read_text())["metadata"]["kernelspec"]["name"] == "python3"


def test_nbstripout_verify_catches_outputs(tmp_path):
    nb = json.loads(NOTEBOOKS[0].read_text())
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}]
    (tmp_path / "dirty.ipynb").write_text(json.dumps(nb))
    assert (
        subprocess.run(
            [tool("nbstripout"), "--keep-id", "--verify", str(tmp_path / "dirty.ipynb")], capture_output=True
        ).returncode
        != 0
    )


def test_ruff_on_package_tests_and_notebooks():
    paths = [
        str(ROOT / p)
        for p in ("gancourse", "tests", "solutions", "lessons", "benchmarks", "tools")
        if (ROOT / p).exists()
    ]
    result = subprocess.run([tool("ruff"), "check", *paths], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_the_python_files_as_they_are():
    """``ruff format`` (pyproject.toml: 120 columns; notebooks excluded, their cells are aligned by hand)."""
    result = subprocess.run([tool("ruff"), "format", "--check", "."], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout + result.stderr


def test_ruff_enforces_the_line_length():
    """E501 is not ignored: 120 columns is a rule, not a suggestion."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # (no tomllib on Python 3.10)
    assert "\nline-length = 120\n" in text and "E501" not in text


@pytest.mark.parametrize("name", ["README.md", "LICENSE", "Makefile", "environment.yml", "pyproject.toml", ".ci/run"])
def test_root_files_exist(name):
    assert (ROOT / name).is_file()
