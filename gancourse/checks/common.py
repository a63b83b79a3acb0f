"""What every check shares: the success mark, failures with hints, and safe calls into student code."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

OK = "\u2705"


class CheckFailed(AssertionError):
    pass


def fail(message: str) -> None:
    raise CheckFailed(message) from None


def run_student(what: str, fn: Callable, *args, **kwargs):
    """Call student code; turn its exceptions into one readable AssertionError."""
    try:
        return fn(*args, **kwargs)
    except CheckFailed:
        raise
    except NotImplementedError:
        raise AssertionError(
            f"{what} is not written yet: replace `raise NotImplementedError()` under "
            "`# YOUR CODE HERE` with your code, run that cell, then run this check again."
        ) from None
    except Exception as e:  # any student error becomes one line, not a torch traceback
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise AssertionError(
            f"{what} raised {type(e).__name__}: {msg}\nHint: run the cell with your code on its own and read the "
            "error; "
            "shapes are the usual culprit (print x.shape after each layer)."
        ) from None


def build_module(thing, what: str) -> nn.Module:
    module = run_student(f"{what}()", thing) if isinstance(thing, type) else thing
    if not isinstance(module, nn.Module):
        fail(f"{what} should be an nn.Module (a class that subclasses nn.Module), got {type(module).__name__}.")
    return module


_WEIGHTED = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def last_layer(module: nn.Module, what: str) -> nn.Module:
    layers = [m for m in module.modules() if isinstance(m, _WEIGHTED)]
    if not layers:
        fail(f"{what} has no nn.Linear or convolution layer.\nHint: the networks are built from layers with weights.")
    return layers[-1]


def amplified(module: nn.Module, what: str, factor: float = 100.0) -> nn.Module:
    """A copy whose last weighted layer is ``factor`` times larger: pushes every output to its extreme."""
    big = copy.deepcopy(module)
    with torch.no_grad():
        last_layer(big, what).weight.mul_(factor)
    return big


def extreme_output(net: nn.Module, what: str, *inputs) -> torch.Tensor:
    """Probe: ``net``'s outputs once its last weighted layer is 100x and -100x larger (both extremes, whatever the
    sign the random weights happen to give every input)."""
    with torch.no_grad():
        outs = [run_student(f"{what}.forward", amplified(net, what, f), *inputs) for f in (100.0, -100.0)]
    return torch.cat([o.flatten() for o in outs]) if all(isinstance(o, torch.Tensor) for o in outs) else outs[0]


def output_range(extreme: torch.Tensor, what: str) -> None:
    """Verdict: fail unless G's extreme outputs reach both signs of [-1, 1] and never leave it (a tanh output)."""
    if extreme.min() >= 0.0:
        fail(
            f"{what}'s outputs are never negative (they stay in [0, {float(extreme.max()):.1f}]): it ends in a sigmoid "
            "or ReLU, while the real images are scaled to [-1, 1].\n"
            "Hint: the output activation must cover the data's range, negative values included."
        )
    if extreme.abs().max() > 1.0 + 1e-5:
        fail(
            f"{what}'s output can leave [-1, 1] (values up to {extreme.abs().max():.1f} once the last layer's "
            "weights grow).\nHint: real images are scaled to [-1, 1]; squash the output into that range."
        )


def own_sample(pair, what: str) -> None:
    """Verdict: in eval mode, sample 2 of a batch must equal the same input run alone (no reshape mixes samples)."""
    full, one = pair if isinstance(pair, list) and len(pair) == 2 else (None, None)
    if (
        not (isinstance(full, torch.Tensor) and isinstance(one, torch.Tensor))
        or one.shape != full[2:3].shape
        or not torch.allclose(full[2:3], one, atol=1e-5)
    ):
        fail(
            f"in eval mode, output 2 of a batch from {what} differs from the same input run alone: a reshape mixes "
            "numbers of different samples.\nHint: the batch dimension stays first and keeps its size in every "
            "reshape; only the dimensions after it are regrouped."
        )


def logit_range(extreme: torch.Tensor, what: str) -> None:
    """Verdict: fail when D's output is bounded (sigmoid, tanh) or never negative (ReLU): losses want raw logits."""
    if extreme.min() >= 0.0 and extreme.max() <= 1.0:
        fail(
            f"{what}'s outputs stay inside [0, 1]: it ends with a sigmoid.\n"
            "Hint: return the raw logit. Our losses use binary_cross_entropy_with_logits, which applies "
            "the sigmoid itself; a sigmoid before it squashes twice and the gradients vanish."
        )
    if extreme.min() >= 0.0:
        fail(
            f"{what}'s outputs are never negative: it ends with a ReLU.\n"
            "Hint: a logit must be free to go below 0 (that is how D says 'fake'); end with the linear layer."
        )
    if extreme.abs().max() <= 1.0 + 1e-5:
        fail(
            f"{what}'s outputs never leave [-1, 1]: it ends with a tanh.\n"
            "Hint: return the unbounded logit of the last linear layer; a bounded one caps how sure D can be."
        )


_KINDS = (
    nn.Linear,
    nn.Conv2d,
    nn.ConvTranspose2d,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.ReLU,
    nn.LeakyReLU,
    nn.Tanh,
    nn.Sigmoid,
    nn.Dropout,
    nn.MaxPool2d,
    nn.AvgPool2d,
    nn.Upsample,
    nn.Embedding,
)
_ATTRS = ("kernel_size", "stride", "negative_slope", "p", "affine", "eps")


def describe(module: nn.Module) -> list[dict]:
    """Probe: every submodule in order as ``{"type": ..., "bias": ..., <its settings>}`` (plain values)."""
    out = []
    for m in module.modules():
        kind = next((k.__name__ for k in _KINDS if isinstance(m, k)), type(m).__name__)
        d = {"type": kind, "bias": getattr(m, "bias", None) is not None}
        for a in _ATTRS:
            v = getattr(m, a, None)
            if isinstance(v, (bool, int, float)) or isinstance(v, tuple) and all(isinstance(i, int) for i in v):
                d[a] = list(v) if isinstance(v, tuple) else v
        out.append(d)
    return out


def kinds(layers: list[dict], *names: str) -> list[str]:
    """Verdict: the layer types of a :func:`describe` report, in order, keeping only ``names`` (all if none)."""
    return [d["type"] for d in layers if not names or d["type"] in names]


def shape_of(x) -> tuple | str:
    return tuple(x.shape) if isinstance(x, torch.Tensor) else (x if isinstance(x, str) else type(x).__name__)


def shaped_output(out, what: str, x_shape: tuple, want: tuple[int, ...], hint: str) -> torch.Tensor:
    """Verdict: fail with ``hint`` unless ``out`` is a tensor of shape ``want``."""
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != want:
        fail(f"{what} on an input of shape {x_shape} gave {shape_of(out)}, expected {want}.\nHint: {hint}")
    return out


def show_values(t: torch.Tensor) -> str:
    """A student's result for a message: its value if it is one number, else its shape."""
    return f"{float(t):.4f}" if t.numel() == 1 else f"a tensor of shape {tuple(t.shape)}"


def elsewhere(fn: Callable, *args) -> str:
    """Probe: call student code on inputs that live on PyTorch's ``meta`` device, as they would on a GPU: 'ok', or
    the error it raised (a tensor made without ``device=`` lands on the CPU and cannot meet them)."""
    try:
        fn(*args)
        return "ok"
    except Exception as e:  # noqa: BLE001 - student code; only a device mix-up is judged, by same_device
        return f"{type(e).__name__}: {str(e).strip()[:200]}"


def same_device(result: str, where: str, what: str, made: str, owner: str) -> None:
    """Verdict on :func:`elsewhere`: fail unless the student's code ran with its inputs on another device."""
    if result != "ok":
        fail(
            f"with {where} on another device (here 'meta', on Colab 'cuda') {what} failed: {result}\n"
            f"Hint: a new tensor lives on the CPU unless told otherwise: create {made} on the device of {owner}."
        )


def close_enough(a: torch.Tensor | float, b: torch.Tensor | float, tol: float = 1e-4) -> bool:
    a, b = (v.detach() if isinstance(v, torch.Tensor) else v for v in (a, b))
    return abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b)))


def parameters_of(m: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in m.parameters()]


def same_values(a, b: list[torch.Tensor], tol: float = 1e-5) -> bool:
    return (
        isinstance(a, list)
        and len(a) == len(b)
        and all(
            isinstance(x, torch.Tensor) and x.shape == y.shape and torch.allclose(x, y, atol=tol, rtol=1e-4)
            for x, y in zip(a, b, strict=True)
        )
    )


STEP_TOLERANCE = 1e-3  # of the largest parameter change: the two processes round differently, a wrong step is far off


def step_mismatch(after, before: list[torch.Tensor], reference: list[torch.Tensor]) -> tuple[float, float]:
    """(largest difference between the student's update and the reference update, largest reference update).

    Comparing the *updates* (after - before), relative to the step's own size, keeps the verdict independent of
    the rounding that differs between the student's process and the grader's (threads, kernels, BatchNorm
    amplifying the last bits), while a missing zero_grad or a second step is off by a whole step.
    """
    if not isinstance(after, list) or len(after) != len(before):
        return float("inf"), 0.0
    worst, size = 0.0, 0.0
    for a, b, r in zip(after, before, reference, strict=True):
        if not isinstance(a, torch.Tensor) or a.shape != b.shape:
            return float("inf"), 0.0
        worst = max(worst, float(((a - b) - (r - b)).abs().max()))
        size = max(size, float((r - b).abs().max()))
    return worst, size


def same_step(
    after, before: list[torch.Tensor], reference: list[torch.Tensor], what: str, seed: int, hint: str
) -> None:
    """Verdict: the parameters moved as one clean reference step moves them (see :func:`step_mismatch`)."""
    worst, size = step_mismatch(after, before, reference)
    if worst > STEP_TOLERANCE * max(size, 1e-12):
        fail(
            f"{what}'s update differs from one clean gradient step (seed {seed}: largest difference {worst:.2e} "
            f"for a step of {size:.2e}).\nHint: {hint}"
        )


def garbage_grads(m: nn.Module) -> None:
    """Stale gradients, as a previous step would leave them: a missing zero_grad adds them in."""
    for p in m.parameters():
        p.grad = torch.full_like(p, 3.0)


def attached_logs(out) -> list[str]:
    """Probe: the keys of a step's returned dict whose tensors still carry a graph."""
    if not isinstance(out, dict):
        return []
    return sorted(str(k) for k, v in out.items() if isinstance(v, torch.Tensor) and v.requires_grad)


def detached_logs(what: str, attached: list[str]) -> None:
    """Verdict: a training step's logs must be detached (the trainer keeps them for several steps)."""
    if attached:
        fail(
            f"{what} returned {', '.join(attached)} still attached to the graph.\nHint: the trainer keeps what a step "
            "returns for several steps before it reads them; a value that carries its graph keeps every activation of "
            "its step in memory until then. Return detached values."
        )
