"""Run solution notebooks top to bottom, each in a fresh process, and time them (the nbval path without a kernel).

    GANCOURSE_FAST=0 python benchmarks/notebooks.py solutions/*.ipynb --out notebooks.json

Cells run in an IPython shell (magics and ``display`` work, figures go to the Agg backend) on the
device the notebooks pick themselves (CUDA where there is one). Prints, per notebook, the wall time
and the first failing cell; exits non-zero if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def run_one(path: str) -> dict:
    """In this process: every code cell of ``path``; stops at the first error."""
    import matplotlib

    matplotlib.use("Agg")
    from IPython.core.interactiveshell import InteractiveShell

    from gancourse.authoring.nbformat_lite import nbformat

    nb = nbformat.read(path, as_version=4)
    os.chdir(Path(path).parent)
    shell = InteractiveShell.instance(colors="nocolor")
    cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, cell in enumerate(cells):
        start = time.perf_counter()
        result = shell.run_cell(cell.source, store_history=False)
        err = result.error_before_exec or result.error_in_exec
        if err is not None:
            return {"cells": i, "error": f"cell {i} ({cell.get('id')}): {type(err).__name__}: {err}"[:400]}
        print(f"  cell {i}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    return {"cells": len(cells), "error": None}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--timeout", type=float, default=1800, help="seconds per notebook")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.notebooks[0])), flush=True)
        return 0
    rows = []
    for nb in args.notebooks:
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--one", str(Path(nb).resolve())],
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
    if args.out:
        sys.path.insert(0, str(Path(__file__).parent))
        from report import save_report

        save_report(args.out, {"notebooks": rows})
    return 1 if any(r.get("error") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
