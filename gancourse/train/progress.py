"""The trainer's progress bar: steps done, or seconds spent of a time budget; the latest losses beside it."""

from __future__ import annotations

import time


class ProgressBar:
    """A tqdm bar (a widget in Jupyter, text in a terminal) that the trainer moves.

    Without a budget it counts steps; with ``budget_s`` (a :class:`~.callbacks.TimeBudget`) it shows
    elapsed seconds out of the budget, since the step count at which the budget ends is unknown.
    """

    def __init__(self, steps: int, budget_s: float | None = None, enabled: bool = True):
        from tqdm.auto import tqdm

        self.budget_s, self.start = budget_s, time.perf_counter()
        if budget_s:
            self.bar = tqdm(
                total=round(budget_s),
                unit="s",
                desc="training (time budget)",
                disable=not enabled,
                leave=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total} s [{elapsed}{postfix}]",
            )
        else:
            self.bar = tqdm(total=steps, desc="training", disable=not enabled, leave=True)

    def advance(self) -> None:
        """One step done."""
        if not self.budget_s:
            self.bar.update(1)

    def show(self, step: int, values: dict[str, float]) -> None:
        """At a log row: the losses, and for a budget the seconds spent so far."""
        postfix = {k: f"{v:.3f}" for k, v in values.items()}
        if self.budget_s:
            self.bar.n = min(self.bar.total, round(time.perf_counter() - self.start))
            postfix = {"step": step, **postfix}
        self.bar.set_postfix(postfix, refresh=True)

    def close(self) -> None:
        self.bar.close()
