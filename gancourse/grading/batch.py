"""What one grading run knows beside the results: the checks and their points, each notebook's lateness under
the late policy (if any) and the integrity report's flags. Every table and export reads it from here."""

from __future__ import annotations

from dataclasses import dataclass, field

from .integrity import Flags
from .late import Lateness, LatePolicy
from .notebook import Result
from .points import Points


@dataclass
class Batch:
    lesson: str
    names: list[str]
    points: Points
    policy: LatePolicy | None = None
    late: dict[str, Lateness] = field(default_factory=dict)  # notebook path -> when and what it costs
    integrity: dict[str, Flags] = field(default_factory=dict)  # student -> reasons to look
    similarity_checked: bool = True

    def lateness(self, r: Result) -> Lateness | None:
        return self.late.get(r.path)

    def final(self, r: Result) -> float:
        """The points this notebook counts for: its points less any late penalty."""
        late = self.lateness(r)
        return late.apply(self.points.of(r)) if late else self.points.of(r)

    def flags(self, r: Result) -> str:
        found = self.integrity.get(r.student)
        return found.text() if found else ""
