"""Lesson 01's 2-D toy networks: sizes, affine ends, logits; other sizes (hidden)."""

from __future__ import annotations

import torch

from ..common import (
    OK,
    build_module,
    describe,
    extreme_output,
    fail,
    kinds,
    logit_range,
    run_student,
    shape_of,
    shaped_output,
)
from ..protocol import check, generator, tensor


def _affine_gap(net, a: torch.Tensor, b: torch.Tensor, what: str) -> torch.Tensor:
    """max |net((a + b) / 2) - (net(a) + net(b)) / 2|: zero for an affine map, and only then."""
    with torch.no_grad():
        outs = [run_student(f"{what}.forward", net, x) for x in (a, b, (a + b) / 2)]
    if not all(isinstance(o, torch.Tensor) for o in outs):
        return torch.tensor(float("nan"))
    return (outs[2] - (outs[0] + outs[1]) / 2).abs().max()


def _probe_toy_nets(seed: int, ToyGenerator, ToyDiscriminator) -> dict:
    torch.manual_seed(seed)
    G, D = build_module(ToyGenerator, "ToyGenerator").eval(), build_module(ToyDiscriminator, "ToyDiscriminator").eval()
    z_dim = int(getattr(G, "z_dim", 2))
    g = generator(seed)
    z = torch.randn(3, 16, z_dim, generator=g) * 2  # three batches (16, z_dim)
    x = torch.randn(3, 16, 2, generator=g) * 2  # three batches of points (16, 2)
    out_g, out_d = run_student("ToyGenerator.forward", G, z[0]), run_student("ToyDiscriminator.forward", D, x[0])
    report = {"z_dim": z_dim, "out_g": out_g, "out_d": out_d, "layers_d": describe(D)}
    if isinstance(out_g, torch.Tensor) and out_g.shape == (16, 2):
        report["extreme_g"] = extreme_output(G, "ToyGenerator", z[0])
        report["affine_g"] = _affine_gap(G, z[1], z[2], "ToyGenerator")
    if isinstance(out_d, torch.Tensor) and out_d.shape == (16,):
        report["extreme_d"] = extreme_output(D, "ToyDiscriminator", x[0])
        report["affine_d"] = _affine_gap(D, x[1], x[2], "ToyDiscriminator")
    return report


@check(_probe_toy_nets)
def check_toy_nets(r: dict, seed: int) -> str:
    """G: (N, z_dim) -> (N, 2) unbounded and nonlinear; D: (N, 2) -> (N,) logits, nonlinear, with LeakyReLU."""
    z_dim = int(r["z_dim"])
    shaped_output(
        r["out_g"],
        "ToyGenerator",
        (16, z_dim),
        (16, 2),
        "a point has two coordinates: the last nn.Linear has 2 outputs.",
    )
    extreme = tensor(r, "extreme_g", "ToyGenerator's output")
    if extreme.min() >= 0.0:
        fail(
            "ToyGenerator's points never have a negative coordinate: it ends with a ReLU or sigmoid.\n"
            "Hint: the ring surrounds the origin; end with the plain nn.Linear, no activation after it."
        )
    if extreme.abs().max() <= 2.5:
        fail(
            f"ToyGenerator's points never get further than {float(extreme.abs().max()):.1f} from the origin, whatever "
            "its weights: its output is squashed (tanh?).\nHint: the ring's points lie at radius 2, outside tanh's "
            "(-1, 1); end with the plain nn.Linear."
        )
    if not float(tensor(r, "affine_g", "ToyGenerator's output")) > 1e-5:
        fail(
            "ToyGenerator is an affine map of z: an affine map of Gaussian noise is one Gaussian, never 8 modes.\n"
            "Hint: a composition of linear layers is linear: G needs a nonlinearity between its hidden layers."
        )
    shaped_output(
        r["out_d"], "ToyDiscriminator", (16, 2), (16,), "one logit per point: drop the size-1 dimension at the end."
    )
    logit_range(tensor(r, "extreme_d", "ToyDiscriminator's output"), "ToyDiscriminator")
    if not float(tensor(r, "affine_d", "ToyDiscriminator's output")) > 1e-5:
        fail(
            "ToyDiscriminator is affine: it can only split the plane with one straight line.\n"
            "Hint: a composition of linear layers is linear: D needs a nonlinearity between its hidden layers."
        )
    if "LeakyReLU" not in kinds(r["layers_d"]):
        fail(
            "ToyDiscriminator has no LeakyReLU.\n"
            "Hint: G learns through D's input gradient; a unit that is zero for every negative input passes none there."
        )
    return f"{OK} ToyGenerator: (N, {z_dim}) -> (N, 2) points; ToyDiscriminator: (N, 2) -> (N,) logits. Well done!"


def _probe_toy_sizes(seed: int, ToyGenerator, ToyDiscriminator) -> dict:
    torch.manual_seed(seed)
    G = run_student("ToyGenerator(z_dim=5, hidden=16)", ToyGenerator, z_dim=5, hidden=16)
    D = run_student("ToyDiscriminator(hidden=16)", ToyDiscriminator, hidden=16)
    z, x = torch.randn(4, 5, generator=generator(seed)), torch.randn(4, 2, generator=generator(seed + 1))
    widths = [[m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)] for net in (G, D)]
    return {
        "g": run_student("ToyGenerator.forward", G, z),
        "d": run_student("ToyDiscriminator.forward", D, x),
        "widths": widths,
    }


@check(_probe_toy_sizes)
def hidden_toy_sizes(r: dict, seed: int) -> str:
    """The toy networks follow their arguments: 5-d noise and 16 hidden units."""
    if shape_of(r["g"]) != (4, 2) or shape_of(r["d"]) != (4,):
        fail(
            f"with z_dim=5 and hidden=16, G gave {shape_of(r['g'])} for (4, 5) noise (want (4, 2)) and D gave "
            f"{shape_of(r['d'])} for (4, 2) points (want (4,)).\nHint: build the layers from z_dim and hidden, not "
            "fixed sizes."
        )
    g_widths, d_widths = r["widths"]
    if not g_widths or not d_widths or set(g_widths[:-1] + d_widths[:-1]) != {16}:
        fail(
            f"with hidden=16 the hidden layers have {g_widths[:-1]} (G) and {d_widths[:-1]} (D) units.\n"
            "Hint: every hidden nn.Linear has `hidden` outputs."
        )
    return f"{OK} hidden: the toy networks follow z_dim and hidden."
