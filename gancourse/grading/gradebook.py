"""Grade a folder of submissions into a CSV and a Markdown summary. Introduced for instructors.

Notebooks are graded ``jobs`` at a time, each in its own sandbox (:mod:`gancourse.sandbox.launcher`). Only this
process writes the tables: both are rewritten atomically after every notebook (an interrupted
batch keeps what it graded), under names that were free when the batch began, and the
sandboxes can neither see nor write them. Each row records the submission's SHA-256, so a
later edit of the graded file is detectable. Each student also gets a feedback file
(:mod:`.feedback`). Before the first notebook runs, the integrity report (:mod:`.integrity`) and the late
policy (:mod:`.late`) are worked out from the files alone; after every notebook the Canvas and Moodle
exports (:mod:`.lms`) are rewritten too.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from ..sandbox.container import IMAGE
from ..sandbox.launcher import Limits
from ..utils import atomic_write_text, unique_path
from .batch import Batch
from .feedback import write_feedback
from .integrity import integrity_report
from .late import LatePolicy
from .lms import canvas_csv, moodle_csv
from .notebook import Result, grade_notebook, lesson_checks, solution_path
from .points import Points
from .similarity import available as similarity_available
from .tables import csv_text, integrity_text, summary


def _grade_one(student: str, path: Path, lesson: str, names: list[str], **options) -> Result:
    try:
        return grade_notebook(path, lesson, student, **options)
    except Exception as e:  # the batch never stops for one notebook
        why = f"grader error {type(e).__name__}: {e}".splitlines()[0]
        return Result(student, str(path), lesson, "error", why, {n: (False, why) for n in names})


@dataclass(frozen=True)
class Exports:
    """Where else the grades go: a Canvas import built on ``canvas`` (a gradebook export) for the assignment
    column ``assignment``, and a Moodle CSV; the integrity report flags pairs at ``similarity`` or above."""

    canvas: Path | None = None
    assignment: str = ""
    moodle: bool = False
    similarity: float = 0.9


def prepare(submissions: str | Path, lesson: str, points: Points, policy: LatePolicy | None, exports: Exports):
    """The notebooks to grade and what is known of them before they run: lateness and the integrity report."""
    found = find_submissions(submissions)
    root = Path(submissions) if Path(submissions).is_dir() else Path(submissions).parent
    batch = Batch(lesson, list(points.weights), points, policy, similarity_checked=similarity_available())
    if policy is not None:
        batch.late = {str(path): policy.lateness(path, root) for _, path in found}
    batch.integrity = integrity_report(found, solution_path(lesson), exports.similarity)
    return found, batch


def grade_folder(
    submissions: str | Path,
    lesson: str,
    out_csv: str | Path,
    jobs: int = 2,
    cell_timeout: float = 120,
    notebook_timeout: float = 600,
    progress=print,
    limits: Limits = Limits(),
    points: Points | None = None,
    sandbox: str = "auto",
    image: str = IMAGE,
    policy: LatePolicy | None = None,
    exports: Exports = Exports(),
) -> list[Result]:
    """Grade every notebook under ``submissions``; write ``out_csv``, the same name with ``.md``, one
    feedback file per student in ``<name>-feedback/``, ``<name>-integrity.md`` and the ``exports``.
    ``points`` weighs the checks (default 1 each); ``policy`` takes points off late notebooks."""
    out_csv = Path(out_csv)
    names = [spec.name for spec in lesson_checks(lesson)]
    found, batch = prepare(submissions, lesson, points or Points.for_checks(names), policy, exports)
    options = {
        "cell_timeout": cell_timeout,
        "notebook_timeout": notebook_timeout,
        "limits": limits,
        "hide": (Path(submissions), out_csv.parent),
        "sandbox": sandbox,
        "image": image,
    }
    tables = {
        "csv": TableFile(out_csv),
        "md": TableFile(out_csv.with_suffix(".md")),
        "canvas": TableFile(companion(out_csv, "canvas", ".csv")),
        "moodle": TableFile(companion(out_csv, "moodle", ".csv")),
    }
    TableFile(companion(out_csv, "integrity", ".md")).write(integrity_text(batch))
    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(_grade_one, student, path, lesson, names, **options) for student, path in found]
        for fut in as_completed(futures):
            r = fut.result()  # this loop, in this thread, is the only writer
            results.append(r)
            results.sort(key=lambda r: (r.student, r.path))
            tables["csv"].write(csv_text(results, batch))
            tables["md"].write(summary(results, batch))
            if exports.canvas is not None:
                tables["canvas"].write(canvas_csv(exports.canvas, results, batch, exports.assignment))
            if exports.moodle:
                tables["moodle"].write(moodle_csv(results, batch))
            write_feedback(r, names, feedback_folder(out_csv), batch.points, batch.lateness(r))
            progress(
                f"{r.student}: {r.score}/{len(names)}, {batch.points.text(r)} points "
                f"({r.status}{', ' + r.detail if r.detail else ''}) in {r.seconds:.0f} s"
            )
    return results


class TableFile:
    """A table rewritten atomically after every notebook. Where the file cannot be replaced (Windows, while it is
    open in a spreadsheet), it moves once to a new free name, says so, and keeps writing there."""

    def __init__(self, path: Path, report=None):
        self.path = path
        self.report = report or (lambda message: print(message, file=sys.stderr))

    def write(self, text: str) -> Path:
        try:
            return atomic_write_text(self.path, text)
        except PermissionError:
            moved = unique_path(self.path)
            self.report(f"{self.path} cannot be replaced (is it open in another program?): writing {moved} instead")
            self.path = moved
            return atomic_write_text(self.path, text)


def feedback_folder(out_csv: Path) -> Path:
    """``grades.csv`` -> ``grades-feedback/``: one Markdown file per student."""
    return out_csv.with_name(f"{out_csv.stem}-feedback")


def companion(out_csv: Path, what: str, suffix: str) -> Path:
    """``grades.csv`` -> ``grades-integrity.md``, ``grades-canvas.csv``...: the files written beside the table."""
    return out_csv.with_name(f"{out_csv.stem}-{what}{suffix}")


def find_submissions(folder: str | Path) -> list[tuple[str, Path]]:
    """``(student, notebook)`` for a folder of ``.ipynb`` files or nbgrader's ``submitted/<student>/...``."""
    folder = Path(folder)
    if folder.is_file():
        return [(folder.stem, folder)]
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is neither a notebook nor a folder of notebooks")
    out = []
    for p in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in p.parts:
            continue
        rel = p.relative_to(folder)
        out.append((rel.parts[0] if len(rel.parts) > 1 else p.stem, p))
    return out
