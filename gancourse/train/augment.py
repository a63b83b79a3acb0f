"""Differentiable augmentation (DiffAugment, Zhao et al. 2020): the same random transforms on real and fake
images before D, in D's and in G's update, so D cannot memorise a small training set.

Every transform is differentiable in the images, so G's gradient passes through it. Per sample:

* ``color``: brightness x + b with b ~ U[-0.5, 0.5]; for colour images saturation (x - mean_c) s + mean_c with
  s ~ U[0, 2]; contrast (x - mean) c + mean with c ~ U[0.5, 1.5] (means over the image);
* ``translation``: a shift by up to 1/8 of the side in each direction, zeros shifted in;
* ``cutout``: a square of half the side set to 0 at a random place (it may overlap the border).

The policy is a comma-separated list, ``"color,translation,cutout"`` for all three (the paper's choice
for small data). ``TrainConfig.augment`` names it; ``""`` means no augmentation.
"""

from __future__ import annotations

from functools import partial

import torch
import torch.nn.functional as F

from ..config import GancourseError

Tensor = torch.Tensor


def _uniform(x: Tensor, low: float, high: float) -> Tensor:
    return torch.rand(len(x), 1, 1, 1, device=x.device, dtype=x.dtype) * (high - low) + low  # (N, 1, 1, 1)


def color(x: Tensor) -> Tensor:
    x = x + _uniform(x, -0.5, 0.5)  # brightness
    if x.shape[1] > 1:
        mean = x.mean(dim=1, keepdim=True)  # (N, 1, H, W)
        x = (x - mean) * _uniform(x, 0.0, 2.0) + mean  # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)  # (N, 1, 1, 1)
    return (x - mean) * _uniform(x, 0.5, 1.5) + mean  # contrast


def translation(x: Tensor, ratio: float = 0.125) -> Tensor:
    n, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sy, sy + 1, (n, 1, 1), device=x.device)  # (N, 1, 1)
    dx = torch.randint(-sx, sx + 1, (n, 1, 1), device=x.device)
    rows = (torch.arange(h, device=x.device)[None, :, None] + dy + 1).clamp(0, h + 1)  # (N, H, 1) into the padded image
    cols = (torch.arange(w, device=x.device)[None, None, :] + dx + 1).clamp(0, w + 1)  # (N, 1, W)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)  # (N, H+2, W+2, C), a border of zeros
    batch = torch.arange(n, device=x.device)[:, None, None]  # (N, 1, 1)
    return padded[batch, rows, cols].permute(0, 3, 1, 2)  # (N, C, H, W)


def cutout(x: Tensor, ratio: float = 0.5) -> Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device)  # (N, 1, 1): the square's centre
    ox = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]  # (1, H, 1)
    xs = torch.arange(w, device=x.device)[None, None, :]  # (1, 1, W)
    inside = (
        ((ys - oy + ch // 2) >= 0)
        & ((ys - oy + ch // 2) < ch)
        & ((xs - ox + cw // 2) >= 0)
        & ((xs - ox + cw // 2) < cw)
    )
    return x * (~inside).unsqueeze(1).to(x.dtype)  # (N, C, H, W)


TRANSFORMS = {"color": color, "translation": translation, "cutout": cutout}


def parse_policy(policy: str) -> list[str]:
    """``"color,translation"`` -> ``["color", "translation"]``; an unknown name is refused in one line."""
    names = [p.strip() for p in policy.split(",") if p.strip()]
    unknown = [p for p in names if p not in TRANSFORMS]
    if unknown:
        raise GancourseError(
            f"unknown augmentation {unknown[0]!r}: choose from {', '.join(TRANSFORMS)} (comma-separated)."
        )
    return names


def diff_augment(x: Tensor, policy: str = "color,translation,cutout") -> Tensor:
    """``x`` (N, C, H, W) through each transform of ``policy`` in order, fresh randomness per sample."""
    for name in parse_policy(policy):
        x = TRANSFORMS[name](x)
    return x.contiguous()


def augmenter(policy: str):
    """``TrainConfig.augment`` as the steps' ``augment`` callable: None for ``""``; checked here, in one line."""
    if not policy:
        return None
    parse_policy(policy)
    return partial(diff_augment, policy=policy)
