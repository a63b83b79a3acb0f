"""Dependencies and packaging: a slim base install, pins that match what was tested, a wheel that works alone."""

import importlib.metadata
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.notebook_code import ROOT

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest's own dependency
    import tomli as tomllib

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONSTRAINTS = ROOT / "requirements" / "constraints.txt"
# What a student's base install must not drag in (mlxtend's stack, a second Jupyter, the grader's old kernel client).
HEAVY = {
    "mlxtend",
    "scikit-learn",
    "pandas",
    "scipy",
    "jupyterlab",
    "notebook",
    "jupyter-server",
    "nbclient",
    "ipykernel",
}


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    lines = CONSTRAINTS.read_text(encoding="utf-8").splitlines()
    return {_key(a): b for a, b in (ln.split("==") for ln in lines if ln and not ln.startswith("#"))}


def closure(requirements: list[str], extras: tuple[str, ...] = ()) -> set[str]:
    """Every distribution that installing ``requirements`` pulls in, read from the installed metadata."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in ("", *extras)):
            continue
        name = _key(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            todo += [Requirement(r) for r in importlib.metadata.requires(req.name) or []]
        except importlib.metadata.PackageNotFoundError:
            pass
    return seen


def test_base_install_is_slim():
    base = closure(PYPROJECT["project"]["dependencies"])
    assert {"torch", "numpy", "ipywidgets", "nbformat"} <= base  # the closure walk found the tree
    assert sorted(base & HEAVY) == []


def test_the_closure_walk_sees_heavy_dependencies():
    assert "jupyter-server" in closure(["jupyterlab"]) and "scikit-learn" in closure(["mlxtend"])


def test_constraints_pin_every_base_dependency_inside_its_bounds():
    pinned = pins()
    for text in PYPROJECT["project"]["dependencies"]:
        req = Requirement(text)
        assert _key(req.name) in pinned, f"{req.name} is not pinned in {CONSTRAINTS.name}: run `make lock`"
        assert req.specifier.contains(pinned[_key(req.name)]), (
            f"the pin {req.name}=={pinned[_key(req.name)]} is outside {req}"
        )


def test_this_environment_is_the_locked_one():
    """`make setup` installs with -c constraints.txt: anything else means the pins are not what ran here."""
    wrong = []
    for name, version in pins().items():
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # another platform's package (or an extra that is not installed)
        if have != version:
            wrong.append(f"{name} {have} (pinned {version})")
    assert wrong == [], "installed versions differ from requirements/constraints.txt: " + ", ".join(wrong)


def test_every_subpackage_ships_in_the_wheel():
    declared = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "gancourse").rglob("__init__.py")}
    assert found <= declared, f"add {sorted(found - declared)} to [tool.setuptools] packages in pyproject.toml"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src") / "gancourse"  # build from a copy: the checkout stays untouched
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "work", "runs", "build", "dist", "*.egg-info", "__pycache__", "artifacts"
        ),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("gancourse-*.whl"))


def test_wheel_carries_the_notebooks_data_and_weights_but_no_heavy_requirement(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for lesson in sorted(p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        assert f"gancourse/solutions/{lesson}" in names and f"gancourse/lessons/{lesson}" in names
    assert {"gancourse/data/files/mnist-5k.npz", "gancourse/weights/mnist.pt"} <= set(names)
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode("utf-8")
    base = [Requirement(ln.split(":", 1)[1]) for ln in meta.splitlines() if ln.startswith("Requires-Dist:")]
    base = {_key(r.name) for r in base if r.marker is None}
    assert "torch" in base and sorted(base & HEAVY) == []
    assert "License-Expression: MIT" in meta


@pytest.mark.slow
def test_installed_wheel_works_outside_the_checkout(wheel, tmp_path):
    """pip install the wheel into a fresh venv; workspace, check and grade run from it, not from this checkout."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    site = Path(
        subprocess.check_output(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    # Its dependencies come from this environment (no network here); the package itself only from the wheel.
    (site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()

    def gancourse(*args, code=0):
        r = subprocess.run(
            [str(venv / "bin" / "gancourse"), *args],
            cwd=home,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", "HOME": str(home), "CI": "true"},
            timeout=300,
        )
        assert r.returncode == code, r.stdout + r.stderr
        return r.stdout

    where = subprocess.check_output([str(py), "-c", "import gancourse; print(gancourse.__file__)"], cwd=home, text=True)
    assert where.startswith(str(site)), where
    gancourse("workspace", "--work", "work")
    assert sorted(p.name for p in (home / "work").glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "lessons").glob("*.ipynb")
    )
    solved = home / "alice.ipynb"
    shutil.copy(ROOT / "solutions" / "01_gan.ipynb", solved)
    out = gancourse("check", str(solved))
    assert re.search(r"(\d+)/\1 exercises pass", out), out
    assert "❌" in gancourse("check", "work/01_gan.ipynb", code=1)  # the unsolved lesson fails its checks
    subs = home / "submitted"
    subs.mkdir()
    shutil.copy(solved, subs / "alice.ipynb")
    shutil.copy(home / "work" / "01_gan.ipynb", subs / "bob.ipynb")
    gancourse("grade", str(subs), "--lesson", "01", "--out", str(home / "grades.csv"))
    rows = (home / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("alice,") and rows[2].startswith("bob,")
    alice, bob = (r.split(",") for r in rows[1:3])
    assert alice[3] == alice[4] != "0" and bob[3] == "0"
