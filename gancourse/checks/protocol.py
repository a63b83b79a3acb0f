"""A check in two halves: a *probe* that runs the student's code, and a *verdict* that judges values.

    report = probe(seed, *student_objects)   # runs where the student's code lives; returns plain values
    line   = verdict(report, seed)           # decides; raises AssertionError with a hint, or returns one line

In a notebook both halves run in the student's own kernel (``checks.check_d_loss(d_loss)``): that
is feedback, and a student who patches it only fools themselves. The grader runs the probe in the
student's sandboxed process and the verdict in its own: the only thing it accepts from the
student's process is the report, values it recomputes its expectations against (tensors,
numbers, strings, lists, dicts), on inputs drawn from a seed the student's code never chose.
A probe may fail early (its message travels back), but a pass is always the verdict's decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .common import CheckFailed

CHECKS: dict[str, Check] = {}
NOTEBOOK_SEED = 0  # notebooks repeat the same inputs; the grader draws a fresh seed per run


def values(x, depth: int = 0):
    """``x`` as plain values: detached CPU tensors, numbers, strings, lists and dicts; anything else its type name."""
    if depth > 6:
        return "<too deep>"
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu").clone()
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    if isinstance(x, (list, tuple)):
        return [values(v, depth + 1) for v in x]
    if isinstance(x, dict):
        return {k if isinstance(k, (str, int)) else str(k): values(v, depth + 1) for k, v in x.items()}
    return f"<{type(x).__name__}>"


@dataclass(frozen=True)
class Check:
    """One check: ``check(*student_objects)`` in a notebook; ``ask`` and ``judge`` apart for the grader."""

    probe: Callable[..., dict]
    verdict: Callable[..., str]
    consts: int = 0  # how many leading arguments are constants (a lesson number), given to the verdict too

    @property
    def __name__(self) -> str:  # noqa: A003 - reads like the function it replaces
        return self.verdict.__name__

    def ask(self, seed: int, *objects) -> dict:
        """Run the probe on the student's objects; a failure in their code becomes ``{"failed": message}``."""
        try:
            report = self.probe(seed, *objects)
        except AssertionError as e:
            return {"failed": str(e)}
        except BaseException as e:  # noqa: BLE001 - student code may raise anything, even SystemExit
            return {"failed": f"{self.__name__} stopped: {type(e).__name__}: {e}".splitlines()[0]}
        return values(report)

    def judge(self, report, seed: int, *consts) -> str:
        """The verdict on a report: the success line, or ``AssertionError`` with a hint."""
        if not isinstance(report, dict):
            raise CheckFailed(
                "no answer came back from your code.\nHint: run every exercise cell, then check again."
            ) from None
        if "failed" in report:
            raise CheckFailed(str(report["failed"])) from None
        try:
            return self.verdict(report, seed, *consts)
        except AssertionError:
            raise
        except Exception as e:  # a report of the wrong form: values the verdict cannot use
            raise CheckFailed(
                f"your code's answer has an unexpected form ({type(e).__name__}: {e}".splitlines()[0]
                + ").\nHint: return what the exercise asks for (a tensor, a dict, a module)."
            ) from None

    def __call__(self, *args) -> None:
        report = self.ask(NOTEBOOK_SEED, *args)
        print(self.judge(report, NOTEBOOK_SEED, *args[: self.consts]))


def check(probe: Callable[..., dict], consts: int = 0) -> Callable[[Callable[..., str]], Check]:
    """Decorate a verdict ``check_x(report, seed, *consts) -> str`` with its probe; registers it by name."""

    def register(verdict: Callable[..., str]) -> Check:
        made = Check(probe, verdict, consts)
        CHECKS[verdict.__name__] = made
        return made

    return register


def generator(seed: int) -> torch.Generator:
    """A private random stream, so probes and verdicts draw the same inputs without touching the global seed."""
    return torch.Generator().manual_seed(int(seed))


def tensor(report: dict, key: str, what: str) -> torch.Tensor:
    """``report[key]`` if it is a tensor; otherwise fail saying what came back instead."""
    return as_tensor(report.get(key), what)


def as_tensor(got, what: str) -> torch.Tensor:
    """``got`` if it is a tensor (floats as float32); otherwise fail saying what came back instead."""
    if not isinstance(got, torch.Tensor):
        shown = (
            "nothing" if got is None else (got if isinstance(got, str) and got.startswith("<") else type(got).__name__)
        )
        raise CheckFailed(
            f"{what} should be a tensor, got {shown}.\nHint: return a torch tensor (no .item(), no .tolist())."
        )
    return got.float() if got.is_floating_point() else got
