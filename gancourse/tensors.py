"""Image scaling and inference-mode calls: one definition of each, used by every layer above.

Images travel in two forms. Datasets, sample files and PNGs hold uint8 in 0..255; networks see
floats in [-1, 1], the range of G's tanh output:

    x = u / 127.5 - 1        (uint8 -> [-1, 1])
    u = round((x + 1) · 127.5), x clamped to [-1, 1] first   ([-1, 1] -> uint8)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

Tensor = torch.Tensor


def to_unit(images: Tensor) -> Tensor:
    """uint8 (N, C, H, W) in 0..255 -> float in [-1, 1]; float input is returned unchanged."""
    if images.dtype != torch.uint8:
        return images
    return images.float().div_(127.5).sub_(1.0)  # (N, C, H, W) in [-1, 1]


def to_uint8(images: Tensor) -> Tensor:
    """Floats in [-1, 1] (or uint8) of shape (N, C, H, W) -> uint8 in 0..255 on the CPU."""
    images = images.detach().cpu()
    if images.dtype == torch.uint8:
        return images
    return ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)  # (N, C, H, W)


@contextmanager
def eval_mode(net: nn.Module) -> Iterator[nn.Module]:
    """Put ``net`` in eval mode (BatchNorm uses its running statistics, no dropout) and restore its mode."""
    was_training = net.training
    net.eval()
    try:
        yield net
    finally:
        net.train(was_training)


@torch.no_grad()
def generate(G: nn.Module, *inputs: Tensor) -> Tensor:
    """``G(*inputs)`` in eval mode without a graph, G's mode restored afterwards."""
    with eval_mode(G):
        return G(*inputs)


def net_output(net: nn.Module, x, y: Tensor | None = None) -> Tensor:
    """``net(x)``, or ``net(x, y)`` for a class-conditional network."""
    return net(x) if y is None else net(x, y)
