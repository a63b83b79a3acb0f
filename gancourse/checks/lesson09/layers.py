"""Lesson 09's StyleGAN layers: the mapping network, AdaIN and the noise input, each probed alone on the sizes of
the lesson's generator, for the properties their maths implies (AdaIN: invariance to each sample's and channel's
own scale and shift, affine in w, a plain instance norm at the start; noise: one map per sample, one scale
per channel)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..common import OK, build_module, fail, run_student, shape_of
from ..protocol import check, generator, tensor


def _deep(MappingNetwork, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return run_student("MappingNetwork(64, 64, 4)", MappingNetwork, 64, 64, 4)  # the lesson's mapping network


def _probe_mapping(seed: int, MappingNetwork) -> dict:
    torch.manual_seed(seed)
    net = build_module(run_student("MappingNetwork(8, 6, 3)", MappingNetwork, 8, 6, 3), "MappingNetwork")
    z = torch.randn(5, 8, generator=generator(seed))  # (5, 8)
    with torch.no_grad():
        out = run_student("MappingNetwork.forward", net, z)
        return {
            "out": out,
            "scaled": run_student("MappingNetwork.forward", net, 3.0 * z),
            "alone": run_student("MappingNetwork.forward", net, z[2:3]),
            "spread": run_student("MappingNetwork.forward", _deep(MappingNetwork, seed), torch.randn(256, 64)),
            "linears": [(m.in_features, m.out_features) for m in net.modules() if isinstance(m, nn.Linear)],
            "kinds": [type(m).__name__ for m in net.modules()],
        }


@check(_probe_mapping)
def check_mapping(r: dict, seed: int) -> str:
    """z -> w: n_layers Linear + LeakyReLU layers after normalising z; per sample; scale-free in z."""
    out = tensor(r, "out", "MappingNetwork's output")
    if tuple(out.shape) != (5, 6):
        fail(
            f"MappingNetwork(8, 6, 3) on z of shape (5, 8) gave {shape_of(out)}, expected (5, 6).\nHint: z_dim in, "
            "w_dim out, w_dim wide in between."
        )
    if [tuple(pair) for pair in r["linears"]] != [(8, 6), (6, 6), (6, 6)]:
        fail(
            f"MappingNetwork(8, 6, 3) has the linear layers (in, out) {r['linears']}, expected [(8, 6), (6, 6), "
            "(6, 6)].\nHint: n_layers fully connected layers, the first from z_dim, all to w_dim."
        )
    if "LeakyReLU" not in r["kinds"]:
        fail(
            "MappingNetwork has no LeakyReLU.\nHint: a stack of linear layers without a non-linearity is one linear "
            "map; StyleGAN puts LeakyReLU(0.2) after each."
        )
    if any(k.startswith("BatchNorm") for k in r["kinds"]) or not torch.allclose(out[2:3], r["alone"], atol=1e-5):
        fail(
            "a sample's w depends on the other samples of its batch.\nHint: normalise each z on its own (over its "
            "coordinates), never over the batch."
        )
    if not torch.allclose(out, r["scaled"], atol=1e-4):
        fail(
            "MappingNetwork(3 z) differs from MappingNetwork(z).\nHint: StyleGAN first scales each z to unit mean "
            "square, z / sqrt(mean(z^2) + eps), so only its direction matters."
        )
    spread = float(tensor(r, "spread", "MappingNetwork's output").std(dim=0).mean())
    if spread < 0.3:
        fail(
            f"the lesson's MappingNetwork(64, 64, 4) maps 256 random z's to w's whose spread over the batch is only "
            f"{spread:.3f} per coordinate (z's is 1): every sample would get nearly the same style.\nHint: PyTorch's "
            "default initialisation shrinks the variance at every layer; initialise the weights He-style for "
            "LeakyReLU(0.2) and the biases at 0."
        )
    return f"{OK} MappingNetwork: z normalised per sample, LeakyReLU layers that keep the spread of z."


def _adain_inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = generator(seed)
    x = torch.randn(4, 3, 7, 7, generator=g) * 2 + 1  # (4, 3, 7, 7)
    a, b = torch.rand(4, 3, 1, 1, generator=g) + 0.5, torch.randn(4, 3, 1, 1, generator=g)  # per sample and channel
    return x, a * x + b, torch.randn(4, 5, generator=g)  # x, its rescaled copy, w (4, 5)


def _probe_adain(seed: int, AdaIN) -> dict:
    torch.manual_seed(seed)
    layer = build_module(run_student("AdaIN(3, 5)", AdaIN, 3, 5), "AdaIN")
    x, rescaled, w = _adain_inputs(seed)
    other = x.clone()
    other[1:] = torch.randn(3, 3, 7, 7, generator=generator(seed + 1))  # every sample but the first changed
    with torch.no_grad():
        call = lambda xs, ws: run_student("AdaIN.forward", layer, xs, ws)  # noqa: E731
        return {
            "fresh": call(x, torch.zeros_like(w)),
            "w": call(x, w),
            "rescaled": call(rescaled, w),
            "others": call(other, w),
            "w2": call(x, 2 * w),
            "neg": call(x, -w),
        }


@check(_probe_adain)
def check_adain(r: dict, seed: int) -> str:
    """AdaIN(x, w) = y_s(w) · instance_norm(x) + y_b(w): per sample and channel, affine in w, identity style at init."""
    x, _, _ = _adain_inputs(seed)
    out = tensor(r, "w", "AdaIN's output")
    if tuple(out.shape) != tuple(x.shape):
        fail(
            f"AdaIN on x of shape {tuple(x.shape)} gave {tuple(out.shape)}.\nHint: AdaIN keeps the shape of x; the "
            "style (N, C) is broadcast over the pixels."
        )
    if not torch.allclose(out[0], tensor(r, "others", "AdaIN's output")[0], atol=1e-4):
        fail(
            "AdaIN's output for sample 0 changes when only the other samples change: it normalises over the "
            "batch.\nHint: instance normalisation takes the mean and deviation of each sample's each channel over "
            "its own pixels (H, W), as InstanceNorm2d does, never across the batch."
        )
    if not torch.allclose(out, tensor(r, "rescaled", "AdaIN's output"), atol=1e-3):
        fail(
            "AdaIN(a·x + b, w) differs from AdaIN(x, w) for a scale a and shift b per sample and channel.\nHint: "
            "normalise each sample's each channel to mean 0 and deviation 1 over its pixels before the style "
            "scales and shifts it."
        )
    fresh, want = tensor(r, "fresh", "AdaIN's output"), F.instance_norm(x)
    if not torch.allclose(fresh, want, atol=1e-3):
        fail(
            "a fresh AdaIN with w = 0 is not a plain instance normalisation.\nHint: initialise the scale's bias to "
            "1 and the shift's to 0 (StyleGAN's initialisation), and use the biased variance over H·W with a small "
            "eps, as InstanceNorm2d does."
        )
    if torch.allclose(out, fresh, atol=1e-4):
        fail(
            "AdaIN's output does not depend on w.\nHint: the style (y_s, y_b) is an affine map of w, two numbers "
            "per channel."
        )
    if not torch.allclose(r["w2"] - out, out - fresh, atol=1e-3) or not torch.allclose(
        out + r["neg"], 2 * fresh, atol=1e-3
    ):
        fail(
            "AdaIN's output is not affine in w.\nHint: y_s and y_b come from one linear layer of w (no "
            "non-linearity); the style scales and shifts the normalised x."
        )
    return f"{OK} AdaIN: per sample and channel, affine in w, a plain instance norm at the start."


def _probe_noise(seed: int, NoiseInjection) -> dict:
    torch.manual_seed(seed)
    layer = build_module(run_student("NoiseInjection(4)", NoiseInjection, 4), "NoiseInjection")
    x = torch.randn(3, 4, 5, 5, generator=generator(seed))  # (3, 4, 5, 5)
    params = [p for p in layer.parameters()]
    out = {"params": [tuple(p.shape) for p in params]}
    with torch.no_grad():
        out["start"] = run_student("NoiseInjection.forward", layer, x)
        if len(params) == 1:
            params[0].copy_(torch.arange(1.0, 1.0 + params[0].numel()).view_as(params[0]))  # scales 1, 2, 3, 4
        out["first"], out["second"] = (run_student("NoiseInjection.forward", layer, x) for _ in range(2))
    return out


@check(_probe_noise)
def check_noise(r: dict, seed: int) -> str:
    """x + s_c · n: one learned scale per channel (zeros at first), one fresh N(0, 1) map per sample and call."""
    x = torch.randn(3, 4, 5, 5, generator=generator(seed))
    if [tuple(p) for p in r["params"]] not in ([(1, 4, 1, 1)], [(4,)], [(1, 4)], [(4, 1, 1)]):
        fail(
            f"NoiseInjection(4) has the parameters {r['params']}, expected one scale per channel (4 numbers).\n"
            "Hint: each channel learns how much noise it takes; a single scale for all channels cannot."
        )
    if not torch.allclose(tensor(r, "start", "NoiseInjection's output"), x):
        fail(
            "a fresh NoiseInjection changes its input.\nHint: the scales start at zero (StyleGAN's initialisation): "
            "the network learns where noise helps."
        )
    first, second = tensor(r, "first", "NoiseInjection's output"), tensor(r, "second", "NoiseInjection's output")
    added = (first - x) / torch.arange(1.0, 5.0).view(1, 4, 1, 1)  # (3, 4, 5, 5): the noise map, channel by channel
    if not torch.allclose(added, added[:, :1].expand_as(added), atol=1e-5):
        fail(
            "the added noise, divided by each channel's scale, differs between channels.\nHint: one noise map "
            "(N, 1, H, W) per sample, broadcast over the channels and scaled per channel."
        )
    if torch.allclose(added[0], added[1]) or torch.allclose(first, second):
        fail(
            "the noise is the same for every sample, or for every call.\nHint: draw a fresh N(0, 1) map per sample "
            "at every forward pass (on x's device)."
        )
    return f"{OK} NoiseInjection: one N(0, 1) map per sample and call, one learned scale per channel, zero at first."


__all__ = ["check_mapping", "check_adain", "check_noise"]
