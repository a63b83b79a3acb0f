"""Helpers to run a notebook's exercise cells in-process, as a student's kernel would."""

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PRELUDE = (
    "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n"
    "from torch.nn.utils.parametrizations import spectral_norm\nfrom gancourse.nets.blocks import down_block\n"
)


def exercise_sources(path: Path) -> list[str]:
    """The code cells that hold an exercise (a solution region, or its gap in a lesson)."""
    nb = nbformat.read(path, as_version=4)
    return [
        c.source
        for c in nb.cells
        if c.cell_type == "code" and ("### BEGIN SOLUTION" in c.source or "YOUR CODE HERE" in c.source)
    ]


def run_exercises(sources: list[str], replace: tuple[str, str] | list[tuple[str, str]] | None = None) -> dict:
    """Exec the exercise cells (optionally with text replacements that plant one mistake)."""
    ns: dict = {}
    exec(PRELUDE, ns)
    pairs = [] if replace is None else [replace] if isinstance(replace[0], str) else list(replace)
    hits = 0
    for src in sources:
        for old, new in pairs:
            if old in src:
                src = src.replace(old, new)
                hits += 1
        try:
            exec(compile(src, "<exercise>", "exec"), ns)
        except NotImplementedError:  # an unfilled top-level exercise (the quiz): the names before the gap stay
            pass
    if hits != len(pairs):
        raise AssertionError(f"the planted mistake {pairs!r} matched {hits} times, not {len(pairs)}: update the test")
    return ns
