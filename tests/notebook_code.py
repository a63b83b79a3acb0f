"""Helpers to run a notebook's exercise cells in-process, as a student's kernel would."""

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PRELUDE = "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"


def exercise_sources(path: Path) -> list[str]:
    """The code cells that hold an exercise (a solution region, or its gap in a lesson)."""
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code" and ("### BEGIN SOLUTION" in c.source or "YOUR CODE HERE" in c.source)]


def run_exercises(sources: list[str], replace: tuple[str, str] | None = None) -> dict:
    """Exec the exercise cells (optionally with one text replacement, to plant a mistake)."""
    ns: dict = {}
    exec(PRELUDE, ns)
    hits = 0
    for src in sources:
        if replace is not None and replace[0] in src:
            src = src.replace(replace[0], replace[1])
            hits += 1
        try:
            exec(compile(src, "<exercise>", "exec"), ns)
        except NotImplementedError:  # an unfilled top-level exercise (the quiz): the names before the gap stay
            pass
    if replace is not None and hits != 1:
        raise AssertionError(f"the planted mistake {replace[0]!r} matched {hits} cells, not 1: update the test")
    return ns
