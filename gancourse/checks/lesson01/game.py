"""Lesson 01's smallest game, min_x max_y x·y: one simultaneous and one alternating gradient step.

The references are the update matrices (see the lesson): simultaneous (x, y) -> (x - ηy, y + ηx);
alternating x' = x - ηy, then y' = y + ηx'. Over many steps the first spirals out by sqrt(1 + η²)
per step and the second keeps x² + y² - ηxy fixed: the verdict checks one step and the orbit.
"""

from __future__ import annotations

import torch

from ..common import OK, fail, run_student
from ..protocol import check, generator, tensor

STEPS = 60  # steps of the orbit the verdict follows


def _start(seed: int) -> tuple[torch.Tensor, torch.Tensor, float]:
    g = generator(seed + 5)
    x, y = torch.randn(6, generator=g), torch.randn(6, generator=g)  # (6,) six games at once
    lr = 0.05 + 0.25 * torch.rand(1, generator=g).item()
    return x, y, lr


def _orbit(step, x: torch.Tensor, y: torch.Tensor, lr: float, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    for _ in range(STEPS):
        out = run_student(what, step, x, y, lr)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            fail(
                f"{what} should return the pair (x, y), got {type(out).__name__}.\nHint: return both players' new "
                "positions."
            )
        x, y = (torch.as_tensor(v).detach().float() for v in out)
    return x, y


def _probe(seed: int, simultaneous_step, alternating_step) -> dict:
    x, y, lr = _start(seed)
    report = {}
    for name, step in (("sim", simultaneous_step), ("alt", alternating_step)):
        x_in, y_in = x.clone(), y.clone()
        one = run_student(f"{name}_step", step, x_in, y_in, lr)
        report[name] = list(one) if isinstance(one, (tuple, list)) else one
        report[f"{name}_inputs_kept"] = bool(torch.equal(x_in, x) and torch.equal(y_in, y))
        report[f"{name}_orbit"] = list(_orbit(step, x.clone(), y.clone(), lr, f"{name}_step"))
    return report


def _reference(x, y, lr, alternating: bool):
    x_new = x - lr * y  # x descends: df/dx = y
    y_new = y + lr * (x_new if alternating else x)  # y ascends: df/dy = x, at the new x or the old one
    return x_new, y_new


def _near(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-4) -> bool:
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), rtol=tol, atol=tol)


def _same(got, want) -> bool:
    return all(_near(g, w) for g, w in zip(got, want, strict=True))


def _pair(r: dict, key: str, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    got = r[key]
    if not isinstance(got, list) or len(got) != 2:
        fail(f"{what} should return the pair (x, y).\nHint: return both players' new positions as a tuple.")
    return tensor({"v": got[0]}, "v", f"{what}'s x"), tensor({"v": got[1]}, "v", f"{what}'s y")


def _diagnose(what: str, got, x, y, lr, alternating: bool) -> None:
    want = _reference(x, y, lr, alternating)
    if _same(got, want):
        return
    other = _reference(x, y, lr, not alternating)
    if _same(got, other):
        if alternating:
            fail(
                f"{what} took y's gradient where x was before its move.\nHint: in the alternating order the "
                "second player answers the first player's new position."
            )
        fail(
            f"{what} let y see x's new position.\nHint: a simultaneous step takes both gradients at the same "
            "point, before either player moves."
        )
    flipped = (x + lr * y, y - lr * x)
    if _same(got, flipped):
        fail(
            f"{what} moves each player the wrong way.\nHint: x minimises x·y (a descent step), y maximises it "
            "(an ascent step)."
        )
    fail(
        f"{what} moved ({x[0]:.3f}, {y[0]:.3f}) with lr={lr:.3f} to ({got[0][0]:.4f}, {got[1][0]:.4f}), expected "
        f"({want[0][0]:.4f}, {want[1][0]:.4f}).\nHint: the gradients of x·y are y (for x) and x (for y); each player "
        "moves by the learning rate times its own gradient."
    )


@check(_probe)
def check_game_steps(r: dict, seed: int) -> str:
    """One step of each order against its update matrix, inputs left alone, and the orbit each order produces."""
    x, y, lr = _start(seed)
    for name, what, alternating in (("sim", "simultaneous_step", False), ("alt", "alternating_step", True)):
        _diagnose(what, _pair(r, name, what), x, y, lr, alternating)
        if not r[f"{name}_inputs_kept"]:
            fail(
                f"{what} changed the tensors it was given.\nHint: compute new positions and return them; the "
                "caller still needs the old ones (a step in place would also break the other order's comparison)."
            )
    ox, oy = _pair(r, "sim_orbit", "simultaneous_step")
    grown = (ox**2 + oy**2) / (x**2 + y**2)
    if not _near(grown, torch.full_like(grown, (1 + lr**2) ** STEPS), tol=1e-3):
        fail(
            "over many steps your simultaneous_step does not spiral out by sqrt(1 + lr^2) per step.\nHint: every "
            "step must use the same rule; keep no state between calls."
        )
    ax, ay = _pair(r, "alt_orbit", "alternating_step")
    kept = ax**2 + ay**2 - lr * ax * ay
    if not _near(kept, x**2 + y**2 - lr * x * y, tol=1e-3):
        fail(
            "over many steps your alternating_step does not keep x^2 + y^2 - lr*x*y fixed.\nHint: every step must "
            "use the same rule; keep no state between calls."
        )
    return f"{OK} both orders match their update matrices: simultaneous spirals out, alternating circles for ever."
