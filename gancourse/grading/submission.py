"""What the grader runs of a submission: the official lesson's cells, with only the exercise cells taken
from the student, matched by cell id (as nbgrader restores read-only and test cells).

A student who edits a given cell, deletes one or adds their own gains nothing: the official cell
runs instead, their extra cells do not run, and the grade's notes say so. Given cells tagged
``skip-grading`` in the solution (training runs, plots) are not run: the checks do not need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..authoring.lessons import BEGIN, make_lesson
from ..authoring.nbformat_lite import nbformat

SKIP_TAG = "skip-grading"


@dataclass
class Assembled:
    """The cells to run (in order, with the lesson's cell ids) and what the student changed outside their exercises."""

    sources: list[str]
    ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _is_check(source: str) -> bool:
    return "checks.check_" in source


def assemble(solution: Path, submission) -> Assembled:
    """The official lesson's code cells, each exercise cell replaced by the submission's cell of the same id."""
    official = nbformat.read(solution, as_version=4)
    exercises = {c.id for c in official.cells if c.cell_type == "code" and BEGIN in c.source}
    lesson = make_lesson(official, solution.name)
    theirs = {c.get("id"): c for c in submission.cells}
    out, notes = Assembled([]), []
    for cell in lesson.cells:
        if cell.cell_type != "code" or _is_check(cell.source) or SKIP_TAG in cell.metadata.get("tags", []):
            continue
        mine = theirs.get(cell.id)
        if cell.id in exercises:
            if mine is None or mine.cell_type != "code":
                notes.append(f"exercise cell {cell.id} is missing: the lesson's empty exercise ran instead")
            out.sources.append(mine.source if mine is not None and mine.cell_type == "code" else cell.source)
            out.ids.append(f"exercise cell {cell.id}")
        else:
            if mine is not None and mine.cell_type == "code" and mine.source.strip() != cell.source.strip():
                notes.append(f"given cell {cell.id} was edited: the lesson's own version ran")
            out.sources.append(cell.source)
            out.ids.append(f"given cell {cell.id}")
    official_ids = {c.id for c in official.cells}
    added = [
        c for c in submission.cells if c.cell_type == "code" and c.get("id") not in official_ids and c.source.strip()
    ]
    if added:
        notes.append(f"{len(added)} added cell(s) did not run: only the exercise cells are graded")
    out.notes = notes
    return out
