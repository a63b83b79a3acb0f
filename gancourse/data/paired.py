"""Paired images for pix2pix (lesson 08): batches that keep a_i with its own b_i, and padding to 32 px.

The offline pairs are lesson 04's domains: bag ``i``'s Sobel edge map and bag ``i`` itself
(``load_domains("bag-edges:bags")`` with ``paired=True``); ``load_pix2pix`` reads real A|B images.
"""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F

from ..config import GancourseError
from .batches import Batches
from .domains import DomainPair


def pad_to(images: torch.Tensor, size: int) -> torch.Tensor:
    """(N, C, S, S) -> (N, C, size, size), the image centred on a black border (Fashion-MNIST's background 0)."""
    gap = size - images.shape[-1]
    if gap < 0 or gap % 2:
        raise GancourseError(f"cannot pad {images.shape[-1]} px images to {size} px: use an even, larger size.")
    return F.pad(images, (gap // 2,) * 4) if gap else images


def crop_to(images: torch.Tensor, size: int) -> torch.Tensor:
    """The centre ``size x size`` square: undoes :func:`pad_to`."""
    cut = (images.shape[-1] - size) // 2
    return images[..., cut : cut + size, cut : cut + size] if cut else images


def paired(pair: DomainPair, size: int = 32) -> DomainPair:
    """The pair, padded to ``size`` px; refuses domains whose images are not paired."""
    if not pair.paired:
        raise GancourseError(
            f"pix2pix needs paired images, and {':'.join(pair.names)} are not: use --domains bag-edges:bags "
            "or --pix2pix DIR (A|B images side by side)."
        )
    if pair.a.shape[-1] < size:
        return replace(pair, a=pad_to(pair.a, size), b=pad_to(pair.b, size))
    return pair


class PairedBatches:
    """Batches ``((a, b), None)`` in [-1, 1] where ``b[i]`` is ``a[i]``'s own target: one shuffle for both."""

    def __init__(self, a, b, batch_size: int = 32, device="cpu", seed: int = 0, limit: int | None = None):
        if len(a) != len(b):
            raise GancourseError(f"paired domains need as many A images as B images, got {len(a)} and {len(b)}.")
        self.channels_a = a.shape[1]
        self.batches = Batches(torch.cat([a, b], dim=1), None, batch_size, device, seed=seed, limit=limit)
        self.device, self.batch_size = self.batches.device, batch_size

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        for ab, _ in self.batches:  # (N, C_A + C_B, S, S): the pair travels together
            yield (ab[:, : self.channels_a], ab[:, self.channels_a :]), None

    def state_dict(self, position: int = 0) -> dict:
        return self.batches.state_dict(position)

    def load_state_dict(self, state: dict) -> None:
        self.batches.load_state_dict(state)
