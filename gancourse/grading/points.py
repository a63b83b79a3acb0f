"""Points per check for the grade tables: one point each unless the instructor weighs them (``--points``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .notebook import Result


@dataclass(frozen=True)
class Points:
    """``weights[name]`` points for each check of a lesson; a passed check earns its weight, a failed one 0."""

    weights: dict[str, float]

    @classmethod
    def for_checks(cls, names: Iterable[str], given: dict[str, float] | None = None) -> Points:
        """Weight 1 for every check, overridden by ``given``; an unknown name or a negative weight is refused."""
        names = list(names)
        given = dict(given or {})
        unknown = sorted(set(given) - set(names))
        if unknown:
            raise ValueError(
                f"no check named {', '.join(map(repr, unknown))} in this lesson: choose from {', '.join(names)}"
            )
        bad = [n for n, w in given.items() if not (math.isfinite(w) and w >= 0)]
        if bad:
            raise ValueError(f"points must be a finite number, 0 or more: got {given[bad[0]]} for {bad[0]!r}")
        return cls({n: float(given.get(n, 1.0)) for n in names})

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    def earned(self, r: Result, name: str) -> float:
        return self.weights[name] if r.checks.get(name, (False,))[0] else 0.0

    def of(self, r: Result) -> float:
        return sum(self.earned(r, n) for n in self.weights)

    def text(self, r: Result) -> str:
        """``"7/9"``, or ``"7.5/10"`` with fractional weights."""
        return f"{self.of(r):g}/{self.total:g}"


def parse_points(items: Iterable[str]) -> dict[str, float]:
    """``["up_block=2", "dcgan_init=3,quiz=0.5"]`` -> ``{"up_block": 2.0, "dcgan_init": 3.0, "quiz": 0.5}``."""
    out: dict[str, float] = {}
    for item in items:
        for pair in filter(None, (p.strip() for p in item.split(","))):
            name, sep, value = pair.rpartition("=")
            try:
                out[name.strip()] = float(value)
            except ValueError:
                raise ValueError(f"{pair!r} is not NAME=POINTS (e.g. up_block=2)") from None
            if not sep or not name.strip():
                raise ValueError(f"{pair!r} is not NAME=POINTS (e.g. up_block=2)")
    return out
