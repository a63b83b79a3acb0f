"""Shuffled in-memory mini-batches scaled to [-1, 1], resumable mid-epoch. Introduced in lesson 01."""

from __future__ import annotations

import torch

from ..config import GancourseError
from ..tensors import to_unit


class Batches:
    """Shuffled mini-batches from tensors that stay in memory on ``device``.

    Each pass draws a fresh permutation from its own seeded generator, so two
    ``Batches`` with the same seed yield the same batches. Images go in as uint8
    ``(N, C, H, W)`` and come out as float ``x / 127.5 - 1`` in [-1, 1] (tanh's range).
    Yields ``(x, y)`` where ``y`` is the labels' batch, or None without labels.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor | None = None,
        batch_size: int = 64,
        device: str | torch.device = "cpu",
        seed: int = 0,
        drop_last: bool = True,
        limit: int | None = None,
    ):
        if images.dtype != torch.uint8 or images.ndim != 4:
            raise GancourseError(
                f"Batches wants uint8 images of shape (N, C, H, W), got {images.dtype} {tuple(images.shape)}."
            )
        if labels is not None and len(labels) != len(images):
            raise GancourseError(f"{len(images)} images but {len(labels)} labels: pass matching tensors.")
        if limit is not None:
            images, labels = images[:limit], None if labels is None else labels[:limit]
        if batch_size < 1 or (drop_last and batch_size > len(images)):
            raise GancourseError(f"batch_size {batch_size} does not fit {len(images)} images: choose a smaller one.")
        self.device = torch.device(device)
        self.images = images.to(self.device)  # (N, C, H, W) uint8, moved once
        self.labels = None if labels is None else labels.to(self.device, torch.long)  # (N,)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.generator = torch.Generator().manual_seed(seed)
        self._epoch_state = self.generator.get_state()  # generator state before this epoch's permutation
        self._skip = 0  # batches to skip on the next pass (set when resuming mid-epoch)

    def __len__(self) -> int:
        n = len(self.images)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        self._epoch_state = self.generator.get_state()
        skip, self._skip = self._skip, 0
        perm = torch.randperm(len(self.images), generator=self.generator).to(self.device)
        for i in range(skip, len(self)):
            idx = perm[i * self.batch_size : (i + 1) * self.batch_size]
            x = to_unit(self.images[idx])  # (B, C, H, W) in [-1, 1]
            yield x, (None if self.labels is None else self.labels[idx])

    def state_dict(self, position: int = 0) -> dict:
        """The state to resume from, ``position`` batches into the current epoch (0: at an epoch boundary)."""
        if position:
            return {"generator": self._epoch_state, "skip": position}
        return {"generator": self.generator.get_state(), "skip": 0}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(
            state["generator"].cpu()
        )  # loaded with map_location="cuda", it moved: it lives on the CPU
        self._skip = int(state.get("skip", 0))
