"""The grade tables' text: ``grades.csv`` (every column), ``grades.md`` (the summary) and the integrity report.

Pure functions of the results and the :class:`~.batch.Batch`; :mod:`.gradebook` writes them atomically.
"""

from __future__ import annotations

import csv
import io

from ..tables import markdown_table
from .batch import Batch
from .notebook import Result


def _late_cells(batch: Batch, r: Result) -> list:
    if batch.policy is None:
        return []
    late = batch.lateness(r)
    if late is None:
        return ["", "", "", "", f"{batch.final(r):g}"]
    when = late.submitted.isoformat(timespec="seconds")
    return [when, late.source, late.days, f"{late.penalty:.0%}", f"{batch.final(r):g}"]


def csv_text(results: list[Result], batch: Batch) -> str:
    names, points = batch.names, batch.points
    late_head = ["submitted", "submitted from", "days late", "late penalty", "final points"] if batch.policy else []
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(
        ["student", "notebook", "lesson", "score", "max", "points", "max points", "status", "detail", "sha256"]
        + late_head
        + ["integrity"]
        + [c for n in names for c in (n, f"{n}: points", f"{n}: message")]
    )
    for r in results:
        row = [r.student, r.path, r.lesson, r.score, len(names), f"{points.of(r):g}", f"{points.total:g}"]
        row += [r.status, r.detail, r.sha256, *_late_cells(batch, r), batch.flags(r)]
        for n in names:
            ok, msg = r.checks.get(n, (False, "not checked"))
            row += ["pass" if ok else "fail", f"{points.earned(r, n):g}", msg]
        w.writerow(row)
    return buf.getvalue()


def summary(results: list[Result], batch: Batch) -> str:
    names, points = batch.names, batch.points
    head = ["student", "score", "points", *(["late", "final"] if batch.policy else []), "status", "failed", "sha256"]
    rows = []
    for r in results:
        failed = ", ".join(n for n in names if not r.checks.get(n, (False,))[0]) or "–"
        status = r.status + (f" ({r.detail})" if r.detail else "")
        late = batch.lateness(r)
        extra = [f"{late.days} d" if late and late.days else "–", f"{batch.final(r):g}"] if batch.policy else []
        rows.append([r.student, f"{r.score}/{len(names)}", points.text(r), *extra, status, failed, r.sha256[:12]])
    right = {"score", "points", "late", "final"}
    table = markdown_table(
        head, rows, [h in right for h in head], before=f"# Lesson {batch.lesson}: {len(results)} submission(s)"
    )
    return table + "\n"


def integrity_text(batch: Batch) -> str:
    """``<table>-integrity.md``: one row per flagged exercise, for the instructor only."""
    rows = [
        [student, label, ", ".join(whys)]
        for student, flags in sorted(batch.integrity.items())
        for label, whys in flags.by_exercise.items()
    ]
    similarity = (
        "Similarity: copydetect's winnowed fingerprints (as MOSS), the starter code excluded."
        if batch.similarity_checked
        else 'Similarity was not checked: pip install "gancourse[grading]" (copydetect).'
    )
    intro = (
        f"# Lesson {batch.lesson}: integrity report (for the instructor; not in the feedback files)\n\n"
        "A flag is a reason to look, not a verdict: *uses* names a course implementation the exercise calls or "
        "aliases; *verbatim* is the official solution after removing comments and layout; *% like* is the share "
        f"of code two answers have in common. {similarity}\n"
    )
    if not rows:
        return intro + "\nNothing flagged.\n"
    return intro + "\n" + markdown_table(["student", "exercise", "why"], rows, [False, False, False]) + "\n"
