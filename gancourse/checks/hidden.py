"""Hidden checks: the grader runs them after a student's code; the lesson notebooks do not show them.

Each probes the same exercise as a public check from another side (other shapes, other
arguments, batch independence), so work that merely satisfies the visible check's numbers
is still caught. ``HIDDEN[lesson]`` lists ``(name, check, argument names)``. Probe and verdict:
see :mod:`.protocol`.
"""

from __future__ import annotations

import torch

from ._common import OK, _build, _close, _fail, _own_sample, _run, _shape
from .lesson02 import transposed_size
from .lesson06 import _Linear, _Quadratic
from .network_probes import per_sample
from .protocol import check, generator, tensor


def _probe_per_sample(seed: int, Generator) -> dict:
    torch.manual_seed(seed)
    G = _build(Generator, "Generator")
    z = torch.randn(5, int(getattr(G, "z_dim", 100)), generator=generator(seed))  # (5, z_dim)
    return {"pair": per_sample(G, z)}


@check(_probe_per_sample)
def hidden_generator_per_sample(r: dict, seed: int) -> str:
    """In eval mode, G(z)[i] must not depend on the other rows of the batch (no mixing by reshapes)."""
    _own_sample(r["pair"], "the Generator")
    return f"{OK} hidden: G treats every sample on its own."


def _mean_inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = generator(seed + 11)
    return torch.randn(3, generator=g) * 2, torch.randn(3, generator=g) * 2


def _probe_mean(seed: int, d_loss) -> dict:
    real, fake = _mean_inputs(seed)
    return {"once": _run("d_loss", d_loss, real, fake), "twice": _run("d_loss", d_loss, real.repeat(2), fake.repeat(2))}


@check(_probe_mean)
def hidden_d_loss_is_a_mean(r: dict, seed: int) -> str:
    """Repeating the batch must not change the loss: a mean over samples, not a sum."""
    once, twice = tensor(r, "once", "d_loss's result"), tensor(r, "twice", "d_loss's result")
    if once.numel() != 1 or twice.numel() != 1 or not _close(once, twice):
        _fail("the D loss grows with the batch size.\nHint: average over the batch (BCE's default reduction='mean').")
    return f"{OK} hidden: the D loss is a mean over the batch."


_TRANSPOSED = [
    (size, k, s, p, op)
    for size in (1, 4, 7)
    for k, s, p in ((3, 1, 1), (4, 2, 1), (5, 2, 2), (5, 3, 0))
    for op in range(s)
]


def _probe_sizes(seed: int, conv_transpose_out_size) -> dict:
    return {"sizes": [_run("conv_transpose_out_size", conv_transpose_out_size, *case) for case in _TRANSPOSED]}


@check(_probe_sizes)
def hidden_conv_transpose_sizes(r: dict, seed: int) -> str:
    """The formula agrees with nn.ConvTranspose2d on a grid of sizes, kernels, strides and paddings."""
    for (size, kernel, stride, padding, out_pad), got in zip(_TRANSPOSED, r["sizes"], strict=True):
        want = transposed_size(size, kernel, stride, padding, out_pad)
        if got != want:
            _fail(
                f"size {size}, kernel {kernel}, stride {stride}, padding {padding}, output_padding {out_pad}: "
                f"you gave {got}, PyTorch gives {want}.\nHint: run the ordinary convolution's size formula backwards; "
                "output_padding adds rows and columns on one side."
            )
    return f"{OK} hidden: transposed-convolution sizes match PyTorch."


def _probe_label_input(seed: int, label_input) -> dict:
    z, y = torch.randn(1, 3, generator=generator(seed)), torch.tensor([2])
    return {"out": _run("label_input", label_input, z, y, 4)}


@check(_probe_label_input)
def hidden_label_input_other_sizes(r: dict, seed: int) -> str:
    """label_input works for any number of classes and a batch of one."""
    z = torch.randn(1, 3, generator=generator(seed))
    want = torch.cat([z, torch.tensor([[0.0, 0.0, 1.0, 0.0]])], dim=1)  # (1, 7)
    out = r["out"]
    if not isinstance(out, torch.Tensor) or out.shape != want.shape or not torch.allclose(out.float(), want):
        _fail(
            f"label_input(z, y, n_classes=4) for one sample gave {_shape(out)}; it should be [z, one_hot(y, 4)] of "
            "shape (1, 7).\nHint: use the n_classes argument, not a fixed 10."
        )
    return f"{OK} hidden: label input for any number of classes."


def _cycle_images(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = generator(seed + 2)
    return torch.rand(2, 3, 4, 4, generator=g) * 2 - 1, torch.rand(2, 3, 4, 4, generator=g) * 2 - 1


def _probe_cycle(seed: int, cycle_loss) -> dict:
    return {"value": _run("cycle_loss", cycle_loss, *_cycle_images(seed), lam=0.5)}


@check(_probe_cycle)
def hidden_cycle_loss_images(r: dict, seed: int) -> str:
    """The cycle loss on image batches (N, C, H, W) with another lambda."""
    x, x_rec = _cycle_images(seed)
    got = tensor(r, "value", "cycle_loss's result")
    if got.numel() != 1 or not _close(got, 0.5 * (x_rec - x).abs().mean()):
        _fail(
            "on (2, 3, 4, 4) images with lam=0.5 the loss is wrong.\n"
            "Hint: the mean absolute error over every pixel of every channel, weighted by lam."
        )
    return f"{OK} hidden: cycle loss on image batches."


def _probe_margins(seed: int, d_hinge, g_hinge) -> dict:
    return {
        "zero": _run("d_hinge", d_hinge, torch.tensor([1.0, 3.0]), torch.tensor([-1.0, -2.5])),
        "g": _run("g_hinge", g_hinge, torch.tensor([-3.0, 5.0])),
    }


@check(_probe_margins)
def hidden_hinge_margins(r: dict, seed: int) -> str:
    """No D loss once real logits are >= 1 and fake logits <= -1; G's loss is linear in the fake logits."""
    zero, g = tensor(r, "zero", "d_hinge's result"), tensor(r, "g", "g_hinge's result")
    if zero.numel() != 1 or not _close(zero, 0.0):
        _fail(
            "D's hinge loss should be 0 when every real logit is >= 1 and every fake logit <= -1.\n"
            "Hint: each term stops pushing once its logit is past the margin (real >= 1, fake <= -1)."
        )
    if g.numel() != 1 or not _close(g, -1.0):
        _fail(
            "G's hinge loss for fake logits (-3, 5) should be -1.\n"
            "Hint: G's loss keeps pushing D's scores of its fakes up: no margin, no clipping."
        )
    return f"{OK} hidden: hinge margins."


def _probe_toy_sizes(seed: int, ToyGenerator, ToyDiscriminator) -> dict:
    torch.manual_seed(seed)
    G = _run("ToyGenerator(z_dim=5, hidden=16)", ToyGenerator, z_dim=5, hidden=16)
    D = _run("ToyDiscriminator(hidden=16)", ToyDiscriminator, hidden=16)
    z, x = torch.randn(4, 5, generator=generator(seed)), torch.randn(4, 2, generator=generator(seed + 1))
    widths = [[m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)] for net in (G, D)]
    return {"g": _run("ToyGenerator.forward", G, z), "d": _run("ToyDiscriminator.forward", D, x), "widths": widths}


@check(_probe_toy_sizes)
def hidden_toy_sizes(r: dict, seed: int) -> str:
    """The toy networks follow their arguments: 5-d noise and 16 hidden units."""
    if _shape(r["g"]) != (4, 2) or _shape(r["d"]) != (4,):
        _fail(
            f"with z_dim=5 and hidden=16, G gave {_shape(r['g'])} for (4, 5) noise (want (4, 2)) and D gave "
            f"{_shape(r['d'])} for (4, 2) points (want (4,)).\nHint: build the layers from z_dim and hidden, not "
            "fixed sizes."
        )
    g_widths, d_widths = r["widths"]
    if not g_widths or not d_widths or set(g_widths[:-1] + d_widths[:-1]) != {16}:
        _fail(
            f"with hidden=16 the hidden layers have {g_widths[:-1]} (G) and {d_widths[:-1]} (D) units.\n"
            "Hint: every hidden nn.Linear has `hidden` outputs."
        )
    return f"{OK} hidden: the toy networks follow z_dim and hidden."


def _probe_gp_vectors(seed: int, gradient_penalty) -> dict:
    g = generator(seed)
    real, fake = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    quad = _run("gradient_penalty", gradient_penalty, _Quadratic(), real, real.clone(), weight=1.0)
    linear = _Linear(torch.tensor([0.0, 2.0, 0.0]))  # |w| = 2
    return {"linear": _run("gradient_penalty", gradient_penalty, linear, real, fake, weight=1.0), "quad": quad}


@check(_probe_gp_vectors)
def hidden_gp_vectors(r: dict, seed: int) -> str:
    """The penalty on (N, 3) vectors with weight=1: eps broadcasts over any shape, the weight is used, norms per "
    "sample."""
    real = torch.randn(4, 3, generator=generator(seed))
    want_quad = float(((real.norm(dim=1) - 1) ** 2).mean())
    if _shape(r["linear"]) not in ((), (1,)) or not _close(r["linear"], 1.0):
        _fail(
            f"on (4, 3) vectors with a linear critic of slope 2 and weight=1 the penalty should be (2 - 1)^2 = 1, got "
            f"{_shape(r['linear']) if _shape(r['linear']) not in ((), (1,)) else round(float(r['linear']), 4)}."
            "\nHint: shape eps as (N,) followed by ones for every other dimension of real, and use the weight argument."
        )
    if _shape(r["quad"]) not in ((), (1,)) or not _close(r["quad"], want_quad):
        _fail(
            "on (4, 3) vectors the penalty does not take one gradient norm per sample.\n"
            "Hint: flatten each sample's gradient and take its norm over dim=1."
        )
    return f"{OK} hidden: the penalty on vectors of any shape, with its weight."


HIDDEN = {  # lesson -> [(name in the grade table, check name, the student's objects it takes)]
    "01": [
        ("hidden: toy sizes", "hidden_toy_sizes", ("ToyGenerator", "ToyDiscriminator")),
        ("hidden: G per sample", "hidden_generator_per_sample", ("Generator",)),
        ("hidden: D loss is a mean", "hidden_d_loss_is_a_mean", ("d_loss",)),
    ],
    "02": [("hidden: transposed sizes", "hidden_conv_transpose_sizes", ("conv_transpose_out_size",))],
    "03": [("hidden: label input sizes", "hidden_label_input_other_sizes", ("label_input",))],
    "04": [("hidden: cycle loss on images", "hidden_cycle_loss_images", ("cycle_loss",))],
    "05": [("hidden: hinge margins", "hidden_hinge_margins", ("d_hinge", "g_hinge"))],
    "06": [("hidden: penalty on vectors", "hidden_gp_vectors", ("gradient_penalty",))],
}
