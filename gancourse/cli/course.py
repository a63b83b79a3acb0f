"""``gancourse lessons``, ``workspace``, ``check`` and ``grade``: the course's own tools."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..authoring.lessons import copy_to_workspace, generate_lessons
from ..authoring.nbformat_lite import nbformat
from ..authoring.notebooks import course_folder
from ..checks import OK
from ..config import GancourseError
from ..grading.gradebook import feedback_folder, find_submissions, grade_folder
from ..grading.notebook import grade_notebook, lesson_checks, notebook_lesson
from ..grading.points import Points, parse_points
from ..sandbox.choice import describe, protection
from ..sandbox.launcher import Limits
from .common import writable


def lessons(args: argparse.Namespace) -> int:
    changed = generate_lessons(args.solutions, args.out, check=args.check, force=args.force)
    if args.check:
        if changed:
            print("lessons/ is stale; run `gancourse lessons` to regenerate:\n  " + "\n  ".join(map(str, changed)))
            return 1
        print("lessons/ is up to date.")
        return 0
    print(f"wrote {len(changed)} lesson(s)" + (":\n  " + "\n  ".join(map(str, changed)) if changed else ""))
    return 0


def workspace(args: argparse.Namespace) -> None:
    copied = copy_to_workspace(args.lessons or course_folder("lessons"), args.work)
    kept = sorted(p.name for p in Path(args.work).glob("*.ipynb") if Path(args.work, p.name) not in copied)
    print(
        f"{args.work}/: copied {len(copied)} new lesson(s)"
        + (f"; kept your {len(kept)} existing notebook(s) untouched" if kept else "")
    )


def check(args: argparse.Namespace) -> int:
    path = Path(args.notebook)
    if not path.is_file():
        raise GancourseError(f"no notebook at {path}: give the path of your lesson notebook, e.g. work/02_dcgan.ipynb.")
    lesson = args.lesson
    if lesson is None:
        try:
            lesson = notebook_lesson(nbformat.read(path, as_version=4))
        except Exception:
            raise GancourseError(f"{path} is not a readable notebook: open it in Jupyter and save it again.") from None
        if lesson is None:
            raise GancourseError(f"{path} has no '# Lesson NN' title: pass --lesson NN.")
    print(f"running {path} in fast mode (lesson {lesson}); this takes about a minute...")
    r = grade_notebook(
        path,
        lesson,
        path.stem,
        args.cell_timeout,
        args.timeout,
        hidden=False,
        progress=lambda line: print(line, flush=True),
    )
    if r.status == "graded" and r.detail:
        print(f"note: {r.detail}")
    for name, (ok, message) in r.checks.items():
        print(f"{OK if ok else '❌'} {name}: " + ("passes" if ok else message.replace("\n", "\n    ")))
    detail = f" ({r.status}: {r.detail})" if r.detail or r.status != "graded" else ""
    print(f"{r.score}/{len(r.checks)} exercises pass{detail}.")
    return 0 if r.score == len(r.checks) else 1


def free_table(out: Path) -> Path:
    """``out``, or ``out-2``, ``out-3``...: the first name whose .csv, .md and feedback folder are all free."""
    out = out if out.suffix == ".csv" else out.with_name(out.name + ".csv")
    candidate, i = out, 2
    while candidate.exists() or candidate.with_suffix(".md").exists() or feedback_folder(candidate).exists():
        candidate, i = out.with_name(f"{out.stem}-{i}{out.suffix}"), i + 1
    return candidate


def grade(args: argparse.Namespace) -> None:
    lesson = f"{int(args.lesson):02d}" if args.lesson.isdigit() else args.lesson
    try:
        names = [spec.name for spec in lesson_checks(lesson)]
    except (ValueError, OSError):
        raise GancourseError(f"there is no lesson {args.lesson!r}: use a number such as 02.") from None
    try:
        points = Points.for_checks(names, parse_points(args.points))
    except ValueError as e:
        raise GancourseError(f"--points: {e}.") from None
    try:
        found = find_submissions(args.submissions)
    except FileNotFoundError as e:
        raise GancourseError(f"{e}: give the folder of submitted notebooks.") from None
    if not found:
        raise GancourseError(f"no .ipynb files under {args.submissions}: give the folder of submitted notebooks.")
    out = free_table(Path(args.out))
    writable(out.parent)
    try:
        mode = protection(args.sandbox, args.image)
    except ValueError as e:
        raise GancourseError(str(e)) from None
    print(describe(mode), file=sys.stderr if mode == "none" else sys.stdout)
    print(f"grading {len(found)} notebook(s) of lesson {lesson}, {args.jobs} at a time; writing {out}")
    limits = Limits(memory_mb=args.memory, processes=args.processes, threads=max(1, (os.cpu_count() or 2) // args.jobs))
    from tqdm import tqdm

    with tqdm(total=len(found), desc="grading", unit="notebook") as bar:  # on stderr; one line per notebook on stdout

        def report(line: str) -> None:
            bar.write(line)
            bar.update(1)

        results = grade_folder(
            args.submissions,
            lesson,
            out,
            args.jobs,
            args.cell_timeout,
            args.timeout,
            progress=report,
            limits=limits,
            points=points,
            sandbox=mode,
            image=args.image,
        )
    print(
        f"wrote {out}, {out.with_suffix('.md')} and {feedback_folder(out)}/: mean score "
        f"{sum(r.score for r in results) / len(results):.2f} of {len(names)}, mean points "
        f"{sum(points.of(r) for r in results) / len(results):.2f} of {points.total:g}"
    )
