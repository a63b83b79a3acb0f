"""The image pool of Shrivastava et al. (2017), used by CycleGAN. Introduced in lesson 04."""

from __future__ import annotations

import torch

Tensor = torch.Tensor


class ImagePool:
    """A buffer of up to ``size`` earlier fakes. ``query(fakes)`` returns a batch of the same shape.

    While the pool fills, each fake is stored and returned. Once it is full, each fake is
    returned with probability 1/2; otherwise a random stored fake is returned and the new one
    takes its place. D therefore also trains on what G produced a few steps ago, which damps
    oscillation. Randomness comes from torch's global generator (saved in checkpoints).
    """

    def __init__(self, size: int = 50):
        self.size = size
        self.images: list[Tensor] = []

    def query(self, fakes: Tensor) -> Tensor:
        if self.size == 0:
            return fakes
        out = []
        for img in fakes.detach():  # img: (C, H, W)
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            elif torch.rand(()) < 0.5:
                i = int(torch.randint(len(self.images), ()))
                out.append(self.images[i].clone())
                self.images[i] = img.clone()
            else:
                out.append(img)
        return torch.stack(out)  # (N, C, H, W)

    def state_dict(self) -> dict:
        return pool_state(self)

    def load_state_dict(self, state: dict) -> None:
        load_pool_state(self, state)


def pool_state(pool) -> dict:
    """Any pool with ``size`` and a list ``images`` (the library's or a student's), as checkpoint data."""
    return {"size": pool.size, "images": [t.detach().cpu() for t in pool.images]}


def load_pool_state(pool, state: dict) -> None:
    device = pool.images[0].device if pool.images else None
    pool.size = state["size"]
    pool.images = [t.to(device) if device else t for t in state["images"]]
