"""A late policy: ``--due 2026-12-01T23:59 --late-penalty 10%/day``.

When was it submitted: nbgrader's ``timestamp.txt`` (in the notebook's folder or a parent folder up to the
submissions folder, e.g. ``submitted/alice/02/timestamp.txt``) when there is one, else the notebook's
modification time, and the tables say which. Each started day after the due time costs the penalty,
as a share of the points, never below 0: with 10 %/day, 1 minute late and 23 hours late both cost 10 %.
A due time without a time zone is the grader's local time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

_PENALTY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*(?:/\s*day)?\s*$")


def parse_due(text: str) -> datetime:
    """``2026-12-01T23:59``, ``2026-12-01 23:59:00+01:00`` or ``2026-12-01`` (the end of that day)."""
    try:
        due = datetime.fromisoformat(text.strip().replace(" UTC", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time: write it as 2026-12-01T23:59") from None
    if len(text.strip()) == 10:  # a date alone: due at the end of that day
        due = due.replace(hour=23, minute=59, second=59)
    return due if due.tzinfo else due.astimezone()  # naive: the grader's local time


def parse_penalty(text: str) -> float:
    """``10%/day``, ``10%`` or ``10`` -> 0.10 of the points per started day late."""
    m = _PENALTY.match(text)
    if not m or not 0 <= float(m.group(1)) <= 100:
        raise ValueError(f"{text!r} is not a penalty: write a percentage per day, e.g. 10%/day")
    return float(m.group(1)) / 100


@dataclass(frozen=True)
class Lateness:
    """When one notebook was submitted, where that came from, and what it costs."""

    submitted: datetime
    source: str  # "timestamp.txt" or "file time"
    days: int
    penalty: float  # share of the points taken off, 0..1

    def apply(self, points: float) -> float:
        return points * (1 - self.penalty)


def _timestamp(text: str) -> datetime | None:
    text = text.strip().replace(" UTC", "+00:00")
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)  # nbgrader writes UTC


def submitted_at(notebook: Path, root: Path) -> tuple[datetime, str]:
    """nbgrader's timestamp for this notebook, else its modification time."""
    root = root.resolve()
    for folder in [notebook.resolve().parent, *notebook.resolve().parents]:
        stamp = folder / "timestamp.txt"
        if stamp.is_file():
            t = _timestamp(stamp.read_text(encoding="utf-8", errors="replace"))
            if t is not None:
                return t, "timestamp.txt"
        if folder == root or root not in folder.parents:
            break
    return datetime.fromtimestamp(notebook.stat().st_mtime, timezone.utc), "file time"


@dataclass(frozen=True)
class LatePolicy:
    due: datetime
    per_day: float

    def lateness(self, notebook: Path, root: Path) -> Lateness:
        when, source = submitted_at(notebook, root)
        late_s = (when - self.due).total_seconds()
        days = math.ceil(late_s / 86400) if late_s > 0 else 0
        return Lateness(when, source, days, min(1.0, days * self.per_day))
