"""Lesson 08's U-Net forward pass (the skips) and the receptive field of a stack of convolutions, compared with
the library on the networks the lesson builds (3 levels at 32 px) and on a deeper U-Net (4 levels at 64 px)."""

from __future__ import annotations

import torch

from ...nets.pix2pix import Pix2PixConfig, receptive_field, unet_generator
from ...nets.translation import unet_route
from ..common import OK, fail, run_student
from ..protocol import check, generator, tensor

_UNETS = {"32 px, 3 levels": Pix2PixConfig(width=4), "64 px, 4 levels": Pix2PixConfig(64, width=2, g_levels=4)}
SKIP_HINT = (
    "images are (N, C, H, W): decoder and encoder features go side by side on the channel axis, and each "
    "decoder level takes the encoder's output of its own spatial size; the deepest encoder output (the "
    "bottleneck) is the decoder's input, not a skip."
)


def _net_and_input(seed: int, name: str, route=None):
    cfg = _UNETS[name]
    torch.manual_seed(seed)
    G = unet_generator(cfg, route)  # the lesson's U-Net, with the student's forward pass
    x = torch.rand(3, 1, cfg.image_size, cfg.image_size, generator=generator(seed)) * 2 - 1  # (3, 1, S, S)
    return G, x


def _probe_route(seed: int, unet_route) -> dict:
    out = {}
    for name in _UNETS:
        G, x = _net_and_input(seed, name, unet_route)
        try:
            out[name] = run_student("unet_route", G, x)
        except AssertionError as e:
            fail(f"{str(e).splitlines()[0]}\nHint: {SKIP_HINT}")
    return out


def _swapped_route(down, up, x):
    """The U-Net with each skip put *before* the decoder's features: an equally valid choice of order."""
    skips = []
    for block in down:
        x = block(x)
        skips.append(x)
    skips.pop()
    for j, block in enumerate(up):
        x = block(torch.cat([skips.pop(), x], dim=1) if j > 0 else x)
    return x


@check(_probe_route)
def check_unet_route(r: dict, seed: int) -> str:
    """U-Net forward with skips: the library's output (either concatenation order) on 3- and 4-level U-Nets."""
    for name, cfg in _UNETS.items():
        got = tensor(r, name, "unet_route's output")
        want_shape = (3, 1, cfg.image_size, cfg.image_size)
        if tuple(got.shape) != want_shape:
            fail(f"on the {name} U-Net unet_route gave {tuple(got.shape)}, expected {want_shape}.\nHint: {SKIP_HINT}")
        G, x = _net_and_input(seed, name)
        with torch.no_grad():
            wants = [unet_route(G.down, G.up, x), _swapped_route(G.down, G.up, x)]
        if not any(torch.allclose(got, w, atol=1e-5) for w in wants):
            fail(
                f"on the {name} U-Net the output has the right shape but not the right values.\nHint: every encoder "
                "level runs once, in order, and every decoder level once, in order; each skip is the encoder "
                "output whose size the decoder has just reached (last in, first out)."
            )
    return f"{OK} unet_route: skips at every level, for 3 levels at 32 px and 4 at 64 px."


_STACKS = [
    [(4, 2), (4, 2), (4, 2), (4, 1), (4, 1)],
    [(4, 2), (4, 1), (4, 1)],
    [(3, 1)],
    [(3, 1), (3, 1)],
    [(2, 2), (2, 2)],
    [(7, 1), (3, 2), (3, 2)],
]


def _random_stack(seed: int) -> list[tuple[int, int]]:
    g = generator(seed)
    n = int(torch.randint(2, 6, (1,), generator=g))
    draw = lambda low, high: int(torch.randint(low, high, (1,), generator=g))  # noqa: E731
    return [(draw(1, 8), draw(1, 4)) for _ in range(n)]


def _probe_rf(seed: int, receptive_field) -> dict:
    return {"got": [run_student("receptive_field", receptive_field, list(s)) for s in [*_STACKS, _random_stack(seed)]]}


@check(_probe_rf)
def check_receptive_field(r: dict, seed: int) -> str:
    """The receptive field r of a conv stack: r <- (r - 1)·s + k from the output back, e.g. 70 for the paper's D."""
    for stack, got in zip([*_STACKS, _random_stack(seed)], r["got"], strict=True):
        want = receptive_field(stack)
        if not isinstance(got, (int, float)) or isinstance(got, bool) or got != want:
            fail(
                f"for the convolutions (kernel, stride) {stack} you get {got}, expected {want}.\nHint: walk back from "
                "one output pixel: a layer with kernel k and stride s turns a window of r of its outputs into "
                "(r - 1)·s + k of its inputs, so the later layers' windows are widened by every earlier stride."
            )
    return f"{OK} receptive_field: 70 px for the paper's PatchGAN, and right on {len(r['got']) - 1} other stacks."


__all__ = ["check_unet_route", "check_receptive_field"]
