"""Convolutions computed in the discrete Fourier domain: the same layers, fewer multiplications.

A speed option of the trainer (``TrainConfig.dft_conv``, ``gancourse train --dft-conv``); off by
default. It changes how a layer computes, never what it computes: the modules below are
``nn.Conv2d`` / ``nn.ConvTranspose2d`` subclasses with the same parameters and the same
``state_dict``, so checkpoints load into the plain networks. cuDNN and oneDNN pick FFT or
Winograd algorithms the same way; this module does it for the small feature maps of the course's
networks, where the CPU libraries only offer the direct algorithm.

The maths, for a stride-1 cross-correlation with kernel k and zero padding p on an H x W map
(``nn.Conv2d``)::

    y[n,o,i,j] = sum_c sum_{a,b} w[o,c,a,b] x[n,c,i+a-p,j+b-p]        (x = 0 outside the map)

Put x in an L_h x L_w buffer with L = H + p (per axis) and the kernel, shifted by -p, in another.
Every index i + a - p then lies in [-p, H + p - 1]; the ones outside [0, H) wrap onto the zero
tail [H, L), so the circular correlation equals y on its first H_out = H + 2p - k + 1 entries.
The correlation theorem turns it into one product per frequency f:

    Y[n,o,f] = sum_c X[n,c,f] conj(K[o,c,f])        X = DFT(x), K = DFT(shifted kernel)

that is, one complex (N x C) @ (C x O) matrix product per frequency, done as three real ones
(Gauss's trick: (a + ib)(c + id) = ac - bd + i((a + b)(c + d) - ac - bd)). The DFTs of these small
maps are dense real matrices (``_transforms``), so the whole layer is six matrix products;
autograd differentiates them exactly. For the DCGAN generator's 5x5 layer on 7x7 maps this is
45 frequencies x 3 real products instead of 49 positions x 25 taps: 9x fewer multiplications.

A transposed convolution with stride 1 and padding p is the cross-correlation with the kernel
transposed (in/out) and flipped, and padding k - 1 - p. Stride 2 splits into four stride-1
problems (``_phase_taps``). Other strides, dilation, groups, maps larger than ``MAX_SIDE`` and
layers with few channels keep torch's own algorithm.
"""

from __future__ import annotations

from functools import cache, lru_cache

import torch
import torch.nn.functional as F
from torch import nn

Tensor = torch.Tensor

MAX_SIDE = 16  # the dense DFT matrices cost O((H·W)²): beyond this torch's direct algorithm wins


@lru_cache(maxsize=64)
def _transforms(h: int, w: int, kh: int, kw: int, ph: int, pw: int, device: str, dtype: torch.dtype):
    """Real matrices of the three DFTs of a (h, w) map with a (kh, kw) kernel and padding (ph, pw).

    Returns ``t_in`` (2F, h·w), ``t_k`` (2F, kh·kw) and ``t_out`` (h_out·w_out, 2F), F frequencies,
    rows [0, F) real parts and [F, 2F) imaginary parts: ``t_out @ (t_in x ⊙* t_k k)`` is the
    cross-correlation. Built once per shape in float64 from ``torch.fft`` on unit vectors.
    """
    lh, lw = h + ph, w + pw  # (L_h, L_w): the smallest buffer with no wrap-around in the kept outputs
    h_out, w_out = h + 2 * ph - kh + 1, w + 2 * pw - kw + 1

    def as_rows(z: Tensor) -> Tensor:  # (B, L_h, L_w//2+1) complex -> (2F, B) real
        z = z.reshape(z.shape[0], -1)  # (B, F)
        return torch.cat([z.real, z.imag], 1).t()  # (2F, B)

    eye_in = torch.eye(h * w, dtype=torch.float64).reshape(-1, h, w)  # (h·w, h, w) unit maps
    t_in = as_rows(torch.fft.rfft2(eye_in, s=(lh, lw)))  # (2F, h·w)
    eye_k = torch.eye(kh * kw, dtype=torch.float64).reshape(-1, kh, kw)  # (kh·kw, kh, kw) unit kernels
    shifted = torch.roll(F.pad(eye_k, (0, lw - kw, 0, lh - kh)), shifts=(-ph, -pw), dims=(1, 2))  # (kh·kw, L_h, L_w)
    t_k = as_rows(torch.fft.rfft2(shifted).conj())  # (2F, kh·kw): conj turns convolution into correlation
    n_freq = t_in.shape[0] // 2
    eye_f = torch.eye(2 * n_freq, dtype=torch.float64)  # (2F, 2F) unit spectra, real then imaginary parts
    spectra = torch.complex(eye_f[:, :n_freq], eye_f[:, n_freq:]).reshape(-1, lh, lw // 2 + 1)  # (2F, L_h, L_w//2+1)
    t_out = torch.fft.irfft2(spectra, s=(lh, lw))[:, :h_out, :w_out].reshape(2 * n_freq, -1).t()  # (h_out·w_out, 2F)
    return tuple(t.to(device=device, dtype=dtype).contiguous() for t in (t_in, t_k, t_out))


def dft_correlate(x: Tensor, weight: Tensor, padding: tuple[int, int], bias: Tensor | None = None) -> Tensor:
    """``F.conv2d(x, weight, bias, padding=padding)`` (stride 1) computed in the DFT domain.

    x (N, C, H, W), weight (O, C, kh, kw) -> (N, O, H_out, W_out); needs padding < kernel.
    Under autocast it computes in fp32 (the transforms would lose too much in bf16).
    """
    if torch.is_autocast_enabled(x.device.type):  # the transforms stay in fp32: bf16 would round every stage
        with torch.autocast(x.device.type, enabled=False):
            return dft_correlate(x.float(), weight.float(), padding, None if bias is None else bias.float())
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    dtype = torch.promote_types(x.dtype, weight.dtype)
    t_in, t_k, t_out = _transforms(h, w, kh, kw, *padding, str(x.device), dtype)
    nf = t_in.shape[0] // 2
    xs = t_in @ x.reshape(n * c, h * w).to(dtype).t()  # (2F, N·C) spectra of every map
    ks = t_k @ weight.reshape(o * c, kh * kw).to(dtype).t()  # (2F, O·C) conjugated kernel spectra
    xr, xi = xs.view(2, nf, n, c).unbind(0)  # (F, N, C) each
    kr, ki = (k.transpose(1, 2) for k in ks.view(2, nf, o, c).unbind(0))  # (F, C, O) each
    p1, p2 = xr @ kr, xi @ ki  # (F, N, O): ac, bd
    p3 = (xr + xi) @ (kr + ki)  # (F, N, O): (a + b)(c + d)
    ys = torch.cat([p1 - p2, p3 - p1 - p2]).view(2 * nf, n * o)  # (2F, N·O): real, imaginary parts
    y = (ys.t() @ t_out.t()).view(n, o, h + 2 * padding[0] - kh + 1, w + 2 * padding[1] - kw + 1)  # (N, O, H_out, W_out)
    return y if bias is None else y + bias.to(y.dtype).view(1, o, 1, 1)


def _fits(x: Tensor, kernel: tuple[int, int], padding: tuple[int, int]) -> bool:
    return (x.ndim == 4 and max(x.shape[-2:]) <= MAX_SIDE and all(p < k for p, k in zip(padding, kernel, strict=True))
            and x.shape[-2] + 2 * padding[0] >= kernel[0] and x.shape[-1] + 2 * padding[1] >= kernel[1])


# Stride 2 splits into four stride-1 problems on the even/odd rows and columns (polyphase).
# Along one axis, with taps a in [0, k):
#   conv,  y[i] = sum_a w[a] x[2i + a - p]:      a - p = 2m + r, so y[i] = sum_r sum_m w[2m + r + p] x_r[i + m],
#          x_r[j] = x[2j + r]: the phases become input channels;
#   convT, y[2j + r] = sum_u w[p + r - 2u] x[j + u]: the phases become output channels.
# ``_phase_taps`` gives, for r = 0, 1 and each sub-kernel offset, the tap index a (k where none: a zero).


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


def dft_conv_stride2(x: Tensor, weight: Tensor, padding: tuple[int, int], bias: Tensor | None = None) -> Tensor:
    """``F.conv2d(x, weight, bias, stride=2, padding=padding)`` as one stride-1 DFT correlation."""
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
    if not _fits(xp, sub.shape[-2:], (ph, pw)):
        return F.conv2d(x[..., :h, :w], weight, bias, stride=2, padding=padding)
    y = dft_correlate(xp, sub, (ph, pw), bias)  # (N, O, >= H_out, >= W_out)
    return y[..., :h_out, :w_out]  # (N, O, H_out, W_out)


def dft_conv_transpose_stride2(x: Tensor, weight: Tensor, padding: tuple[int, int], output_padding: tuple[int, int],
                               bias: Tensor | None = None) -> Tensor:
    """``F.conv_transpose2d(x, weight, bias, stride=2, ...)`` as one stride-1 DFT correlation and a pixel shuffle."""
    n, c, h, w = x.shape
    _, o, kh, kw = weight.shape
    h_out = (h - 1) * 2 - 2 * padding[0] + kh + output_padding[0]
    w_out = (w - 1) * 2 - 2 * padding[1] + kw + output_padding[1]
    (th, ph), (tw, pw) = _phase_taps(kh, padding[0], True), _phase_taps(kw, padding[1], True)
    sub = _sub_kernel(weight, th, tw)  # (C, O, 2, k'h, 2, k'w)
    sub = sub.permute(2, 4, 1, 0, 3, 5).reshape(4 * o, c, len(th[0]), len(tw[0]))  # (2·2·O, C, k'h, k'w)
    h1, w1 = h + 2 * ph - len(th[0]) + 1, w + 2 * pw - len(tw[0]) + 1  # each phase's output size
    if not _fits(x, sub.shape[-2:], (ph, pw)) or 2 * h1 < h_out or 2 * w1 < w_out:
        return F.conv_transpose2d(x, weight, bias, stride=2, padding=padding, output_padding=output_padding)
    y = dft_correlate(x, sub, (ph, pw))  # (N, 2·2·O, H1, W1)
    y = y.view(n, 2, 2, o, h1, w1).permute(0, 3, 4, 1, 5, 2).reshape(n, o, 2 * h1, 2 * w1)  # (N, O, 2·H1, 2·W1)
    y = y[..., :h_out, :w_out]  # (N, O, H_out, W_out)
    return y if bias is None else y + bias.view(1, o, 1, 1)


class DFTConv2d(nn.Conv2d):
    """``nn.Conv2d`` (stride 1 or 2, no dilation, no groups) computed in the DFT domain."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4:  # unbatched input: torch's layer
            return super().forward(x)
        if self.stride == (2, 2):
            return dft_conv_stride2(x, self.weight, self.padding, self.bias)  # (N, O, H_out, W_out)
        if not _fits(x, self.kernel_size, self.padding):
            return super().forward(x)
        return dft_correlate(x, self.weight, self.padding, self.bias)  # (N, O, H_out, W_out)


class DFTConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` (stride 1 or 2) computed in the DFT domain.

    Stride 1 with padding p is the correlation with the kernel transposed (in/out), flipped, and
    padding k - 1 - p; stride 2 splits into four such problems (see ``_phase_taps``).
    """

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        if output_size is not None or x.ndim != 4:
            return super().forward(x, output_size)
        if self.stride == (2, 2):
            return dft_conv_transpose_stride2(x, self.weight, self.padding, self.output_padding, self.bias)
        pad = tuple(k - 1 - p for k, p in zip(self.kernel_size, self.padding, strict=True))
        if not _fits(x, self.kernel_size, pad):
            return super().forward(x)
        weight = self.weight.transpose(0, 1).flip(-2, -1)  # (O, C, kh, kw) from (C, O, kh, kw)
        return dft_correlate(x, weight, pad, self.bias)  # (N, O, H + k - 1 - 2p, ...)


def _eligible(m: nn.Module) -> bool:
    plain = m.stride in ((1, 1), (2, 2)) and m.dilation == (1, 1) and m.groups == 1 and m.padding_mode == "zeros"
    plain = plain and isinstance(m.padding, tuple)  # not 'same' / 'valid' strings
    if isinstance(m, nn.ConvTranspose2d):
        return plain and (m.stride == (2, 2) or m.output_padding == (0, 0))
    return plain


@cache
def _combined(dft_cls: type, parametrized_cls: type) -> type:
    return type(f"DFT{parametrized_cls.__name__}", (dft_cls, parametrized_cls), {})


def _with_parametrizations(dft_cls: type, old: nn.Module) -> type:
    """A module parametrized by ``torch.nn.utils.parametrize`` (spectral norm, lesson 05) has a class of its
    own whose ``weight`` property computes the parametrized weight: keep it under the DFT ``forward``."""
    from torch.nn.utils.parametrize import is_parametrized

    return _combined(dft_cls, type(old)) if is_parametrized(old) else dft_cls


def use_dft_convolutions(net: nn.Module, min_kernel: int = 3, min_channels: int = 16) -> int:
    """Swap eligible convolutions of ``net`` (in place) for their DFT versions; returns how many.

    Eligible: stride 1 or 2, no dilation or groups, zero padding, kernel side >= ``min_kernel`` and
    at least ``min_channels`` channels in and out (with fewer, the transforms cost more than they
    save: measured 1.5x slower for D's 1-channel input layer). The new modules share the old
    ones' parameters, so optimizers already built keep working.
    """
    swapped = 0
    for name, child in net.named_children():
        new_cls = None
        if isinstance(child, (DFTConv2d, DFTConvTranspose2d)):
            continue
        if isinstance(child, nn.ConvTranspose2d) and _eligible(child):
            new_cls = DFTConvTranspose2d
        elif isinstance(child, nn.Conv2d) and _eligible(child):
            new_cls = DFTConv2d
        big = min(getattr(child, "in_channels", 0), getattr(child, "out_channels", 0)) >= min_channels
        if new_cls is not None and big and min(child.kernel_size) >= min_kernel:
            new_cls = _with_parametrizations(new_cls, child)
            new = new_cls.__new__(new_cls)
            new.__dict__.update(child.__dict__)  # same parameters, buffers, hooks and settings
            setattr(net, name, new)
            swapped += 1
        else:
            swapped += use_dft_convolutions(child, min_kernel, min_channels)
    return swapped
