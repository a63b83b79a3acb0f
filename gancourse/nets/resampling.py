"""Resampling folded into a 3x3 convolution: the same function as BigGAN's blocks, 2.25x fewer multiply-adds.

Both rewrites are exact (equal up to float rounding, in values and gradients) and keep the layer's
3x3 weight, so spectral norm, ``state_dict`` and checkpoints are unchanged. Along one axis, for a
3-tap correlation with padding 1, c[o] = w0 r[o - 1] + w1 r[o] + w2 r[o + 1]:

* **nearest 2x upsampling, then the convolution** (G's up-blocks). The upsampled map is u[q] = x[q // 2],
  so output o reads input j through the taps with (o + a - 1) // 2 = j. With d = o - 2j:

      d = -1: w2,   d = 0: w1 + w2,   d = 1: w0 + w1,   d = 2: w0,

  which is a stride-2 transposed convolution (padding 1) with the 4-tap kernel ``UP @ w``; in 2-D the
  kernel is ``UP w UPᵀ`` per channel pair. 16 taps per input pixel instead of 9 per each of 4 outputs.

* **the convolution, then 2x2 average pooling** (D's down-blocks). y[i] = (c[2i] + c[2i + 1]) / 2 reads
  r[2i - 1 .. 2i + 2] through

      w0 / 2,   (w0 + w1) / 2,   (w1 + w2) / 2,   w2 / 2,

  a stride-2 convolution (padding 1) with the kernel ``DOWN @ w / 2``; in 2-D ``DOWN w DOWNᵀ / 4``.
  The bias passes through both unchanged (the averaged copies of a constant are that constant).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

UP = ((0.0, 0.0, 1.0), (0.0, 1.0, 1.0), (1.0, 1.0, 0.0), (1.0, 0.0, 0.0))  # (4, 3): taps of d = -1, 0, 1, 2
DOWN = ((1.0, 0.0, 0.0), (1.0, 1.0, 0.0), (0.0, 1.0, 1.0), (0.0, 0.0, 1.0))  # (4, 3): taps of r[2i - 1 .. 2i + 2]


def _merge(weight: torch.Tensor, rows: tuple) -> torch.Tensor:
    """weight (O, C, 3, 3) -> A weight Aᵀ (O, C, 4, 4) with A = ``rows`` (4, 3)."""
    if weight.shape[-2:] != (3, 3):
        raise ValueError(f"resampling folds into 3x3 convolutions only, got a {tuple(weight.shape[-2:])} kernel")
    a = torch.tensor(rows, dtype=weight.dtype, device=weight.device)  # (4, 3)
    return a @ weight @ a.T  # (O, C, 4, 4)


def _check_foldable(conv: nn.Conv2d) -> None:
    if conv.stride != (1, 1) or conv.padding != (1, 1) or conv.dilation != (1, 1) or conv.groups != 1:
        raise ValueError("resampling folds into a stride-1, padding-1, ungrouped 3x3 convolution")


def upsample_conv3x3(x: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
    """``conv(F.interpolate(x, scale_factor=2))`` without the upsampled map: (N, C, H, W) -> (N, O, 2H, 2W)."""
    _check_foldable(conv)
    kernel = _merge(conv.weight, UP).transpose(0, 1)  # (C, O, 4, 4): transposed convolutions take (in, out, ...)
    return F.conv_transpose2d(x, kernel, conv.bias, stride=2, padding=1)  # (N, O, 2H, 2W)


def conv3x3_avgpool(x: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
    """``F.avg_pool2d(conv(x), 2)`` as one stride-2 convolution: (N, C, H, W) -> (N, O, H/2, W/2), H and W even."""
    _check_foldable(conv)
    if x.shape[-2] % 2 or x.shape[-1] % 2:
        raise ValueError(f"2x2 pooling folds into the convolution on even sides only, got {tuple(x.shape[-2:])}")
    kernel = _merge(conv.weight, DOWN) / 4  # (O, C, 4, 4)
    return F.conv2d(x, kernel, conv.bias, stride=2, padding=1)  # (N, O, H/2, W/2)
