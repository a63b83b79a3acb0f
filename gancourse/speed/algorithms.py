"""Interchangeable exact algorithms for a network's convolutions: torch's own, the phases', the DFT's.

* ``"torch"``: the layer as built (oneDNN / cuDNN direct, Winograd or FFT, as the library picks);
* ``"phase"``: a stride-2 layer as one stride-1 convolution on its four phases (``phases.py``);
* ``"dft"``: stride-1/2 layers on small maps as matrix products in the DFT domain (``dftconv.py``).

An algorithm is attached to one layer *instance* as its ``forward`` (an attribute of the object,
which ``nn.Module.__call__`` finds before the class's method); the layer keeps its class, its
``repr``, its parameters, buffers, hooks and ``state_dict``, and :func:`set_algorithm` with
``"torch"`` removes the attribute again. Only layers that compute with torch's own ``forward``
are eligible: a subclass with a ``forward`` of its own (an equalized-learning-rate layer) always
computes as its author wrote it. ``autotune.py`` picks an algorithm per layer by timing, after
checking that it gives torch's output on the layer's recorded input (:func:`agrees`).
"""

from __future__ import annotations

import copy
from types import MethodType

import torch
from torch import nn

from .dftconv import dft_conv, dft_conv_transpose
from .options import ALGORITHMS
from .phases import conv_stride2, conv_transpose_stride2

Tensor = torch.Tensor
TORCH_FORWARDS = (nn.Conv2d.forward, nn.ConvTranspose2d.forward)
AGREEMENT = 1e-3  # largest |fast - torch| allowed, relative to the largest |torch| output


def _phase_conv(self: nn.Conv2d, x: Tensor) -> Tensor:
    """``nn.Conv2d.forward``; with stride 2, a stride-1 convolution on the input's four phases."""
    if x.ndim != 4 or self.stride != (2, 2):
        return nn.Conv2d.forward(self, x)
    return conv_stride2(x, self.weight, self.padding, self.bias)  # (N, O, H_out, W_out)


def _phase_conv_transpose(self: nn.ConvTranspose2d, x: Tensor, output_size=None) -> Tensor:
    """``nn.ConvTranspose2d.forward``; with stride 2, one stride-1 convolution and a pixel shuffle."""
    if output_size is not None or x.ndim != 4 or self.stride != (2, 2):
        return nn.ConvTranspose2d.forward(self, x, output_size)
    return conv_transpose_stride2(x, self.weight, self.padding, self.output_padding, self.bias)  # (N, O, H', W')


def _dft_conv(self: nn.Conv2d, x: Tensor) -> Tensor:
    out = dft_conv(x, self.weight, self.bias, self.stride, self.padding)  # (N, O, H_out, W_out) or None
    return nn.Conv2d.forward(self, x) if out is None else out


def _dft_conv_transpose(self: nn.ConvTranspose2d, x: Tensor, output_size=None) -> Tensor:
    out = (
        None
        if output_size is not None
        else dft_conv_transpose(x, self.weight, self.bias, self.stride, self.padding, self.output_padding)
    )
    return nn.ConvTranspose2d.forward(self, x, output_size) if out is None else out


FORWARDS = {
    ("phase", False): _phase_conv,
    ("phase", True): _phase_conv_transpose,
    ("dft", False): _dft_conv,
    ("dft", True): _dft_conv_transpose,
}  # (algorithm, transposed) -> forward


def is_conv(m: nn.Module) -> bool:
    return isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))


def own_forward(m: nn.Module) -> bool:
    """Whether ``m``'s class computes with a ``forward`` of its own (then no algorithm replaces it)."""
    return type(m).forward not in TORCH_FORWARDS


def _eligible(m: nn.Module) -> bool:
    if not is_conv(m) or own_forward(m):
        return False
    plain = m.stride in ((1, 1), (2, 2)) and m.dilation == (1, 1) and m.groups == 1 and m.padding_mode == "zeros"
    plain = plain and isinstance(m.padding, tuple)  # not 'same' / 'valid' strings
    if isinstance(m, nn.ConvTranspose2d):
        return plain and (m.stride == (2, 2) or m.output_padding == (0, 0))
    return plain


def algorithm_of(m: nn.Module) -> str:
    """The algorithm ``m`` computes with now ("torch" unless one was attached)."""
    attached = getattr(m.__dict__.get("forward"), "__func__", None)
    return next((name for (name, _), fn in FORWARDS.items() if fn is attached), "torch")


def candidates(m: nn.Module, min_kernel: int = 3, min_channels: int = 16) -> list[str]:
    """The algorithms that can compute ``m``: torch always; phase for stride 2; DFT for big enough layers.

    DFT needs a kernel side >= ``min_kernel`` and ``min_channels`` channels in and out: with fewer,
    the transforms cost more than they save (docs/throughput.md).
    """
    if not _eligible(m):
        return ["torch"]
    found = ["torch"] + (["phase"] if m.stride == (2, 2) else [])
    if min(m.in_channels, m.out_channels) >= min_channels and min(m.kernel_size) >= min_kernel:
        found.append("dft")
    return found


def set_algorithm(m: nn.Module, algorithm: str) -> nn.Module:
    """Compute ``m`` by ``algorithm`` from now on (in place; returns ``m``): its class and ``repr`` stay."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown convolution algorithm {algorithm!r}: use one of {', '.join(ALGORITHMS)}")
    if algorithm == "torch":
        m.__dict__.pop("forward", None)
        return m
    if not _eligible(m):
        raise ValueError(f"{type(m).__name__} computes with its own forward or settings {algorithm!r} cannot take")
    m.forward = MethodType(FORWARDS[algorithm, isinstance(m, nn.ConvTranspose2d)], m)
    return m


def conv_layers(net: nn.Module) -> dict[str, nn.Module]:
    """Every convolution of ``net`` by qualified name (``"body.1.0"``)."""
    return {name: m for name, m in net.named_modules() if name and is_conv(m)}


def set_algorithms(net: nn.Module, choice: dict[str, str]) -> None:
    """Give each named layer its algorithm (names from :func:`conv_layers`); unknown names are an error."""
    for name, algorithm in choice.items():
        set_algorithm(net.get_submodule(name), algorithm)


def use_algorithm(net: nn.Module, algorithm: str, min_kernel: int = 3, min_channels: int = 16) -> int:
    """Compute every layer that ``algorithm`` can compute by it (in place); returns how many changed."""
    choice = {
        name: algorithm
        for name, m in conv_layers(net).items()
        if algorithm in candidates(m, min_kernel, min_channels) and algorithm_of(m) != algorithm
    }
    set_algorithms(net, choice)
    return len(choice)


@torch.no_grad()
def disagreement(layer: nn.Module, algorithm: str, x: Tensor) -> float:
    """max |algorithm's output - torch's output| / max |torch's output| on input ``x`` (fp32, no autocast)."""
    trial = copy.deepcopy(layer).eval()  # a copy: spectral norm's power iteration of the layer itself stays put
    with torch.autocast(x.device.type, enabled=False):
        want = set_algorithm(trial, "torch")(x.float())
        got = set_algorithm(trial, algorithm)(x.float())
    if got.shape != want.shape or not torch.isfinite(got).all():
        return float("inf")
    return ((got - want).abs().max() / want.abs().max().clamp_min(1e-12)).item()


def agrees(layer: nn.Module, algorithm: str, x: Tensor) -> bool:
    """Whether ``algorithm`` gives ``layer``'s torch output on ``x`` (``AGREEMENT``): checked before it is adopted."""
    return algorithm == "torch" or disagreement(layer, algorithm, x) <= AGREEMENT
