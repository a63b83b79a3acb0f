"""Lesson 02's building blocks: the transposed convolution's size, up and down blocks, DCGAN's init."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..common import OK, build_module, describe, fail, kinds, run_student
from ..protocol import check, tensor

_SIZE_CASES = [  # (size, kernel, stride, padding, output_padding)
    (7, 5, 1, 2, 0),
    (7, 5, 2, 2, 1),
    (14, 5, 2, 2, 1),
    (1, 4, 1, 0, 0),
    (4, 4, 2, 1, 0),
    (16, 4, 2, 1, 0),
    (5, 3, 2, 1, 1),
    (9, 3, 3, 0, 2),
]
_ACTS = ("ReLU", "LeakyReLU", "Tanh", "Sigmoid")


def transposed_size(size: int, kernel: int, stride: int, padding: int, output_padding: int) -> int:
    """The side nn.ConvTranspose2d itself produces: the reference every size check compares with."""
    conv = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding=output_padding)
    return conv(torch.zeros(1, 1, size, size)).shape[-1]


def _sizes(cases: list[tuple]) -> Callable[..., dict]:
    """A probe: the student's size for each (size, kernel, stride, padding, output_padding) case."""

    def probe(seed: int, conv_transpose_out_size) -> dict:
        return {"sizes": [run_student("conv_transpose_out_size", conv_transpose_out_size, *c) for c in cases]}

    return probe


def _sizes_verdict(cases: list[tuple], sizes: list) -> None:
    """Fail at the first case where the student's size differs from nn.ConvTranspose2d's, naming the likely slip."""
    for (size, k, s, p, op), got in zip(cases, sizes, strict=True):
        want = transposed_size(size, k, s, p, op)
        if got != want:
            hint = "Hint: start from the ordinary convolution's size formula and solve it for the input size."
            if got == (size - 1) * s - 2 * p + k:
                hint = "Hint: you forgot output_padding, which adds rows and columns on one side."
            elif got == (size + 2 * p - k) // s + 1:
                hint = "Hint: that is the formula of an ordinary convolution; a transposed one runs it backwards."
            fail(
                f"size={size}, kernel={k}, stride={s}, padding={p}, output_padding={op}: you said {got}, "
                f"nn.ConvTranspose2d gives {want}.\n{hint}"
            )


@check(_sizes(_SIZE_CASES))
def check_conv_transpose_out_size(r: dict, seed: int) -> str:
    """fn(size, kernel, stride, padding, output_padding) matches what nn.ConvTranspose2d produces."""
    _sizes_verdict(_SIZE_CASES, r["sizes"])
    return f"{OK} conv_transpose_out_size agrees with nn.ConvTranspose2d on {len(_SIZE_CASES)} cases."


_UP_CASES = ((256, 128, 1, 7), (128, 64, 2, 7), (64, 32, 2, 14))  # (c_in, c_out, stride, size)


def _probe_up(seed: int, up_block) -> dict:
    blocks = []
    for c_in, c_out, stride, size in _UP_CASES:
        block = build_module(run_student("up_block", up_block, c_in, c_out, stride), "up_block(...)")
        out = run_student("up_block(...) forward", block, torch.randn(4, c_in, size, size))  # (4, c_in, size, size)
        blocks.append({"shape": list(out.shape) if isinstance(out, torch.Tensor) else None, "layers": describe(block)})
    return {"blocks": blocks}


@check(_probe_up)
def check_up_block(r: dict, seed: int) -> str:
    """up_block(c_in, c_out, stride) = 5x5 ConvTranspose2d (no bias) -> BatchNorm2d -> ReLU, H -> H * stride."""
    for (c_in, c_out, stride, size), got in zip(_UP_CASES, r["blocks"], strict=True):
        want = [4, c_out, size * stride, size * stride]
        if got["shape"] != want:
            fail(
                f"up_block({c_in}, {c_out}, stride={stride}) on {size}x{size} gave {got['shape']}, expected {want}.\n"
                "Hint: pick padding and output_padding so that your conv_transpose_out_size(size, 5, stride, ...) "
                "equals size * stride."
            )
        convs = [d for d in got["layers"] if d["type"] == "ConvTranspose2d"]
        if len(convs) != 1 or convs[0].get("kernel_size") != [5, 5]:
            shown = tuple(convs[0].get("kernel_size") or ()) if convs else "no ConvTranspose2d"
            fail(
                f"the block's transposed convolution has kernel {shown}.\n"
                "Hint: the TensorFlow tutorial's DCGAN up-samples with 5x5 kernels; one ConvTranspose2d per block."
            )
        order = kinds(got["layers"], "ConvTranspose2d", "BatchNorm2d", *_ACTS)
        if "BatchNorm2d" not in order:
            fail("the block has no BatchNorm2d.\nHint: DCGAN normalises after every layer of G except the output.")
        if order[:3] != ["ConvTranspose2d", "BatchNorm2d", "ReLU"]:
            fail(
                f"the block's order is {' -> '.join(order)}.\nHint: normalise the convolution's output, then apply G's "
                "non-linearity (the guideline table says which one G uses)."
            )
        if convs[0]["bias"]:
            fail(
                "the transposed convolution has a bias.\nHint: the BatchNorm after it subtracts each channel's "
                "mean, so a bias would be learnt and then cancelled."
            )
    return f"{OK} up_block: 5x5 ConvTranspose2d -> BatchNorm2d -> ReLU, H -> H * stride."


_DOWN_CASES = ((1, 64, False, 28), (64, 128, True, 14))  # (c_in, c_out, batchnorm, size)


def _probe_down(seed: int, down_block) -> dict:
    blocks = []
    for c_in, c_out, bn, size in _DOWN_CASES:
        block = build_module(run_student("down_block", down_block, c_in, c_out, bn), "down_block(...)")
        out = run_student(
            "down_block(...) forward", block.eval(), torch.randn(4, c_in, size, size)
        )  # (4, c_in, size, size)
        blocks.append({"shape": list(out.shape) if isinstance(out, torch.Tensor) else None, "layers": describe(block)})
    return {"blocks": blocks}


@check(_probe_down)
def check_down_block(r: dict, seed: int) -> str:
    """down_block(c_in, c_out, batchnorm) = 5x5 stride-2 Conv2d -> [BatchNorm2d] -> LeakyReLU(0.2) -> Dropout(0.3)."""
    for (c_in, c_out, bn, size), got in zip(_DOWN_CASES, r["blocks"], strict=True):
        want = [4, c_out, size // 2, size // 2]
        if got["shape"] != want:
            fail(
                f"down_block({c_in}, {c_out}, batchnorm={bn}) on {size}x{size} gave {got['shape']}, expected {want}.\n"
                "Hint: a stride-2 convolution halves the side when the padding keeps a 5x5 kernel centred."
            )
        layers = got["layers"]
        convs = [d for d in layers if d["type"] == "Conv2d"]
        if len(convs) != 1 or convs[0].get("kernel_size") != [5, 5] or convs[0].get("stride") != [2, 2]:
            fail(
                "the block should hold one 5x5 nn.Conv2d with stride 2.\n"
                "Hint: DCGAN's discriminator down-samples with strided convolutions, never with pooling."
            )
        if kinds(layers, "MaxPool2d", "AvgPool2d"):
            fail("the block pools.\nHint: DCGAN lets the strided convolution learn its own down-sampling.")
        order = kinds(layers, "BatchNorm2d", *_ACTS, "Dropout")
        has_bn = "BatchNorm2d" in order
        if has_bn != bn:
            fail(
                f"batchnorm={bn} but the block {'has' if has_bn else 'has no'} BatchNorm2d.\n"
                "Hint: D's first block sees the images themselves and must not normalise them away."
            )
        if convs[0]["bias"] == bn:
            fail(
                f"with batchnorm={bn} the convolution {'has a' if convs[0]['bias'] else 'has no'} bias.\n"
                "Hint: a bias is cancelled by a following BatchNorm, and needed without one."
            )
        acts = [d for d in layers if d["type"] in _ACTS]
        if len(acts) != 1 or acts[0]["type"] != "LeakyReLU" or abs(acts[0].get("negative_slope", 0) - 0.2) > 1e-9:
            fail(
                "D's non-linearity should be one LeakyReLU with slope 0.2.\n"
                "Hint: with a plain ReLU, D passes no gradient to G where a unit is negative."
            )
        drops = [d for d in layers if d["type"] == "Dropout"]
        if len(drops) != 1 or abs(drops[0].get("p", 0) - 0.3) > 1e-9 or order[-1] != "Dropout":
            fail(
                "the block should end with one Dropout(0.3), after the activation.\n"
                "Hint: the TensorFlow tutorial's D drops 30 % of its activations so it cannot memorise small data."
            )
    return f"{OK} down_block: 5x5 stride-2 Conv2d -> [BatchNorm2d] -> LeakyReLU(0.2) -> Dropout(0.3), H -> H / 2."


def _init_net(seed: int) -> nn.Sequential:
    """Every layer kind DCGAN initialises, with and without a bias (a layer before BatchNorm has none, as in lesson 02's
    networks)."""
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Conv2d(64, 128, 5),
        nn.BatchNorm2d(128),
        nn.ConvTranspose2d(128, 64, 5),
        nn.Linear(512, 256),
        nn.BatchNorm1d(256),
        nn.Conv2d(64, 128, 5, bias=False),
        nn.ConvTranspose2d(128, 64, 5, bias=False),
        nn.Linear(512, 256, bias=False),
    )
    for m in net:  # start far from the answer, so a layer the function skips is caught
        nn.init.constant_(m.weight, 0.7)
        if m.bias is not None:
            nn.init.constant_(m.bias, 0.3)
    return net


def _apply_init(net: nn.Module, init_fn) -> None:
    """``net.apply(init_fn)``, naming the one crash a missing bias causes (other errors go to :func:`run_student`)."""
    try:
        net.apply(init_fn)
    except AttributeError as e:
        if "NoneType" in str(e):
            fail(
                "the init function crashed on a layer without a bias (bias=False, as before every BatchNorm of "
                "lesson 02's networks): its bias is None.\nHint: a layer built without a bias has nothing to "
                "initialise there; your function must handle both kinds."
            )
        raise


def _probe_init(seed: int, init_fn) -> dict:
    net = _init_net(seed)
    run_student("the init function", _apply_init, net, init_fn)
    return {"layers": [{"type": type(m).__name__, "weight": m.weight, "bias": m.bias} for m in net]}


@check(_probe_init)
def check_dcgan_init(r: dict, seed: int) -> str:
    """init_fn(module) draws conv/linear weights from N(0, 0.02), BatchNorm scales from N(1, 0.02), zero biases."""
    for m, got in zip(_init_net(seed), r["layers"], strict=True):
        w = tensor(got, "weight", "a weight")
        b = torch.zeros(0) if m.bias is None and got.get("bias") is None else tensor(got, "bias", "a bias")
        name = type(m).__name__
        if w.shape != m.weight.shape or b.shape != (m.bias.shape if m.bias is not None else (0,)):
            fail(
                f"{name}'s weights changed shape.\nHint: initialise the existing parameters in place; do not "
                "replace them."
            )
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if abs(w.mean() - 1) > 0.01 or abs(w.std() - 0.02) > 0.01:
                fail(
                    f"{name}: scale mean {w.mean():.3f}, std {w.std():.3f}, expected N(1, 0.02).\n"
                    "Hint: every BatchNorm counts, 1-D and 2-D: select them by type with isinstance."
                )
        elif abs(w.mean()) > 0.005 or abs(w.std() - 0.02) > 0.003:
            fail(
                f"{name}: weight mean {w.mean():.4f}, std {w.std():.4f}, expected N(0, 0.02).\n"
                "Hint: convolutions, transposed convolutions and linear layers all start from N(0, 0.02); "
                "select them by type with isinstance."
            )
        if b.numel() and b.abs().max() > 0:
            fail(
                f"{name}: biases are not zero (max |b| = {b.abs().max():.3f}).\n"
                "Hint: DCGAN starts every bias (and every BatchNorm shift) at exactly 0."
            )
    return f"{OK} DCGAN initialisation: N(0, 0.02) weights, N(1, 0.02) BatchNorm scales, zero biases."


_TRANSPOSED = [
    (size, k, s, p, op)
    for size in (1, 4, 7)
    for k, s, p in ((3, 1, 1), (4, 2, 1), (5, 2, 2), (5, 3, 0))
    for op in range(s)
]


@check(_sizes(_TRANSPOSED))
def hidden_conv_transpose_sizes(r: dict, seed: int) -> str:
    """The formula agrees with nn.ConvTranspose2d on a grid of sizes, kernels, strides and paddings."""
    _sizes_verdict(_TRANSPOSED, r["sizes"])
    return f"{OK} hidden: transposed-convolution sizes match PyTorch."
