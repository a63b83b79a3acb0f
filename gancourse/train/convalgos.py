"""Interchangeable exact algorithms for a network's convolutions: torch's own, the phases', the DFT's.

* ``"torch"``: the layer as built (oneDNN / cuDNN direct, Winograd or FFT, as the library picks);
* ``"phase"``: a stride-2 layer as one stride-1 convolution on its four phases (``phases.py``);
* ``"dft"``: stride-1/2 layers on small maps as matrix products in the DFT domain (``dftconv.py``).

Each is an ``nn.Conv2d`` / ``nn.ConvTranspose2d`` subclass with the same parameters, buffers,
hooks and ``state_dict``: swapping the class changes how a layer computes, never what it
computes, and optimizers built on the old module keep working. ``autotune.py`` picks one per
layer by timing; ``use_algorithm`` applies one everywhere (``gancourse train --conv dft``).
"""

from __future__ import annotations

from functools import cache

import torch
from torch import nn

from .dftconv import DFTConv2d, DFTConvTranspose2d
from .phases import conv_stride2, conv_transpose_stride2

Tensor = torch.Tensor
ALGORITHMS = ("torch", "phase", "dft")


class PhaseConv2d(nn.Conv2d):
    """``nn.Conv2d``; with stride 2, computed as a stride-1 convolution on the input's four phases."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or self.stride != (2, 2):
            return super().forward(x)
        return conv_stride2(x, self.weight, self.padding, self.bias)  # (N, O, H_out, W_out)


class PhaseConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d``; with stride 2, one stride-1 convolution to the four output phases and a pixel shuffle."""

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        if output_size is not None or x.ndim != 4 or self.stride != (2, 2):
            return super().forward(x, output_size)
        return conv_transpose_stride2(x, self.weight, self.padding, self.output_padding, self.bias)  # (N, O, H', W')


CLASSES = {"phase": (PhaseConv2d, PhaseConvTranspose2d), "dft": (DFTConv2d, DFTConvTranspose2d)}
_ALL = {cls: name for name, pair in CLASSES.items() for cls in pair}


def _eligible(m: nn.Module) -> bool:
    plain = m.stride in ((1, 1), (2, 2)) and m.dilation == (1, 1) and m.groups == 1 and m.padding_mode == "zeros"
    plain = plain and isinstance(m.padding, tuple)  # not 'same' / 'valid' strings
    if isinstance(m, nn.ConvTranspose2d):
        return plain and (m.stride == (2, 2) or m.output_padding == (0, 0))
    return plain


def is_conv(m: nn.Module) -> bool:
    return isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))


def algorithm_of(m: nn.Module) -> str:
    return next((name for cls, name in _ALL.items() if isinstance(m, cls)), "torch")


def candidates(m: nn.Module, min_kernel: int = 3, min_channels: int = 16) -> list[str]:
    """The algorithms that can compute ``m``: torch always; phase for stride 2; DFT for big enough layers.

    DFT needs a kernel side >= ``min_kernel`` and ``min_channels`` channels in and out: with fewer,
    the transforms cost more than they save (measured 1.5x slower for D's 1-channel input layer).
    """
    if not is_conv(m) or not _eligible(m):
        return ["torch"]
    found = ["torch"] + (["phase"] if m.stride == (2, 2) else [])
    if min(m.in_channels, m.out_channels) >= min_channels and min(m.kernel_size) >= min_kernel:
        found.append("dft")
    return found


@cache
def _combined(fast_cls: type, torch_cls: type) -> type:
    """The algorithm's ``forward`` over torch's class, kept underneath so that a ``parametrize`` class
    (spectral norm, lesson 05) still computes ``weight``; ``_torch_class`` remembers the way back."""
    if torch_cls in (nn.Conv2d, nn.ConvTranspose2d):
        return fast_cls
    return type(f"{fast_cls.__name__}_{torch_cls.__name__}", (fast_cls, torch_cls), {"_torch_class": torch_cls})


def _torch_class(cls: type) -> type:
    """The class a layer had before any swap: torch's, or the ``parametrize`` class over it."""
    if "_torch_class" in cls.__dict__:
        return cls._torch_class
    if cls in _ALL:
        return nn.ConvTranspose2d if issubclass(cls, nn.ConvTranspose2d) else nn.Conv2d
    return cls


def swapped(m: nn.Module, algorithm: str) -> nn.Module:
    """A module of ``algorithm``'s class sharing ``m``'s parameters, buffers, hooks and settings."""
    torch_cls = _torch_class(type(m))
    if algorithm == "torch":
        cls = torch_cls
    else:
        conv, transposed = CLASSES[algorithm]
        cls = _combined(transposed if issubclass(torch_cls, nn.ConvTranspose2d) else conv, torch_cls)
    new = cls.__new__(cls)
    new.__dict__.update(m.__dict__)
    return new


def conv_layers(net: nn.Module) -> dict[str, nn.Module]:
    """Every convolution of ``net`` by qualified name (``"body.1.0"``)."""
    return {name: m for name, m in net.named_modules() if name and is_conv(m)}


def set_algorithms(net: nn.Module, choice: dict[str, str]) -> None:
    """Give each named layer its algorithm (names from :func:`conv_layers`); unknown names are an error."""
    for name, algorithm in choice.items():
        parent_name, _, child = name.rpartition(".")
        parent = net.get_submodule(parent_name)
        setattr(parent, child, swapped(getattr(parent, child), algorithm))


def use_algorithm(net: nn.Module, algorithm: str, min_kernel: int = 3, min_channels: int = 16) -> int:
    """Swap every layer that ``algorithm`` can compute (in place); returns how many changed."""
    choice = {name: algorithm for name, m in conv_layers(net).items()
              if algorithm in candidates(m, min_kernel, min_channels) and algorithm_of(m) != algorithm}
    set_algorithms(net, choice)
    return len(choice)


def use_dft_convolutions(net: nn.Module, min_kernel: int = 3, min_channels: int = 16) -> int:
    """Swap eligible convolutions of ``net`` for their DFT versions (in place); returns how many."""
    return use_algorithm(net, "dft", min_kernel, min_channels)
