"""Grades into the learning platform: a Canvas gradebook import, a Moodle grade import.

**Canvas** (``--canvas ROSTER.csv``): ROSTER is the course's gradebook export (Grades > Export). The
import file keeps its student columns (``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, and
``Integration ID``/``Section`` where present), its ``Points Possible`` row, and one assignment column:
the roster's column named ``--assignment`` (Canvas names them ``Name (id)``), else a new column of that
name, which Canvas creates as an assignment on import. A submission is matched to a student by its
folder or file name against the SIS login id, the SIS user id, the Canvas id or the login part of an
e-mail login, ignoring case; unmatched submissions are listed, and students without a submission get
an empty cell (Canvas leaves their grade as it was).

**Moodle** (``--format moodle``): ``username,grade,max,feedback``, to map on Moodle's CSV grade import.

Both write the final points (after any late penalty).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .batch import Batch
from .notebook import Result

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
MATCH_BY = ("SIS Login ID", "SIS User ID", "ID")


class RosterError(ValueError):
    pass


def read_roster(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """Canvas's export: ``(header, student rows)``, without its ``Points Possible`` row."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as e:
        raise RosterError(f"cannot read the roster {path}: {e.strerror}") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    header = list(rows[0].keys()) if rows else next(csv.reader(io.StringIO(text)), [])
    if "Student" not in header or not any(c in header for c in MATCH_BY):
        raise RosterError(f"{path} is not a Canvas gradebook export (no Student and SIS Login ID columns)")
    students = [r for r in rows if (r.get("Student") or "").strip() not in ("", "Points Possible")]
    return header, students


def _keys(row: dict[str, str]) -> set[str]:
    keys = {(row.get(c) or "").strip().lower() for c in MATCH_BY}
    login = (row.get("SIS Login ID") or "").strip().lower()
    return {k for k in keys | {login.split("@")[0]} if k}


def assignment_column(header: list[str], name: str) -> str:
    """The roster's column for this assignment (``name`` itself or ``name (id)``), else ``name`` (a new one)."""
    return next((h for h in header if h == name or (h.startswith(name + " (") and h.endswith(")"))), name)


def _matches(students: list[dict[str, str]], results: list[Result]) -> tuple[list[Result | None], list[str]]:
    """For each roster row its submission (or None), and the submissions no row matched."""
    by_key = {r.student.strip().lower(): r for r in results}
    found = [next((by_key[k] for k in _keys(row) if k in by_key), None) for row in students]
    taken = {id(r) for r in found if r is not None}
    return found, sorted(r.student for r in results if id(r) not in taken)


def unmatched(roster: str | Path, results: list[Result]) -> list[str]:
    """The submissions (by student name) that no roster row matched: their grades are not in the import."""
    return _matches(read_roster(roster)[1], results)[1]


def canvas_csv(roster: str | Path, results: list[Result], batch: Batch, assignment: str) -> str:
    """The import file's text: the roster's student columns, a Points Possible row, the assignment's column."""
    header, students = read_roster(roster)
    column = assignment_column(header, assignment)
    keep = [c for c in IDENTITY if c in header]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([*keep, column])
    w.writerow(["    Points Possible", *[""] * (len(keep) - 1), f"{batch.points.total:g}"])  # as Canvas exports it
    for row, r in zip(students, _matches(students, results)[0], strict=True):
        w.writerow([row.get(c, "") for c in keep] + ["" if r is None else f"{batch.final(r):g}"])
    return out.getvalue()


def moodle_csv(results: list[Result], batch: Batch) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["username", "grade", "max", "feedback"])
    for r in results:
        failed = [n for n in batch.names if not r.checks.get(n, (False,))[0]]
        note = "all exercises pass" if not failed else "failed: " + ", ".join(failed)
        late = batch.lateness(r)
        if late and late.days:
            note += f"; {late.days} day(s) late, -{late.penalty:.0%}"
        w.writerow([r.student, f"{batch.final(r):g}", f"{batch.points.total:g}", note])
    return out.getvalue()
