"""An exponential moving average of G's weights, with BigGAN's warm-up. Introduced in lesson 05."""

from __future__ import annotations

import torch

Tensor = torch.Tensor


def ema_with_warmup(decay: float):
    """EMA update  avg <- d·avg + (1 - d)·param  with  d_n = min(decay, (1 + n) / (10 + n)).

    The warm-up keeps early updates from being drowned by the random initial weights: with a
    constant 0.999 the average would still be mostly initialisation after a few hundred steps.
    """

    def avg_fn(averaged: Tensor, current: Tensor, num_averaged: Tensor) -> Tensor:
        n = num_averaged.to(averaged.dtype) if torch.is_tensor(num_averaged) else torch.tensor(float(num_averaged))
        d = torch.clamp((1 + n) / (10 + n), max=decay)
        return d * averaged + (1 - d) * current

    return avg_fn
