"""Checks for lesson 01's 2-D toy: the tiny generator and discriminator on the plane.

The classic mistakes: G squashed by a final tanh (the ring lies at radius 2, outside (-1, 1)),
G or D without a nonlinearity between their layers (an affine G turns Gaussian noise into one
Gaussian, never 8 modes; an affine D can only draw a straight border), D returning a probability
or a (N, 1) column instead of (N,) logits.
"""

from __future__ import annotations

import torch

from ._common import OK, _build, _extreme, _fail, _logit_range, _run, _shaped, describe, kinds
from .protocol import check, generator, tensor


def _affine_gap(net, a: torch.Tensor, b: torch.Tensor, what: str) -> torch.Tensor:
    """max |net((a + b) / 2) - (net(a) + net(b)) / 2|: zero for an affine map, and only then."""
    with torch.no_grad():
        outs = [_run(f"{what}.forward", net, x) for x in (a, b, (a + b) / 2)]
    if not all(isinstance(o, torch.Tensor) for o in outs):
        return torch.tensor(float("nan"))
    return (outs[2] - (outs[0] + outs[1]) / 2).abs().max()


def _probe_toy_nets(seed: int, ToyGenerator, ToyDiscriminator) -> dict:
    torch.manual_seed(seed)
    G, D = _build(ToyGenerator, "ToyGenerator").eval(), _build(ToyDiscriminator, "ToyDiscriminator").eval()
    z_dim = int(getattr(G, "z_dim", 2))
    g = generator(seed)
    z = torch.randn(3, 16, z_dim, generator=g) * 2  # three batches (16, z_dim)
    x = torch.randn(3, 16, 2, generator=g) * 2  # three batches of points (16, 2)
    out_g, out_d = _run("ToyGenerator.forward", G, z[0]), _run("ToyDiscriminator.forward", D, x[0])
    report = {"z_dim": z_dim, "out_g": out_g, "out_d": out_d, "layers_d": describe(D)}
    if isinstance(out_g, torch.Tensor) and out_g.shape == (16, 2):
        report["extreme_g"] = _extreme(G, "ToyGenerator", z[0])
        report["affine_g"] = _affine_gap(G, z[1], z[2], "ToyGenerator")
    if isinstance(out_d, torch.Tensor) and out_d.shape == (16,):
        report["extreme_d"] = _extreme(D, "ToyDiscriminator", x[0])
        report["affine_d"] = _affine_gap(D, x[1], x[2], "ToyDiscriminator")
    return report


@check(_probe_toy_nets)
def check_toy_nets(r: dict, seed: int) -> str:
    """G: (N, z_dim) -> (N, 2) unbounded and nonlinear; D: (N, 2) -> (N,) logits, nonlinear, with LeakyReLU."""
    z_dim = int(r["z_dim"])
    _shaped(
        r["out_g"],
        "ToyGenerator",
        (16, z_dim),
        (16, 2),
        "a point has two coordinates: the last nn.Linear has 2 outputs.",
    )
    extreme = tensor(r, "extreme_g", "ToyGenerator's output")
    if extreme.min() >= 0.0:
        _fail(
            "ToyGenerator's points never have a negative coordinate: it ends with a ReLU or sigmoid.\n"
            "Hint: the ring surrounds the origin; end with the plain nn.Linear, no activation after it."
        )
    if extreme.abs().max() <= 2.5:
        _fail(
            f"ToyGenerator's points never get further than {float(extreme.abs().max()):.1f} from the origin, whatever "
            "its weights: its output is squashed (tanh?).\nHint: the ring's points lie at radius 2, outside tanh's "
            "(-1, 1); end with the plain nn.Linear."
        )
    if not float(tensor(r, "affine_g", "ToyGenerator's output")) > 1e-5:
        _fail(
            "ToyGenerator is an affine map of z: an affine map of Gaussian noise is one Gaussian, never 8 modes.\n"
            "Hint: a composition of linear layers is linear: G needs a nonlinearity between its hidden layers."
        )
    _shaped(
        r["out_d"], "ToyDiscriminator", (16, 2), (16,), "one logit per point: drop the size-1 dimension at the end."
    )
    _logit_range(tensor(r, "extreme_d", "ToyDiscriminator's output"), "ToyDiscriminator")
    if not float(tensor(r, "affine_d", "ToyDiscriminator's output")) > 1e-5:
        _fail(
            "ToyDiscriminator is affine: it can only split the plane with one straight line.\n"
            "Hint: a composition of linear layers is linear: D needs a nonlinearity between its hidden layers."
        )
    if "LeakyReLU" not in kinds(r["layers_d"]):
        _fail(
            "ToyDiscriminator has no LeakyReLU.\n"
            "Hint: G learns through D's input gradient; a unit that is zero for every negative input passes none there."
        )
    return f"{OK} ToyGenerator: (N, {z_dim}) -> (N, 2) points; ToyDiscriminator: (N, 2) -> (N,) logits. Well done!"
