"""Building blocks shared by the convolutional families. Introduced in lesson 02."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache

import torch
from torch import nn


def dcgan_init_(module: nn.Module) -> nn.Module:
    """Radford et al.'s initialisation, applied in place to every layer by type.

    Convolutions, transposed convolutions and linear layers: weights ~ N(0, 0.02), biases 0.
    BatchNorm: scale ~ N(1, 0.02), shift 0.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


def conv_out_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output size of ``nn.Conv2d``: floor((size + 2p - k) / s) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def conv_transpose_out_size(size: int, kernel: int, stride: int = 1, padding: int = 0, output_padding: int = 0) -> int:
    """Output size of ``nn.ConvTranspose2d``: (size - 1)·s - 2p + k + output_padding."""
    return (size - 1) * stride - 2 * padding + kernel + output_padding


def up_block(c_in: int, c_out: int, kernel: int = 5, stride: int = 2) -> nn.Sequential:
    """ConvTranspose2d -> BatchNorm2d -> ReLU; with kernel 5, padding 2: H -> H * stride."""
    pad, out_pad = kernel // 2, stride - 1
    return nn.Sequential(
        nn.ConvTranspose2d(
            c_in, c_out, kernel, stride, pad, output_padding=out_pad, bias=False
        ),  # (N, c_out, H*s, W*s)
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


PARALLEL_FROM = 1 << 16  # elements: smaller masks are drawn in one piece (a thread hand-off costs more)


@cache
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="gancourse-dropout")


def _fill_mask(chunk: torch.Tensor, seed: int, p: float) -> None:
    chunk.uniform_(generator=torch.Generator().manual_seed(seed))  # U[0, 1)
    chunk.ge_(p).mul_(1.0 / (1.0 - p))  # 0 with probability p, else 1 / (1 - p), in the same float buffer


def dropout_mask_like(x: torch.Tensor, p: float) -> torch.Tensor:
    """Dropout's scaled mask for ``x``: 0 with probability p, else 1/(1-p), shaped and laid out like ``x``.

    PyTorch's CPU generator draws serially (one Mersenne Twister), and a boolean mask costs a
    conversion to float before it multiplies: for a DCGAN's dropout that kept one of two cores idle
    and the other busy copying. Here each of torch's threads fills one piece of a float buffer from
    its own generator, seeded from the global one, and thresholds and scales it in place: the same
    distribution (independent Bernoulli(1 - p) keeps), and a run seeded with ``torch.manual_seed``
    stays reproducible.
    """
    workers = torch.get_num_threads()
    if x.device.type != "cpu" or x.numel() < PARALLEL_FROM or workers < 2 or not x.is_floating_point():
        return (torch.rand_like(x) >= p).to(x.dtype) * (1.0 / (1.0 - p))
    out = torch.empty_like(x)  # dense, with x's layout (NCHW or NHWC)
    flat = out.as_strided((out.numel(),), (1,), out.storage_offset())  # every element once, in memory order
    seeds = torch.randint(0, 2**62, (workers,)).tolist()  # from the global generator
    list(_pool(workers).map(_fill_mask, flat.chunk(workers), seeds, [p] * workers))
    return out


class FastDropout(nn.Dropout):
    """``nn.Dropout`` with a cheaper mask: zero each value with probability p, scale the rest by 1/(1-p).

    The mask (:func:`dropout_mask_like`) is drawn in parallel, thresholded and scaled in place,
    instead of ``bernoulli_`` into a boolean: the same distribution, cheaper on the CPU. Same module
    interface and state as ``nn.Dropout``; the course's own DCGAN discriminator uses it (a student's
    ``nn.Dropout`` stays theirs).
    """

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        if self.p == 1:
            return x * 0
        return x * dropout_mask_like(x, self.p)  # (same shape as x)


def down_block(
    c_in: int, c_out: int, kernel: int = 5, stride: int = 2, bn: bool = True, dropout: float = 0.0, leak: float = 0.2
) -> nn.Sequential:
    """Conv2d (stride 2 halves H, W) -> [BatchNorm2d] -> LeakyReLU -> [Dropout]."""
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2, bias=not bn)
    ]  # (N, c_out, H/s, W/s)
    if bn:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(nn.LeakyReLU(leak, inplace=True))
    if dropout:
        layers.append(FastDropout(dropout))
    return nn.Sequential(*layers)
