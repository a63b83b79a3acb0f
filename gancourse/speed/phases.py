"""Stride-2 convolutions as stride-1 ones on the four phases (polyphase decomposition): exact, no new maths.

Along one axis, with taps a in [0, k) and padding p:

    conv,  y[i] = sum_a w[a] x[2i + a - p]:      a - p = 2m + r, so y[i] = sum_r sum_m w[2m + r + p] x_r[i + m]
           with x_r[j] = x[2j + r]: the even/odd phases of x become input channels (space to depth);
    convT, y[2j + r] = sum_u w[p + r - 2u] x[j + u]: the phases of y become output channels (pixel shuffle).

So a stride-2 layer is one stride-1 cross-correlation with a rearranged kernel (``_sub_kernel``).
The stride-1 correlation is passed in (``correlate``): torch's own ``F.conv2d`` (the "phase"
algorithm, which puts a transposed convolution on the library's fast stride-1 path) or the DFT
one of ``dftconv.py``. Both return exactly what torch's stride-2 layer returns, up to float rounding.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

Tensor = torch.Tensor
Correlate = Callable[[Tensor, Tensor, tuple[int, int], "Tensor | None"], Tensor]
Fits = Callable[[Tensor, tuple[int, int], tuple[int, int]], bool]


def torch_correlate(x: Tensor, weight: Tensor, padding: tuple[int, int], bias: Tensor | None = None) -> Tensor:
    """Stride-1 cross-correlation by torch itself: x (N, C, H, W), weight (O, C, kh, kw) -> (N, O, H_out, W_out)."""
    return F.conv2d(x, weight, bias, padding=padding)


def always(x: Tensor, kernel: tuple[int, int], padding: tuple[int, int]) -> bool:
    return True


def _dense_like(y: Tensor, x: Tensor) -> Tensor:
    """``y`` (a cut of a larger output) stored densely in ``x``'s layout, as torch's own layer returns it: a
    strided cut would make every later layer copy it (and a 1-channel one reads as NHWC to oneDNN)."""
    nhwc = x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
    return y.contiguous(memory_format=torch.channels_last if nhwc else torch.contiguous_format)


def _phase_taps(k: int, p: int, transposed: bool) -> tuple[list[list[int]], int]:
    """Tap indices (2, k') of the two phases' sub-kernels, and the sub-problem's padding p'."""
    tap = (lambda r, m: p + r - 2 * m) if transposed else (lambda r, m: 2 * m + r + p)
    ms = [m for m in range(-k - p, k + p + 1) for r in (0, 1) if 0 <= tap(r, m) < k]
    lo, hi = min(ms), max(ms)
    taps = [[tap(r, m) if 0 <= tap(r, m) < k else k for m in range(lo, hi + 1)] for r in (0, 1)]
    return taps, -lo


def _sub_kernel(weight: Tensor, taps_h, taps_w) -> Tensor:
    """weight (A, B, kh, kw) -> (A, B, 2, k'h, 2, k'w): the phases' sub-kernels, zero where no tap."""
    w = F.pad(weight, (0, 1, 0, 1))  # (A, B, kh + 1, kw + 1): index k reads a zero
    ih = torch.tensor(taps_h, device=w.device)  # (2, k'h)
    iw = torch.tensor(taps_w, device=w.device)  # (2, k'w)
    return w[:, :, ih][..., iw]  # (A, B, 2, k'h, 2, k'w)


def conv_stride2(
    x: Tensor,
    weight: Tensor,
    padding: tuple[int, int],
    bias: Tensor | None,
    correlate: Correlate = torch_correlate,
    fits: Fits = always,
) -> Tensor:
    """``F.conv2d(x, weight, bias, stride=2, padding=padding)`` as one stride-1 correlation on the phases of x."""
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    h_out, w_out = (h + 2 * padding[0] - kh) // 2 + 1, (w + 2 * padding[1] - kw) // 2 + 1
    (th, ph), (tw, pw) = _phase_taps(kh, padding[0], False), _phase_taps(kw, padding[1], False)
    if h % 2 or w % 2:
        x = F.pad(x, (0, w % 2, 0, h % 2))  # (N, C, H', W') even sides; the added row/column is padding anyway
    hh, wh = x.shape[-2] // 2, x.shape[-1] // 2
    xp = x.reshape(n, c, hh, 2, wh, 2).permute(0, 3, 5, 1, 2, 4).reshape(n, 4 * c, hh, wh)  # (N, 2·2·C, H'/2, W'/2)
    sub = _sub_kernel(weight, th, tw)  # (O, C, 2, k'h, 2, k'w)
    sub = sub.permute(0, 2, 4, 1, 3, 5).reshape(o, 4 * c, len(th[0]), len(tw[0]))  # (O, 2·2·C, k'h, k'w)
    if not fits(xp, sub.shape[-2:], (ph, pw)):
        return F.conv2d(x[..., :h, :w], weight, bias, stride=2, padding=padding)
    y = correlate(xp, sub, (ph, pw), bias)  # (N, O, >= H_out, >= W_out)
    return _dense_like(y[..., :h_out, :w_out], x)  # (N, O, H_out, W_out)


def conv_transpose_stride2(
    x: Tensor,
    weight: Tensor,
    padding: tuple[int, int],
    output_padding: tuple[int, int],
    bias: Tensor | None,
    correlate: Correlate = torch_correlate,
    fits: Fits = always,
) -> Tensor:
    """``F.conv_transpose2d(x, weight, bias, stride=2, ...)`` as one stride-1 correlation and a pixel shuffle."""
    n, c, h, w = x.shape
    _, o, kh, kw = weight.shape
    h_out = (h - 1) * 2 - 2 * padding[0] + kh + output_padding[0]
    w_out = (w - 1) * 2 - 2 * padding[1] + kw + output_padding[1]
    (th, ph), (tw, pw) = _phase_taps(kh, padding[0], True), _phase_taps(kw, padding[1], True)
    sub = _sub_kernel(weight, th, tw)  # (C, O, 2, k'h, 2, k'w)
    sub = sub.permute(1, 2, 4, 0, 3, 5).reshape(4 * o, c, len(th[0]), len(tw[0]))  # (O·2·2, C, k'h, k'w)
    h1, w1 = h + 2 * ph - len(th[0]) + 1, w + 2 * pw - len(tw[0]) + 1  # each phase's output size
    if not fits(x, sub.shape[-2:], (ph, pw)) or 2 * h1 < h_out or 2 * w1 < w_out:
        return F.conv_transpose2d(x, weight, bias, stride=2, padding=padding, output_padding=output_padding)
    y = F.pixel_shuffle(correlate(x, sub, (ph, pw), None), 2)  # (N, O, 2·H1, 2·W1): phase (r, s) at (2i + r, 2j + s)
    y = _dense_like(y[..., :h_out, :w_out], x)  # (N, O, H_out, W_out)
    return y if bias is None else y + bias.view(1, o, 1, 1)
