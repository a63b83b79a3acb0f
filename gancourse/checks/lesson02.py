"""Checks for lesson 02: transposed-convolution sizes, G's and D's blocks, DCGAN initialisation, the whole DCGAN."""

from __future__ import annotations

import torch
from torch import nn

from ._common import OK, _build, _fail, _logit_range, _output_range, _run, _shaped

_SIZE_CASES = [  # (size, kernel, stride, padding, output_padding)
    (7, 5, 1, 2, 0), (7, 5, 2, 2, 1), (14, 5, 2, 2, 1), (1, 4, 1, 0, 0), (4, 4, 2, 1, 0), (16, 4, 2, 1, 0),
    (5, 3, 2, 1, 1), (9, 3, 3, 0, 2),
]
_ACTS = (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid)


def check_conv_transpose_out_size(fn) -> None:
    """fn(size, kernel, stride, padding, output_padding) matches what nn.ConvTranspose2d produces."""
    for size, k, s, p, op in _SIZE_CASES:
        want = nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)(torch.zeros(1, 1, size, size)).shape[-1]
        got = _run("conv_transpose_out_size", fn, size, k, s, p, op)
        if got != want:
            hint = "Hint: start from the ordinary convolution's size formula and solve it for the input size."
            if got == (size - 1) * s - 2 * p + k:
                hint = "Hint: you forgot output_padding, which adds rows and columns on one side."
            elif got == (size + 2 * p - k) // s + 1:
                hint = "Hint: that is the formula of an ordinary convolution; a transposed one runs it backwards."
            _fail(f"size={size}, kernel={k}, stride={s}, padding={p}, output_padding={op}: you said {got}, "
                  f"nn.ConvTranspose2d gives {want}.\n{hint}")
    print(f"{OK} conv_transpose_out_size agrees with nn.ConvTranspose2d on {len(_SIZE_CASES)} cases.")


def _layer_kinds(block: nn.Module, kinds: tuple) -> list[type]:
    return [type(m) for m in block.modules() if isinstance(m, kinds)]


def check_up_block(up_block) -> None:
    """up_block(c_in, c_out, stride) = 5x5 ConvTranspose2d (no bias) -> BatchNorm2d -> ReLU, H -> H * stride."""
    for c_in, c_out, stride, size in ((256, 128, 1, 7), (128, 64, 2, 7), (64, 32, 2, 14)):
        block = _build(_run("up_block", up_block, c_in, c_out, stride), "up_block(...)")
        out = _run("up_block(...) forward", block, torch.randn(4, c_in, size, size))
        want = (4, c_out, size * stride, size * stride)
        if tuple(out.shape) != want:
            _fail(f"up_block({c_in}, {c_out}, stride={stride}) on {size}x{size} gave {tuple(out.shape)}, expected {want}.\n"
                  "Hint: pick padding and output_padding so that your conv_transpose_out_size(size, 5, stride, ...) "
                  "equals size * stride.")
        convs = [m for m in block.modules() if isinstance(m, nn.ConvTranspose2d)]
        if len(convs) != 1 or convs[0].kernel_size != (5, 5):
            got = convs[0].kernel_size if convs else "no ConvTranspose2d"
            _fail(f"the block's transposed convolution has kernel {got}.\n"
                  "Hint: the TensorFlow tutorial's DCGAN up-samples with 5x5 kernels; one ConvTranspose2d per block.")
        kinds = _layer_kinds(block, (nn.ConvTranspose2d, nn.BatchNorm2d, *_ACTS))
        if nn.BatchNorm2d not in kinds:
            _fail("the block has no BatchNorm2d.\nHint: DCGAN normalises after every layer of G except the output.")
        if kinds[:3] != [nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU]:
            names = " -> ".join(k.__name__ for k in kinds)
            _fail(f"the block's order is {names}.\nHint: normalise the convolution's output, then apply G's "
                  "non-linearity (the guideline table says which one G uses).")
        if convs[0].bias is not None:
            _fail("the transposed convolution has a bias.\nHint: the BatchNorm after it subtracts each channel's "
                  "mean, so a bias would be learnt and then cancelled.")
    print(f"{OK} up_block: 5x5 ConvTranspose2d -> BatchNorm2d -> ReLU, H -> H * stride.")


def check_down_block(down_block) -> None:
    """down_block(c_in, c_out, batchnorm) = 5x5 stride-2 Conv2d -> [BatchNorm2d] -> LeakyReLU(0.2) -> Dropout(0.3)."""
    for c_in, c_out, bn, size in ((1, 64, False, 28), (64, 128, True, 14)):
        block = _build(_run("down_block", down_block, c_in, c_out, bn), "down_block(...)")
        out = _run("down_block(...) forward", block.eval(), torch.randn(4, c_in, size, size))
        want = (4, c_out, size // 2, size // 2)
        if tuple(out.shape) != want:
            _fail(f"down_block({c_in}, {c_out}, batchnorm={bn}) on {size}x{size} gave {tuple(out.shape)}, expected {want}.\n"
                  "Hint: a stride-2 convolution halves the side when the padding keeps a 5x5 kernel centred.")
        convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
        if len(convs) != 1 or convs[0].kernel_size != (5, 5) or convs[0].stride != (2, 2):
            _fail("the block should hold one 5x5 nn.Conv2d with stride 2.\n"
                  "Hint: DCGAN's discriminator down-samples with strided convolutions, never with pooling.")
        if any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in block.modules()):
            _fail("the block pools.\nHint: DCGAN lets the strided convolution learn its own down-sampling.")
        kinds = _layer_kinds(block, (nn.BatchNorm2d, *_ACTS, nn.Dropout))
        has_bn = nn.BatchNorm2d in kinds
        if has_bn != bn:
            _fail(f"batchnorm={bn} but the block {'has' if has_bn else 'has no'} BatchNorm2d.\n"
                  "Hint: D's first block sees the images themselves and must not normalise them away.")
        if (convs[0].bias is None) != bn:
            _fail(f"with batchnorm={bn} the convolution {'has no' if convs[0].bias is None else 'has a'} bias.\n"
                  "Hint: a bias is cancelled by a following BatchNorm, and needed without one.")
        acts = [m for m in block.modules() if isinstance(m, _ACTS)]
        if len(acts) != 1 or not isinstance(acts[0], nn.LeakyReLU) or abs(acts[0].negative_slope - 0.2) > 1e-9:
            _fail("D's non-linearity should be one LeakyReLU with slope 0.2.\n"
                  "Hint: with a plain ReLU, D passes no gradient to G where a unit is negative.")
        drops = [m for m in block.modules() if isinstance(m, nn.Dropout)]
        if len(drops) != 1 or abs(drops[0].p - 0.3) > 1e-9 or kinds[-1] is not nn.Dropout:
            _fail("the block should end with one Dropout(0.3), after the activation.\n"
                  "Hint: the TensorFlow tutorial's D drops 30 % of its activations so it cannot memorise small data.")
    print(f"{OK} down_block: 5x5 stride-2 Conv2d -> [BatchNorm2d] -> LeakyReLU(0.2) -> Dropout(0.3), H -> H / 2.")


def check_dcgan_init(init_fn) -> None:
    """init_fn(module) draws conv/linear weights from N(0, 0.02), BatchNorm scales from N(1, 0.02), zero biases."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(64, 128, 5), nn.BatchNorm2d(128), nn.ConvTranspose2d(128, 64, 5), nn.Linear(512, 256),
                        nn.BatchNorm1d(256))
    for m in net:  # start far from the answer, so a layer the function skips is caught
        nn.init.constant_(m.weight, 0.7)
        nn.init.constant_(m.bias, 0.3)
    _run("the init function", lambda: net.apply(init_fn))
    for m in net:
        w, b = m.weight.detach(), m.bias.detach()
        name = type(m).__name__
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            if abs(w.mean() - 1) > 0.01 or abs(w.std() - 0.02) > 0.01:
                _fail(f"{name}: scale mean {w.mean():.3f}, std {w.std():.3f}, expected N(1, 0.02).\n"
                      "Hint: every BatchNorm counts, 1-D and 2-D: select them by type with isinstance.")
        elif abs(w.mean()) > 0.005 or abs(w.std() - 0.02) > 0.003:
            _fail(f"{name}: weight mean {w.mean():.4f}, std {w.std():.4f}, expected N(0, 0.02).\n"
                  "Hint: convolutions, transposed convolutions and linear layers all start from N(0, 0.02); "
                  "select them by type with isinstance.")
        if b.abs().max() > 0:
            _fail(f"{name}: biases are not zero (max |b| = {b.abs().max():.3f}).\n"
                  "Hint: DCGAN starts every bias (and every BatchNorm shift) at exactly 0.")
    print(f"{OK} DCGAN initialisation: N(0, 0.02) weights, N(1, 0.02) BatchNorm scales, zero biases.")


def check_dcgan_generator(Generator, z_dim: int = 100) -> None:
    """G: (N, z_dim) -> (N, 1, 28, 28) in [-1, 1]: dense projection, transposed convolutions, BN except at the output."""
    torch.manual_seed(0)
    G = _build(Generator, "Generator")
    z = torch.randn(8, z_dim)
    _shaped(G, "Generator", z, (8, 1, 28, 28),
            "follow the target shapes in the table; the shape trace shows where it goes wrong.")
    ups = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    if len(ups) < 2 or any(isinstance(m, (nn.Upsample, nn.MaxPool2d, nn.AvgPool2d)) for m in G.modules()):
        _fail("G should grow the image with learnt transposed convolutions (7 -> 14 -> 28).\n"
              "Hint: the guideline table's first row: no fixed up-sampling, no pooling.")
    if any(isinstance(m, nn.LeakyReLU) for m in G.modules()) or not any(isinstance(m, nn.ReLU) for m in G.modules()):
        _fail("G's hidden non-linearity should be ReLU.\nHint: read the guideline table: LeakyReLU belongs to D.")
    if not any(isinstance(m, nn.BatchNorm1d) for m in G.modules()):
        _fail("G's dense projection is not normalised.\nHint: BatchNorm goes after every layer of G but the output, "
              "the dense one included (BatchNorm1d on (N, features)).")
    kinds = _layer_kinds(G, (nn.ConvTranspose2d, nn.BatchNorm2d, nn.Tanh))
    if len(kinds) >= 2 and kinds[-2:] == [nn.BatchNorm2d, nn.Tanh] or kinds[-1] is nn.BatchNorm2d:
        _fail("G normalises its output layer.\nHint: BatchNorm on G's output would fix the images' mean and spread.")
    _output_range(G, "Generator", z)
    print(f"{OK} Generator: (N, {z_dim}) -> dense 7x7x256 -> transposed convolutions -> (N, 1, 28, 28) in [-1, 1].")


def check_dcgan_discriminator(Discriminator) -> None:
    """D: (N, 1, 28, 28) -> (N,) logits with strided convolutions, LeakyReLU, no BN on the input layer."""
    torch.manual_seed(0)
    D = _build(Discriminator, "Discriminator")
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    _shaped(D, "Discriminator", x, (8,),
            "flatten the last feature map, map it to one number, and drop the size-1 dimension.")
    convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    if len(convs) < 2 or any(c.stride != (2, 2) for c in convs):
        _fail("D should shrink the image with stride-2 convolutions (28 -> 14 -> 7).\n"
              "Hint: build D from your down_block, which halves the side.")
    if any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in D.modules()):
        _fail("D pools.\nHint: DCGAN lets strided convolutions learn the down-sampling.")
    first = _layer_kinds(D, (nn.Conv2d, nn.BatchNorm2d))[:2]
    if first == [nn.Conv2d, nn.BatchNorm2d]:
        _fail("D normalises its first layer.\nHint: BatchNorm on D's input layer would hide the images' statistics "
              "from D (the guideline table says where BatchNorm must not go).")
    if not any(isinstance(m, nn.LeakyReLU) for m in D.modules()) or any(type(m) is nn.ReLU for m in D.modules()):
        _fail("D's non-linearity should be LeakyReLU(0.2) throughout.\n"
              "Hint: a plain ReLU passes no gradient back to G where a unit is negative.")
    _logit_range(D.eval(), "Discriminator", x)
    print(f"{OK} Discriminator: (N, 1, 28, 28) -> strided convolutions -> (N,) logits.")
