"""Grade a folder of submissions into a CSV and a Markdown summary. Introduced for instructors.

Notebooks are graded in parallel (one kernel each, ``jobs`` at a time). The CSV is rewritten
after every notebook, so an interrupted batch keeps what it graded.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from ..utils import atomic_write_text
from .grading import Result, find_submissions, grade_notebook, lesson_checks


def _grade_one(args) -> Result:
    student, path, lesson, cell_timeout, notebook_timeout = args
    try:
        return grade_notebook(path, lesson, student, cell_timeout, notebook_timeout)
    except Exception as e:  # the batch never stops for one notebook
        names = [n for n, _ in lesson_checks(lesson)]
        why = f"grader error {type(e).__name__}: {e}".splitlines()[0]
        return Result(student, str(path), lesson, "error", why, {n: (False, why) for n in names})


def grade_folder(submissions: str | Path, lesson: str, out_csv: str | Path, jobs: int = 2, cell_timeout: float = 120,
                 notebook_timeout: float = 600, progress=print) -> list[Result]:
    """Grade every notebook under ``submissions``; write ``out_csv`` and ``out_csv`` with ``.md``."""
    names = [n for n, _ in lesson_checks(lesson)]
    todo = [(student, path, lesson, cell_timeout, notebook_timeout) for student, path in find_submissions(submissions)]
    results: list[Result] = []
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_grade_one, t): t for t in todo}
        for fut in as_completed(futures):
            student, path = futures[fut][:2]
            try:
                r = fut.result()
            except Exception as e:  # a worker that died
                why = f"grader process failed ({type(e).__name__})"
                r = Result(student, str(path), lesson, "error", why, {n: (False, why) for n in names})
            results.append(r)
            results.sort(key=lambda r: (r.student, r.path))
            write_csv(results, names, out_csv)
            progress(f"{r.student}: {r.score}/{len(names)} ({r.status}{', ' + r.detail if r.detail else ''}) in {r.seconds:.0f} s")
    Path(out_csv).with_suffix(".md").write_text(summary(results, names, lesson))
    return results


def write_csv(results: list[Result], names: list[str], path: str | Path) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", "notebook", "lesson", "score", "max", "status", "detail"]
               + [c for n in names for c in (n, f"{n}: message")])
    for r in results:
        row = [r.student, r.path, r.lesson, r.score, len(names), r.status, r.detail]
        for n in names:
            ok, msg = r.checks.get(n, (False, "not checked"))
            row += ["pass" if ok else "fail", msg]
        w.writerow(row)
    atomic_write_text(path, buf.getvalue())


def summary(results: list[Result], names: list[str], lesson: str) -> str:
    lines = [f"# Lesson {lesson}: {len(results)} submission(s)", "",
             "| student | score | status | failed |", "|---|---:|---|---|"]
    for r in results:
        failed = ", ".join(n for n in names if not r.checks.get(n, (False,))[0]) or "–"
        status = r.status + (f" ({r.detail})" if r.detail else "")
        lines.append(f"| {r.student} | {r.score}/{len(names)} | {status} | {failed} |")
    return "\n".join(lines) + "\n"
