"""Speed options of the trainer: checks that refuse combinations which cannot work.

The options live in ``TrainConfig`` (update, precision, channels_last, fused_adam, dft_conv);
``benchmarks/throughput.py`` measures what each is worth. The simultaneous update itself is a
steps algorithm (``steps.simultaneous_step``), not a trainer feature.
"""

from __future__ import annotations

import torch

from ..config import GancourseError
from ..utils import cpu_has_bf16


def check_speed_options(cfg, device: torch.device) -> None:
    """Refuse combinations that cannot work, with what to do instead."""
    if cfg.update not in ("alternating", "simultaneous"):
        raise GancourseError(f"update must be 'alternating' or 'simultaneous', got {cfg.update!r}.")
    if cfg.update == "simultaneous" and cfg.d_steps != 1:
        raise GancourseError("the simultaneous update makes one D step per G step: set d_steps=1 or use 'alternating'.")
    if cfg.precision not in ("fp32", "bf16"):
        raise GancourseError(f"precision must be 'fp32' or 'bf16', got {cfg.precision!r}.")
    if cfg.precision == "bf16" and device.type == "cpu" and not cpu_has_bf16():
        raise GancourseError("this CPU has no native bf16 (avx512_bf16/amx): bf16 would be slower; use --precision fp32.")


def channels_last(x):
    """4-D tensors (also inside a tuple, lesson 04's (a, b)) stored as NHWC; anything else unchanged."""
    if isinstance(x, (tuple, list)):
        return type(x)(channels_last(t) for t in x)
    if torch.is_tensor(x) and x.ndim == 4:
        return x.contiguous(memory_format=torch.channels_last)  # (N, C, H, W) stored as NHWC
    return x
