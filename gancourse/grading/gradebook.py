"""Grade a folder of submissions into a CSV and a Markdown summary. Introduced for instructors.

Notebooks are graded ``jobs`` at a time, each in its own sandbox (:mod:`gancourse.sandbox.launcher`). Only this
process writes the tables: both are rewritten atomically after every notebook (an interrupted
batch keeps what it graded), under names that were free when the batch began, and the
sandboxes can neither see nor write them. Each row records the submission's SHA-256, so a
later edit of the graded file is detectable. Each student also gets a feedback file
(:mod:`.feedback`).
"""

from __future__ import annotations

import csv
import io
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from ..sandbox.container import IMAGE
from ..sandbox.launcher import Limits
from ..tables import markdown_table
from ..utils import atomic_write_text, unique_path
from .feedback import write_feedback
from .notebook import Result, grade_notebook, lesson_checks
from .points import Points


def _grade_one(student: str, path: Path, lesson: str, names: list[str], **options) -> Result:
    try:
        return grade_notebook(path, lesson, student, **options)
    except Exception as e:  # the batch never stops for one notebook
        why = f"grader error {type(e).__name__}: {e}".splitlines()[0]
        return Result(student, str(path), lesson, "error", why, {n: (False, why) for n in names})


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
) -> list[Result]:
    """Grade every notebook under ``submissions``; write ``out_csv``, the same name with ``.md``, and one
    feedback file per student in ``<name>-feedback/``. ``points`` weighs the checks (default 1 each)."""
    out_csv = Path(out_csv)
    names = [spec.name for spec in lesson_checks(lesson)]
    points = points or Points.for_checks(names)
    options = {
        "cell_timeout": cell_timeout,
        "notebook_timeout": notebook_timeout,
        "limits": limits,
        "hide": (Path(submissions), out_csv.parent),
        "sandbox": sandbox,
        "image": image,
    }
    tables = {"csv": TableFile(out_csv), "md": TableFile(out_csv.with_suffix(".md"))}
    results: list[Result] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(_grade_one, student, path, lesson, names, **options)
            for student, path in find_submissions(submissions)
        ]
        for fut in as_completed(futures):
            r = fut.result()  # this loop, in this thread, is the only writer
            results.append(r)
            results.sort(key=lambda r: (r.student, r.path))
            tables["csv"].write(csv_text(results, names, points))
            tables["md"].write(summary(results, names, lesson, points))
            write_feedback(r, names, feedback_folder(out_csv), points)
            progress(
                f"{r.student}: {r.score}/{len(names)}, {points.text(r)} points "
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


def csv_text(results: list[Result], names: list[str], points: Points) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        ["student", "notebook", "lesson", "score", "max", "points", "max points", "status", "detail", "sha256"]
        + [c for n in names for c in (n, f"{n}: points", f"{n}: message")]
    )
    for r in results:
        row = [
            r.student,
            r.path,
            r.lesson,
            r.score,
            len(names),
            f"{points.of(r):g}",
            f"{points.total:g}",
            r.status,
            r.detail,
            r.sha256,
        ]
        for n in names:
            ok, msg = r.checks.get(n, (False, "not checked"))
            row += ["pass" if ok else "fail", f"{points.earned(r, n):g}", msg]
        w.writerow(row)
    return buf.getvalue()


def summary(results: list[Result], names: list[str], lesson: str, points: Points) -> str:
    rows = []
    for r in results:
        failed = ", ".join(n for n in names if not r.checks.get(n, (False,))[0]) or "–"
        status = r.status + (f" ({r.detail})" if r.detail else "")
        rows.append([r.student, f"{r.score}/{len(names)}", points.text(r), status, failed, r.sha256[:12]])
    table = markdown_table(
        ["student", "score", "points", "status", "failed", "sha256"],
        rows,
        [False, True, True, False, False, False],
        before=f"# Lesson {lesson}: {len(results)} submission(s)",
    )
    return table + "\n"


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
