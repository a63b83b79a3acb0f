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
    result = subprocess.run([tool("nbstripout"), "--verify", str(nb)], capture_output=True, text=True)
    assert result.returncode == 0, f"{nb} has outputs: run `nbstripout {nb}`\n{result.stdout}{result.stderr}"
    assert json.loads(nb.read_text())["metadata"]["kernelspec"]["name"] == "python3"


def test_nbstripout_verify_catches_outputs(tmp_path):
    nb = json.loads(NOTEBOOKS[0].read_text())
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}]
    (tmp_path / "dirty.ipynb").write_text(json.dumps(nb))
    assert subprocess.run([tool("nbstripout"), "--verify", str(tmp_path / "dirty.ipynb")], capture_output=True).returncode != 0


def test_ruff_on_package_tests_and_notebooks():
    paths = [str(ROOT / p) for p in ("gancourse", "tests", "solutions", "lessons", "benchmarks") if (ROOT / p).exists()]
    result = subprocess.run([tool("ruff"), "check", *paths], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_imports_point_one_way():
    """Networks, data and losses never import the trainer or anything above it."""
    rank = {"config": 0, "utils": 1, "imagefolder": 2, "data": 2, "nets": 2, "dftconv": 2, "losses": 2, "callbacks": 3,
            "train": 4, "classifier": 4, "recipes": 5, "evaluate": 5, "viz": 5, "evaluation_callback": 6, "checks": 7,
            "lessons": 7, "cli": 8,
            "domains": 3, "speed": 3, "distributed": 3, "translation": 5, "translation_eval": 6, "cli_translation": 8, "grading": 7, "gradebook": 7, "__init__": 9, "__main__": 9}
    for path in sorted((ROOT / "gancourse").rglob("*.py")):
        module = path.relative_to(ROOT / "gancourse").parts[0].removesuffix(".py")
        assert module in rank, f"gancourse/{module} has no place in the import order: add it to this test"
        type_only = False  # imports under `if TYPE_CHECKING:` never run
        for line in path.read_text().splitlines():
            s = line.strip()
            if line.startswith("if TYPE_CHECKING"):
                type_only = True
                continue
            if line and not line[0].isspace():
                type_only = False
            if s.startswith("from .") and not type_only:
                parts = s.split()
                in_subpackage = path.parent != ROOT / "gancourse"
                if in_subpackage and not parts[1].startswith(".."):
                    continue  # a sibling inside the same subpackage (e.g. nets/translation.py)
                mod = parts[1].lstrip(".")
                target = mod.split(".")[0] if mod else parts[3].rstrip(",")
                if target in rank:
                    assert rank[target] <= rank[module], f"{path.name} imports {target}: imports must point down"


@pytest.mark.parametrize("name", ["README.md", "Makefile", "environment.yml", "pyproject.toml", ".ci/run"])
def test_root_files_exist(name):
    assert (ROOT / name).is_file()
