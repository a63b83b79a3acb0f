"""The house plan: the package's import graph, read with ``ast`` (nothing is run), has no circle and
points down the declared layers; importing ``gancourse`` loads nothing heavy."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "gancourse"

# Top-level parts of the package, lowest first. A module may import its own part or a lower one.
LAYERS = [
    "config",
    "utils",
    "tables",
    "tensors",  # settings, helpers, tables, image scaling
    "losses",
    "data",
    "nets",  # the maths and the inputs
    "speed",
    "train",  # computing a step fast; the one trainer
    "evaluation",
    "viz",
    "translation",
    "registry",  # measuring, drawing, lesson 04, the model kinds
    "pretrained",  # the shipped generators, built through the registry
    "checks",
    "authoring",
    "sandbox",
    "grading",  # notebook checks; lessons; isolation; grades
    "cli",
    "__main__",
]


def module_name(path: Path, pkg: Path = PKG) -> str:
    parts = list(path.relative_to(pkg.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str], pkg: Path = PKG) -> set[str]:
    """Every gancourse module that ``path`` imports, at any depth of the file (functions included)."""
    me = module_name(path, pkg)
    base = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            src = (
                ".".join(base[: len(base) - node.level + 1] + [node.module or ""]).strip(".")
                if node.level
                else node.module
            )
            names = [src] + [f"{src}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n in modules and n != me}
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PKG.rglob("*.py")}
    edges = {m: imports(p, set(files)) for m, p in files.items()}
    for m, p in files.items():  # a package's __init__ re-exporting its own children is not a circle
        if p.name == "__init__.py":
            edges[m] = {t for t in edges[m] if not t.startswith(m + ".")}
    return edges


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while not comp or comp[-1] != v:
                comp.append(stack.pop())
                on.discard(comp[-1])
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def layer(module: str) -> int:
    part = module.split(".")[1] if "." in module else "__init__"
    return -1 if part == "__init__" else LAYERS.index(part)


def test_every_part_has_a_layer():
    parts = {module_name(p).split(".")[1] for p in PKG.rglob("*.py") if module_name(p) != "gancourse"}
    assert parts <= set(LAYERS), f"give {sorted(parts - set(LAYERS))} a place in LAYERS"


def test_no_import_circles():
    assert circles(graph()) == []


def test_imports_point_down_the_layers():
    bad = [f"{a} -> {b}" for a, targets in graph().items() for b in targets if a != "gancourse" and layer(b) > layer(a)]
    assert bad == [], "imports that run back up: " + ", ".join(sorted(bad))


def test_the_checker_finds_circles_and_upward_imports(tmp_path):
    """The checks above can fail: a two-module circle and an import from a lower layer are caught."""
    assert circles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    assert layer("gancourse.nets.dcgan") < layer("gancourse.train.trainer") < layer("gancourse.cli.train")
    pkg = tmp_path / "gancourse"
    (pkg / "nets").mkdir(parents=True)
    (pkg / "nets" / "x.py").write_text("def f():\n    from ..train import Trainer\n")
    (pkg / "train.py").write_text("")
    found = imports(pkg / "nets" / "x.py", {"gancourse.train", "gancourse.nets.x"}, pkg)
    assert found == {"gancourse.train"}  # a function-level import counts


@pytest.mark.parametrize("module", ["gancourse"])
def test_importing_the_package_loads_no_cli_grading_or_torch(module):
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    ours = [m for m in loaded if m.startswith("gancourse")]
    assert not [
        m
        for m in ours
        if m.startswith(("gancourse.cli", "gancourse.authoring", "gancourse.sandbox", "gancourse.grading"))
    ], ours
    assert "torch" not in loaded


def test_the_trainer_knows_no_model_and_no_dataset():
    """gancourse.train receives networks, batches and a steps object: it never imports nets/ or data/."""
    bad = [
        f"{a} -> {b}"
        for a, targets in graph().items()
        if a.startswith("gancourse.train")
        for b in targets
        if b.startswith(("gancourse.nets", "gancourse.data", "gancourse.registry"))
    ]
    assert bad == []


def test_no_module_imports_another_modules_private_names():
    """Helpers shared between modules are public (``checks.common.fail``, not ``_fail``): an underscore name
    stays inside the module that defines it."""
    found = []
    for path in PKG.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("gancourse")):
                found += [
                    f"{path.relative_to(PKG)}: {a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert not found, found
