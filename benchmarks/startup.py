"""How long a ``gancourse`` command takes before it does anything: fresh processes, side by side.

    python benchmarks/startup.py [--repeats 5] [--out benchmarks/results/startup-avx2]

Each row is one command run in a new interpreter ``--repeats`` times, the rows interleaved so that
the machine's drift falls on all of them alike; the table gives the median and the range. The
"with the IRI grammars" rows import ``jsonschema`` first, which is what every command paid before
``gancourse.authoring.nbformat_lite`` (jsonschema then builds rfc3987-syntax's Lark parsers).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from quality import machine  # noqa: E402
from report import save_report  # noqa: E402

CLI = "from gancourse.cli import main; main(['--help'])"
ROWS = {
    "python, nothing imported": "pass",
    "import torch": "import torch",
    "import nbformat (as Jupyter does)": "import nbformat",
    "nbformat through gancourse.authoring.nbformat_lite": "from gancourse.authoring.nbformat_lite import nbformat",
    "gancourse --help, with the IRI grammars (before)": "import jsonschema; " + CLI,
    "gancourse --help (now)": CLI,
}


def seconds(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=None, help="write STEM.md and STEM.json")
    args = p.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in ROWS}
    for code in ROWS.values():  # warm the file cache once, unmeasured
        seconds(code)
    for _ in range(args.repeats):
        for name, code in ROWS.items():
            times[name].append(seconds(code))
    lines = [
        f"Fresh processes, {args.repeats} runs each, interleaved; {machine()}",
        "",
        "| command | median s | range s |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {statistics.median(t):.2f} | {min(t):.2f}–{max(t):.2f} |" for name, t in times.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        save_report(args.out, {"machine": machine(), "seconds": times}, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
