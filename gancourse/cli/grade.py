"""``gancourse grade``: a folder of submissions into grade tables, feedback files, an integrity report and LMS
imports (instructors). The work is in :mod:`gancourse.grading`; this module turns options into its arguments."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..config import GancourseError
from ..grading.gradebook import Exports, companion, feedback_folder, find_submissions, grade_folder
from ..grading.late import LatePolicy, parse_due, parse_penalty
from ..grading.lms import RosterError, assignment_column, read_roster, unmatched
from ..grading.notebook import lesson_checks
from ..grading.points import Points, parse_points
from ..sandbox.choice import describe, protection
from ..sandbox.launcher import Limits
from .common import writable


def _written(table: Path) -> list[Path]:
    """Every file and folder one batch writes for the table ``table``."""
    extra = [companion(table, w, s) for w, s in (("integrity", ".md"), ("canvas", ".csv"), ("moodle", ".csv"))]
    return [table, table.with_suffix(".md"), feedback_folder(table), *extra]


def free_table(out: Path) -> Path:
    """``out``, or ``out-2``, ``out-3``...: the first name whose tables, exports and feedback folder are all free."""
    out = out if out.suffix == ".csv" else out.with_name(out.name + ".csv")
    candidate, i = out, 2
    while any(p.exists() for p in _written(candidate)):
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
    policy, exports = _policy(args), _exports(args, lesson)
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
            policy=policy,
            exports=exports,
        )
    _report_exports(out, results, exports)
    print(
        f"wrote {out}, {out.with_suffix('.md')}, {companion(out, 'integrity', '.md').name} and "
        f"{feedback_folder(out)}/: mean score "
        f"{sum(r.score for r in results) / len(results):.2f} of {len(names)}, mean points "
        f"{sum(points.of(r) for r in results) / len(results):.2f} of {points.total:g}"
    )


def _policy(args: argparse.Namespace) -> LatePolicy | None:
    if args.due is None:
        if args.late_penalty is not None:
            raise GancourseError("--late-penalty needs --due: give the due date and time, e.g. --due 2026-12-01T23:59.")
        return None
    try:
        return LatePolicy(parse_due(args.due), parse_penalty(args.late_penalty or "10%/day"))
    except ValueError as e:
        raise GancourseError(f"--due/--late-penalty: {e}.") from None


def _exports(args: argparse.Namespace, lesson: str) -> Exports:
    canvas = Path(args.canvas) if args.canvas else None
    if canvas is not None:
        try:
            read_roster(canvas)
        except RosterError as e:
            raise GancourseError(f"--canvas: {e}: export it from Canvas (Grades > Export).") from None
    return Exports(canvas, args.assignment or f"gancourse lesson {lesson}", args.format == "moodle", args.similarity)


def _report_exports(out: Path, results, exports: Exports) -> None:
    if exports.canvas is not None:
        path = companion(out, "canvas", ".csv")
        column = assignment_column(read_roster(exports.canvas)[0], exports.assignment)
        print(f"wrote {path} for Canvas (Grades > Import), column {column!r}")
        missing = unmatched(exports.canvas, results)
        if missing:
            print(f"not in the roster (their grades are not in the import): {', '.join(missing)}")
    if exports.moodle:
        print(f"wrote {companion(out, 'moodle', '.csv')} for Moodle (Grades > Import > CSV file)")
