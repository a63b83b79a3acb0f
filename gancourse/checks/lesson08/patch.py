"""Lesson 08's conditional PatchGAN D(a, b) and pix2pix's generator objective. The discriminator is built from
the lesson's config as the training cell builds it; its receptive field, its patch map and whether it looks
at the input are measured. The objective is compared with values computed by hand."""

from __future__ import annotations

import math

import torch

from ...nets.pix2pix import Pix2PixConfig, conv_geometry, receptive_field
from ..common import OK, build_module, extreme_output, fail, logit_range, run_student, shape_of
from ..protocol import check, generator, tensor

_CONFIGS = {"1 level": Pix2PixConfig(width=8), "2 levels, RGB output": Pix2PixConfig(width=8, d_levels=2, channels_b=3)}


def _pair(seed: int, cfg: Pix2PixConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g, s = generator(seed), cfg.image_size
    a, a2 = (torch.rand(4, cfg.channels_a, s, s, generator=g) * 2 - 1 for _ in range(2))  # (4, C_A, S, S)
    return a, a2, torch.rand(4, cfg.channels_b, s, s, generator=g) * 2 - 1  # (4, C_B, S, S)


def _forward(D, a, b):
    try:
        return run_student("ConditionalPatchD.forward", D, a, b)
    except AssertionError as e:
        fail(
            f"{str(e).splitlines()[0]}\nHint: the first convolution takes cfg.channels_a + cfg.channels_b channels "
            "(a and b side by side), each later one the channels the previous one gave; cfg.d_levels stride-2 "
            "convolutions in all, then the two stride-1 ones."
        )


def _probe_d(seed: int, ConditionalPatchD) -> dict:
    out = {}
    for name, cfg in _CONFIGS.items():
        torch.manual_seed(seed)
        D = build_module(run_student("ConditionalPatchD(cfg)", ConditionalPatchD, cfg), "ConditionalPatchD")
        D.eval()  # one image's patches must not depend on the rest of the batch here
        a, a2, b = _pair(seed, cfg)
        with torch.no_grad():
            out[name] = {
                "out": _forward(D, a, b),
                "other_input": _forward(D, a2, b),
                "extreme": extreme_output(D.train(), "ConditionalPatchD", a, b),  # batch statistics: unit scale
                "convs": conv_geometry(D),
            }
    return out


@check(_probe_d)
def check_conditional_patch_d(r: dict, seed: int) -> str:
    """D(a, b) -> (N, 1, s, s) logits that depend on a, with the receptive field of the config's PatchGAN."""
    for name, cfg in _CONFIGS.items():
        got = r[name]
        want_convs = [(4, 2)] * cfg.d_levels + [(4, 1), (4, 1)]
        side = cfg.image_size // 2**cfg.d_levels - 2
        out = got["out"]
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (4, 1, side, side):
            fail(
                f"with cfg.d_levels = {cfg.d_levels} ({name}) D(a, b) gave {shape_of(out)}, expected (4, 1, {side}, "
                f"{side}).\nHint: a and b are concatenated on the channel axis (cfg.channels_a + cfg.channels_b "
                "input channels); each 4x4 stride-2 convolution halves the map, each 4x4 stride-1 one (padding 1) "
                "shrinks it by one."
            )
        if [tuple(c) for c in got["convs"]] != want_convs:
            rf, want = receptive_field([tuple(c) for c in got["convs"]]), receptive_field(want_convs)
            fail(
                f"with cfg.d_levels = {cfg.d_levels} your convolutions (kernel, stride) are {got['convs']} (receptive "
                f"field {rf} px), expected {want_convs} ({want} px).\nHint: cfg.d_levels 4x4 stride-2 "
                "convolutions, then two 4x4 stride-1 ones, as in the paper's 70x70 PatchGAN."
            )
        if torch.allclose(out, tensor(got, "other_input", "D(a', b)"), atol=1e-6):
            fail(
                "D(a, b) does not change when the input a changes: it judges b alone.\nHint: pix2pix's D is "
                "conditional; it must see the input beside the output to tell whether b is a translation *of* a."
            )
        logit_range(tensor(got, "extreme", "D's extreme outputs"), "ConditionalPatchD")
    return f"{OK} ConditionalPatchD: sees a beside b, one logit per patch, receptive field 16 px (1 level), 34 (2)."


def _loss_inputs(seed: int) -> dict:
    g = generator(seed)
    logits = torch.randn(3, 1, 5, 5, generator=g)  # (3, 1, 5, 5) patch logits
    fake = torch.rand(3, 1, 8, 8, generator=g) * 2 - 1
    return {"logits": logits, "fake": fake, "target": torch.rand(3, 1, 8, 8, generator=g) * 2 - 1}


def _probe_loss(seed: int, pix2pix_g_loss) -> dict:
    x = _loss_inputs(seed)
    fake = x["fake"].clone().requires_grad_(True)
    cases = {"default": {}, "lam": {"lam": 10.0}, "l1_only": {"adv": 0.0}, "cgan_only": {"lam": 0.0}}
    out = {
        k: run_student("pix2pix_g_loss", pix2pix_g_loss, x["logits"], fake, x["target"], **kw)
        for k, kw in cases.items()
    }
    zero = torch.zeros(3, 1, 5, 5)  # logits 0: D undecided, BCE(., 1) = log 2 exactly
    out["by_hand"] = run_student("pix2pix_g_loss", pix2pix_g_loss, zero, x["target"] + 0.5, x["target"])
    d = out["default"]
    if isinstance(d, torch.Tensor) and d.requires_grad:
        d.backward()
    out["grad"] = fake.grad
    return out


def _expected(x: dict, lam: float = 100.0, adv: float = 1.0) -> float:
    bce = torch.nn.functional.binary_cross_entropy_with_logits(x["logits"], torch.ones_like(x["logits"]))
    return float(adv * bce + lam * (x["fake"] - x["target"]).abs().mean())


@check(_probe_loss)
def check_pix2pix_g_loss(r: dict, seed: int) -> str:
    """adv · BCE(D(a, G(a)), 1) + lam · E|G(a) - b| with lam = 100 and adv = 1 by default."""
    x = _loss_inputs(seed)
    hand = tensor(r, "by_hand", "pix2pix_g_loss")
    if hand.numel() != 1:
        fail(
            f"pix2pix_g_loss returned shape {tuple(hand.shape)}, expected one number.\nHint: average over "
            "patches, pixels and the batch."
        )
    if abs(float(hand) - (math.log(2) + 50.0)) > 1e-4:
        fail(
            f"with every patch logit 0 and G(a) = b + 0.5 everywhere the loss is {float(hand):.4f}, expected "
            f"log 2 + 100 · 0.5 = {math.log(2) + 50:.4f}.\nHint: the adversarial term is the mean BCE of the patch "
            "logits against 'real' (1); lam multiplies only the mean absolute error between G(a) and b."
        )
    for key, kw in (("default", {}), ("lam", {"lam": 10.0}), ("l1_only", {"adv": 0.0}), ("cgan_only", {"lam": 0.0})):
        got, want = float(tensor(r, key, "pix2pix_g_loss")), _expected(x, **kw)
        if abs(got - want) > 1e-4 * max(1.0, abs(want)):
            fail(
                f"with {kw or 'the defaults'} the loss is {got:.4f}, expected {want:.4f}.\nHint: adv weighs the "
                "adversarial term and lam the L1 term, each its own; lam = 0 leaves the cGAN alone, adv = 0 the "
                "L1 alone (the paper's ablations)."
            )
    grad = r.get("grad")
    if not isinstance(grad, torch.Tensor) or grad.abs().sum() == 0:
        fail("no gradient reaches G's output through your loss.\nHint: do not detach G(a): G learns from both terms.")
    return f"{OK} pix2pix_g_loss: log 2 + 100 · L1 by hand, and both ablations weigh the right term."


__all__ = ["check_conditional_patch_d", "check_pix2pix_g_loss"]
