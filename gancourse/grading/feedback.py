"""One feedback file per student, beside the grade table: each exercise's result and the hint it gave.

Written by the grader only, atomically, into a folder that was free when the batch began (like
the tables). A failed hidden check says only that it failed (the table keeps its message).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..utils import atomic_write_text
from .late import Lateness
from .notebook import Result
from .points import Points


def feedback_name(student: str) -> str:
    """A file name for a student id (folder names and file stems can hold anything)."""
    return (re.sub(r"[^\w.-]+", "_", student).strip("._") or "student") + ".md"


def _late_line(late: Lateness, points: float) -> str:
    when = late.submitted.strftime("%Y-%m-%d %H:%M %Z").strip()
    if not late.days:
        return f"Submitted {when}, on time."
    return f"Submitted {when}, {late.days} day(s) late: -{late.penalty:.0%}, **{late.apply(points):g}** points count."


def feedback_text(r: Result, names: list[str], points: Points | None = None, late: Lateness | None = None) -> str:
    points = points or Points.for_checks(names)
    lines = [
        f"# Lesson {r.lesson}: feedback for {r.student}",
        "",
        f"**{r.score}/{len(names)}** exercises pass, **{points.text(r)}** points ({r.status}).",
        "",
    ]
    if late is not None:
        lines += [_late_line(late, points.of(r)), ""]
    if r.detail:
        lines += [f"Note: {r.detail}", ""]
    for name in names:
        ok, message = r.checks.get(name, (False, "not checked"))
        if not ok and name.startswith("hidden"):  # a hidden check's inputs stay with the instructor
            message = "a hidden check with other inputs failed: test your code on other shapes and arguments."
        worth = f" ({points.earned(r, name):g}/{points.weights[name]:g} points)"
        lines.append(f"- {'✅' if ok else '❌'} **{name}**{worth}" + ("" if ok else ": " + message.replace("\n", " ")))
    lines += ["", f"Graded file: `{Path(r.path).name}` (SHA-256 `{r.sha256 or 'unreadable'}`)."]
    return "\n".join(lines) + "\n"


def write_feedback(
    r: Result, names: list[str], folder: Path, points: Points | None = None, late: Lateness | None = None
) -> Path:
    return atomic_write_text(folder / feedback_name(r.student), feedback_text(r, names, points, late))
