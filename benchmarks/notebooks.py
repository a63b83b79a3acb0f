"""Run solution notebooks top to bottom, each in a fresh process, and time them (the nbval path without a kernel).

    GANCOURSE_FAST=0 python benchmarks/notebooks.py solutions/*.ipynb --out notebooks.json
    GANCOURSE_FAST=0 python benchmarks/notebooks.py solutions/*.ipynb --figures docs/full-run --embed
    GANCOURSE_FAST=0 python benchmarks/notebooks.py solutions/07_measuring_gans.ipynb --tables docs/full-run

Cells run in an IPython shell (magics and ``display`` work, figures go to the Agg backend) on the
device the notebooks pick themselves (CUDA where there is one). Prints, per notebook, the wall time
and the first failing cell; exits non-zero if any failed. ``--figures DIR`` saves the first figure of
the cell tagged ``full-run-figure`` as ``DIR/<notebook>.png``; ``--embed`` then writes it, with the
measured time and the machine, into the solution's "what a full run looks like" cell
(:mod:`full_run_cells`); ``gancourse lessons`` carries it into the lessons.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

FIGURE_TAG = "full-run-figure"


def _save_new_figure(before: set[int], path: Path) -> None:
    import matplotlib.pyplot as plt

    new = [n for n in plt.get_fignums() if n not in before]
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
        plt.figure(new[0]).savefig(path, dpi=60, bbox_inches="tight")


def run_one(path: str, figures: str | None = None, tables: str | None = None) -> dict:
    """In this process: every code cell of ``path``; stops at the first error. ``tables``: a folder for the
    Markdown tables the cells display (``<notebook>.md``, one section per cell)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell

    from gancourse.authoring.nbformat_lite import nbformat
    from gancourse.tables import Markdown

    nb = nbformat.read(path, as_version=4)
    os.chdir(Path(path).parent)
    shell = InteractiveShell.instance(colors="nocolor")
    cells = [c for c in nb.cells if c.cell_type == "code"]
    shown: list[str] = []
    for i, cell in enumerate(cells):
        start = time.perf_counter()
        before = set(plt.get_fignums())
        result = shell.run_cell(cell.source, store_history=False)
        if figures and FIGURE_TAG in cell.metadata.get("tags", []):
            _save_new_figure(before, Path(figures) / f"{Path(path).stem}.png")
        if isinstance(result.result, Markdown):
            shown.append(f"### cell `{cell.get('id')}`\n\n{result.result}\n")
        err = result.error_before_exec or result.error_in_exec
        if err is not None:
            return {"cells": i, "error": f"cell {i} ({cell.get('id')}): {type(err).__name__}: {err}"[:400]}
        print(f"  cell {i}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    if tables and shown:
        out = Path(tables) / f"{Path(path).stem}.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"# {Path(path).stem}: the tables of a full run\n\n" + "\n".join(shown))
    return {"cells": len(cells), "error": None}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--timeout", type=float, default=1800, help="seconds per notebook")
    p.add_argument("--out", default=None)
    p.add_argument("--figures", default=None, help="folder for each notebook's full-run figure")
    p.add_argument("--embed", action="store_true", help="write time and figure into the solutions (needs --figures)")
    p.add_argument("--tables", default=None, help="folder for the Markdown tables each notebook displays")
    args = p.parse_args(argv)
    figures = str(Path(args.figures).resolve()) if args.figures else None
    tables = str(Path(args.tables).resolve()) if args.tables else None
    if args.one:
        print(json.dumps(run_one(args.notebooks[0], figures, tables)), flush=True)
        return 0
    rows = []
    for nb in args.notebooks:
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    str(Path(nb).resolve()),
                    *(["--figures", figures] if figures else []),
                    *(["--tables", tables] if tables else []),
                ],
                capture_output=True,
                text=True,
                timeout=args.timeout,
            )
            last = (done.stdout.strip().splitlines() or ["{}"])[-1]
            row = json.loads(last) if last.startswith("{") else {"error": done.stderr.strip()[-400:]}
        except subprocess.TimeoutExpired:
            row = {"error": f"timed out after {args.timeout:.0f} s"}
        rows.append({"notebook": nb, "seconds": round(time.perf_counter() - start, 1), **row})
        print(json.dumps(rows[-1]), flush=True)
    sys.path.insert(0, str(Path(__file__).parent))
    if args.out:
        from report import save_report

        save_report(args.out, {"notebooks": rows})
    if args.embed and figures:
        from full_run_cells import embed_all

        embed_all(rows, Path(figures))
    return 1 if any(r.get("error") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
