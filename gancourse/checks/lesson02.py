"""Checks for lesson 02: DCGAN blocks, transposed-convolution sizes and weight initialisation."""

from __future__ import annotations

import torch
from torch import nn

from ._common import OK, _fail, _run

_SIZE_CASES = [  # (size, kernel, stride, padding, output_padding)
    (7, 5, 1, 2, 0), (7, 5, 2, 2, 1), (14, 5, 2, 2, 1), (1, 4, 1, 0, 0), (4, 4, 2, 1, 0), (16, 4, 2, 1, 0),
    (5, 3, 2, 1, 1), (9, 3, 3, 0, 2),
]


def check_conv_transpose_out_size(fn) -> None:
    """fn(size, kernel, stride, padding, output_padding) matches what nn.ConvTranspose2d produces."""
    for size, k, s, p, op in _SIZE_CASES:
        want = nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)(torch.zeros(1, 1, size, size)).shape[-1]
        got = _run("conv_transpose_out_size", fn, size, k, s, p, op)
        if got != want:
            hint = "Hint: (size - 1) * stride - 2 * padding + kernel + output_padding."
            if got == (size - 1) * s - 2 * p + k:
                hint = "Hint: you forgot output_padding, which adds rows and columns on one side."
            elif got == (size + 2 * p - k) // s + 1:
                hint = "Hint: that is the formula of an ordinary convolution; a transposed one runs it backwards."
            _fail(f"size={size}, kernel={k}, stride={s}, padding={p}, output_padding={op}: you said {got}, "
                  f"nn.ConvTranspose2d gives {want}.\n{hint}")
    print(f"{OK} conv_transpose_out_size agrees with nn.ConvTranspose2d on {len(_SIZE_CASES)} cases.")


def check_up_block(up_block) -> None:
    """up_block(c_in, c_out, stride) = ConvTranspose2d -> BatchNorm2d -> ReLU that multiplies H, W by stride."""
    for c_in, c_out, stride, size in ((256, 128, 1, 7), (128, 64, 2, 7), (64, 32, 2, 14)):
        block = _run("up_block", up_block, c_in, c_out, stride)
        if not isinstance(block, nn.Module):
            _fail("up_block should return an nn.Module.\nHint: return nn.Sequential(...).")
        out = _run("up_block(...) forward", block, torch.randn(4, c_in, size, size))
        want = (4, c_out, size * stride, size * stride)
        if tuple(out.shape) != want:
            _fail(f"up_block({c_in}, {c_out}, stride={stride}) on {size}x{size} gave {tuple(out.shape)}, expected {want}.\n"
                  "Hint: kernel 5, padding 2, output_padding = stride - 1.")
        kinds = [type(m) for m in block.modules() if isinstance(m, (nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU, nn.LeakyReLU, nn.Tanh))]
        if nn.BatchNorm2d not in kinds:
            _fail("the block has no BatchNorm2d.\nHint: DCGAN puts BatchNorm after every layer of G except the output.")
        if kinds[:3] != [nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU]:
            names = " -> ".join(k.__name__ for k in kinds)
            _fail(f"the block's order is {names}.\nHint: ConvTranspose2d -> BatchNorm2d -> ReLU "
                  "(normalise the convolution's output, then apply the non-linearity; ReLU, not LeakyReLU, in G).")
        conv = next(m for m in block.modules() if isinstance(m, nn.ConvTranspose2d))
        if conv.bias is not None:
            _fail("the transposed convolution has a bias.\nHint: use bias=False: the BatchNorm after it subtracts "
                  "the mean, so a bias would be learnt and then cancelled.")
    print(f"{OK} up_block: ConvTranspose2d -> BatchNorm2d -> ReLU, doubling H and W with stride 2.")


def check_dcgan_init(init_fn) -> None:
    """init_fn(module) draws conv/linear weights from N(0, 0.02), BatchNorm scales from N(1, 0.02), zero biases."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(64, 128, 5), nn.BatchNorm2d(128), nn.ConvTranspose2d(128, 64, 5), nn.Linear(512, 256))
    _run("the init function", lambda: net.apply(init_fn))
    for m in net:
        w = m.weight.detach()
        name = type(m).__name__
        if isinstance(m, nn.BatchNorm2d):
            if abs(w.mean() - 1) > 0.01 or abs(w.std() - 0.02) > 0.01 or m.bias.abs().max() > 0:
                _fail(f"{name}: scale mean {w.mean():.3f}, std {w.std():.3f}.\n"
                      "Hint: nn.init.normal_(m.weight, 1.0, 0.02) and nn.init.zeros_(m.bias) for BatchNorm.")
        elif abs(w.mean()) > 0.005 or abs(w.std() - 0.02) > 0.003:
            _fail(f"{name}: weight mean {w.mean():.4f}, std {w.std():.4f}, expected N(0, 0.02).\n"
                  "Hint: pick layers with isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)) and use "
                  "nn.init.normal_(m.weight, 0.0, 0.02).")
    print(f"{OK} DCGAN initialisation: N(0, 0.02) weights, N(1, 0.02) BatchNorm scales.")
