"""Convolutions computed in the discrete Fourier domain: the same layers, fewer multiplications.

One of the exact algorithms autotuning chooses among per layer (``algorithms.py``, ``autotune.py``;
``gancourse train --conv dft`` forces it). It changes how a layer computes, never what it computes:
the functions below take a layer's own weight and settings and return what torch's layer returns.
cuDNN and oneDNN pick FFT or Winograd algorithms the same way; this module does it for the small
feature maps of the course's networks, where the CPU libraries only offer the direct algorithm.

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
problems (``phases.py``). Other strides, dilation, groups, maps larger than ``MAX_SIDE`` and
layers with few channels keep torch's own algorithm.
"""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F

from .phases import conv_stride2, conv_transpose_stride2

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
    y = (ys.t() @ t_out.t()).view(
        n, o, h + 2 * padding[0] - kh + 1, w + 2 * padding[1] - kw + 1
    )  # (N, O, H_out, W_out)
    return y if bias is None else y + bias.to(y.dtype).view(1, o, 1, 1)


def _fits(x: Tensor, kernel: tuple[int, int], padding: tuple[int, int]) -> bool:
    return (
        x.ndim == 4
        and max(x.shape[-2:]) <= MAX_SIDE
        and all(p < k for p, k in zip(padding, kernel, strict=True))
        and x.shape[-2] + 2 * padding[0] >= kernel[0]
        and x.shape[-1] + 2 * padding[1] >= kernel[1]
    )


def dft_conv_stride2(x: Tensor, weight: Tensor, padding: tuple[int, int], bias: Tensor | None = None) -> Tensor:
    """``F.conv2d(x, weight, bias, stride=2, padding=padding)`` as one stride-1 DFT correlation (``phases.py``)."""
    return conv_stride2(x, weight, padding, bias, dft_correlate, _fits)


def dft_conv_transpose_stride2(
    x: Tensor, weight: Tensor, padding: tuple[int, int], output_padding: tuple[int, int], bias: Tensor | None = None
) -> Tensor:
    """``F.conv_transpose2d(x, weight, bias, stride=2, ...)`` as one stride-1 DFT correlation and a pixel shuffle."""
    return conv_transpose_stride2(x, weight, padding, output_padding, bias, dft_correlate, _fits)


def dft_conv(x: Tensor, weight: Tensor, bias: Tensor | None, stride, padding) -> Tensor | None:
    """``F.conv2d`` (stride 1 or 2) in the DFT domain; None where it does not apply (then torch's layer computes)."""
    if x.ndim != 4:  # unbatched input
        return None
    if tuple(stride) == (2, 2):
        return dft_conv_stride2(x, weight, padding, bias)  # (N, O, H_out, W_out)
    if not _fits(x, weight.shape[-2:], padding):
        return None
    return dft_correlate(x, weight, padding, bias)  # (N, O, H_out, W_out)


def dft_conv_transpose(
    x: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, output_padding
) -> Tensor | None:
    """``F.conv_transpose2d`` (stride 1 or 2) in the DFT domain; None where it does not apply.

    Stride 1 with padding p is the correlation with the kernel transposed (in/out), flipped, and
    padding k - 1 - p; stride 2 splits into four such problems (see ``phases._phase_taps``).
    """
    if x.ndim != 4:
        return None
    if tuple(stride) == (2, 2):
        return dft_conv_transpose_stride2(x, weight, padding, output_padding, bias)  # (N, O, H', W')
    pad = tuple(k - 1 - p for k, p in zip(weight.shape[-2:], padding, strict=True))
    if not _fits(x, weight.shape[-2:], pad):
        return None
    flipped = weight.transpose(0, 1).flip(-2, -1)  # (O, C, kh, kw) from (C, O, kh, kw)
    return dft_correlate(x, flipped, pad, bias)  # (N, O, H + k - 1 - 2p, ...)
