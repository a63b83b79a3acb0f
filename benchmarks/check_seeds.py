"""Every check's verdict on the solutions, for many grader seeds, across the grader's channel.

    python benchmarks/check_seeds.py --seeds 200 --out docs/check-seeds.md
    python benchmarks/check_seeds.py --seeds 50 --lessons 07,08

The grader draws a fresh seed for every check and judges in its own process what the student's
process reported. A verdict that fails the official solution for some seed would cost an honest
student points: this runs each check's probe on the solution's objects for seeds 1..N, sends the
report through the same frames the sandbox uses (``dump_values`` / ``load_values``), judges it, and
counts the failures per check (the goal is 0). Not part of ``make test``: 200 seeds take minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from gancourse.checks import HIDDEN  # noqa: E402
from gancourse.checks.protocol import CHECKS  # noqa: E402
from gancourse.sandbox.frames import dump_values, load_values  # noqa: E402
from gancourse.utils import atomic_write_text  # noqa: E402
from tests.check_cases import ALL, SOLUTIONS  # noqa: E402
from tests.notebook_code import run_exercises  # noqa: E402


def failures(lesson: str, name, check, seeds: range) -> list[tuple[int, str]]:
    """(seed, first line of the message) for every seed whose verdict fails the solution."""
    ns = run_exercises(SOLUTIONS[lesson])
    consts = getattr(check, "args", ())  # the quiz's lesson number
    check = getattr(check, "func", check)
    objects = [ns[n] for n in (name if isinstance(name, tuple) else (name,))]
    out = []
    for seed in seeds:
        report = load_values(dump_values(check.ask(seed, *consts, *objects)))
        try:
            check.judge(report, seed, *consts)
        except AssertionError as e:
            out.append((seed, str(e).splitlines()[0]))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=200)
    p.add_argument("--out", default=None, help="a Markdown table (never written over: pick a new name)")
    p.add_argument("--lessons", default=None, help="only these lessons, e.g. 07,08 (default: all)")
    args = p.parse_args(argv)
    wanted = set(args.lessons.split(",")) if args.lessons else None
    seeds = range(1, args.seeds + 1)
    rows, total, start = [], 0, time.perf_counter()
    hidden = [(lesson, names, CHECKS[check]) for lesson, items in HIDDEN.items() for _, check, names in items]
    for lesson, name, check in [*ALL, *hidden]:
        if wanted is not None and lesson not in wanted:
            continue
        failed = failures(lesson, name, check, seeds)
        total += len(failed)
        label = name if isinstance(name, str) else " + ".join(name)
        example = f"seed {failed[0][0]}: {failed[0][1]}" if failed else "–"
        rows.append(f"| {lesson} | {label} | {len(failed)} | {example} |")
        print(rows[-1], flush=True)
    text = (
        "\n".join(
            [
                f"### Every check's verdict on the solutions, grader seeds 1–{args.seeds}, across the channel",
                "",
                f"`python benchmarks/check_seeds.py --seeds {args.seeds}`: {len(rows)} checks (hidden ones included) × "
                f"{args.seeds} seeds, "
                f"**{total} failures**, {time.perf_counter() - start:.0f} s.",
                "",
                "| lesson | check (the student's objects) | failures | first failure |",
                "|---|---|---:|---|",
                *rows,
            ]
        )
        + "\n"
    )
    print(text)
    if args.out:
        if Path(args.out).exists():
            raise SystemExit(f"{args.out} exists: pick another --out.")
        atomic_write_text(Path(args.out), text)
    return 1 if total else 0


if __name__ == "__main__":
    raise SystemExit(main())
