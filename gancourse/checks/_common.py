"""What every check shares: the success mark, failures with hints, and safe calls into student code."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

OK = "\u2705"


class _Fail(AssertionError):
    pass


def _fail(message: str) -> None:
    raise _Fail(message)


def _run(what: str, fn: Callable, *args, **kwargs):
    """Call student code; turn its exceptions into one readable AssertionError."""
    try:
        return fn(*args, **kwargs)
    except _Fail:
        raise
    except NotImplementedError:
        raise AssertionError(
            f"{what} is not written yet: replace `raise NotImplementedError()` under "
            "`# YOUR CODE HERE` with your code, run that cell, then run this check again."
        ) from None
    except Exception as e:  # any student error becomes one line, not a torch traceback
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise AssertionError(
            f"{what} raised {type(e).__name__}: {msg}\nHint: run the cell with your code on its own and read the error; "
            "shapes are the usual culprit (print x.shape after each layer)."
        ) from None


def _build(thing, what: str) -> nn.Module:
    module = _run(f"{what}()", thing) if isinstance(thing, type) else thing
    if not isinstance(module, nn.Module):
        _fail(f"{what} should be an nn.Module (a class that subclasses nn.Module), got {type(module).__name__}.")
    return module


def _last_linear(module: nn.Module, what: str) -> nn.Linear:
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    if not linears:
        _fail(f"{what} has no nn.Linear layer.\nHint: a fully connected GAN is built from nn.Linear layers.")
    return linears[-1]


def _amplified(module: nn.Module, what: str) -> nn.Module:
    """A copy whose last Linear layer is 100x larger: pushes every output to its extreme."""
    big = copy.deepcopy(module)
    with torch.no_grad():
        _last_linear(big, what).weight.mul_(100.0)
    return big


def _close(a: torch.Tensor | float, b: torch.Tensor | float, tol: float = 1e-4) -> bool:
    a, b = (v.detach() if isinstance(v, torch.Tensor) else v for v in (a, b))
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))
