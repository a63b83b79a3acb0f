"""The speed options of ``TrainConfig``: their choices, what "auto" means on this machine, and refusals.

``update`` (an algorithm: alternating or simultaneous) is checked here too; the others keep the
maths and only compute faster, chosen for the machine by default:

* ``fused_adam``: Adam's fused kernel (one kernel per step) where this torch has it for the device;
* ``conv`` and ``channels_last``: timed per layer and network at the first step (``autotune.py``);
* ``precision``: fp32 unless set; bf16 autocast changes the numbers (docs/throughput.md has what it
  is worth and what it costs in quality).
"""

from __future__ import annotations

from functools import cache

import torch

from ..config import GancourseError
from ..utils import cpu_has_bf16

ALGORITHMS = ("torch", "phase", "dft")  # the exact ways to compute a convolution (algorithms.py)
CONV_CHOICES = ("auto", *ALGORITHMS)  # TrainConfig.conv: timed per layer, or one algorithm everywhere it applies
PRECISIONS = ("fp32", "bf16")
UPDATES = ("alternating", "simultaneous")


def native_bf16(device: torch.device) -> bool:
    """bf16 arithmetic in hardware: bf16 autocast is faster than fp32 there."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return device.type == "cpu" and cpu_has_bf16()


def check_precision(precision: str, device: torch.device) -> str:
    """ "fp32" or "bf16" (where the hardware computes bf16 natively); anything else is refused."""
    if precision not in PRECISIONS:
        raise GancourseError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}.")
    if precision == "bf16" and not native_bf16(device):
        raise GancourseError(
            "this CPU has no native bf16 (avx512_bf16/amx): bf16 would be slower; use --precision fp32."
        )
    return precision


@cache
def fused_adam_available(device_type: str) -> bool:
    """Whether this torch runs Adam's fused kernel on this kind of device (CUDA; CPU from torch 2.4)."""
    p = torch.zeros(2, device=device_type, requires_grad=True)
    p.grad = torch.ones(2, device=device_type)
    try:
        torch.optim.Adam([p], fused=True).step()
    except (RuntimeError, ValueError, TypeError):
        return False
    return True


def resolve_fused_adam(fused_adam: bool | None, device: torch.device) -> bool:
    return fused_adam_available(device.type) if fused_adam is None else bool(fused_adam)


def check_speed_options(cfg, device: torch.device) -> None:
    """Refuse combinations that cannot work, with what to do instead."""
    if cfg.update not in UPDATES:
        raise GancourseError(f"update must be one of {', '.join(UPDATES)}, got {cfg.update!r}.")
    if cfg.update == "simultaneous" and cfg.d_steps != 1:
        raise GancourseError("the simultaneous update makes one D step per G step: set d_steps=1 or use 'alternating'.")
    if cfg.conv not in CONV_CHOICES:
        raise GancourseError(f"conv must be one of {', '.join(CONV_CHOICES)}, got {cfg.conv!r}.")
    check_precision(cfg.precision, device)


def channels_last(x):
    """4-D tensors (also inside a tuple, lesson 04's (a, b)) stored as NHWC; anything else unchanged."""
    if isinstance(x, (tuple, list)):
        return type(x)(channels_last(t) for t in x)
    if torch.is_tensor(x) and x.ndim == 4:
        return x.contiguous(memory_format=torch.channels_last)  # (N, C, H, W) stored as NHWC
    return x


def optimizer_state_like_parameters(opt: torch.optim.Optimizer) -> None:
    """Give each parameter's optimizer state (Adam's moments) its parameter's memory layout, after a change."""
    for p, state in opt.state.items():
        for k, v in state.items():
            if torch.is_tensor(v) and v.shape == p.shape and v.ndim == 4:
                fmt = (
                    torch.channels_last
                    if p.is_contiguous(memory_format=torch.channels_last)
                    else torch.contiguous_format
                )
                state[k] = v.contiguous(memory_format=fmt)
