"""Distributions on the plane for lesson 01's 2-D toy: mixtures of Gaussians with known densities.

A mixture of K isotropic Gaussians with centres c_k and one standard deviation s has the density

    p(x) = (1/K) * sum_k  exp(-|x - c_k|^2 / (2 s^2)) / (2 pi s^2),

which the optimal-discriminator check compares against. ``ring()`` is the classic test of mode
collapse (8 modes on a circle of radius 2, s = 0.05); ``single_gaussian()`` the simplest case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..config import GancourseError

Tensor = torch.Tensor


@dataclass(frozen=True)
class GaussianMixture:
    """Equal-weight mixture of isotropic Gaussians: ``centres`` (K, 2), one ``std`` for all."""

    centres: Tensor
    std: float

    def __post_init__(self):
        if self.centres.ndim != 2 or self.centres.shape[1] != 2 or len(self.centres) == 0:
            raise GancourseError(f"centres must have shape (K, 2) with K >= 1, got {tuple(self.centres.shape)}.")
        if not self.std > 0:
            raise GancourseError(f"std must be positive, got {self.std}.")

    @property
    def n_modes(self) -> int:
        return len(self.centres)

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` points (n, 2) in float32: a uniformly chosen centre plus Gaussian noise."""
        k = torch.randint(self.n_modes, (n,), generator=generator)  # (n,) mode of each point
        noise = torch.randn(n, 2, generator=generator) * self.std  # (n, 2)
        return self.centres.float()[k] + noise  # (n, 2)

    def log_density(self, points: Tensor) -> Tensor:
        """log p(x) for points (n, 2) -> (n,), in float64 (log-sum-exp over the modes)."""
        x = points.double()
        sq = torch.cdist(x, self.centres.double()) ** 2  # (n, K) squared distances
        log_each = -sq / (2 * self.std**2) - math.log(2 * math.pi * self.std**2)  # (n, K)
        return torch.logsumexp(log_each, dim=1) - math.log(self.n_modes)  # (n,)

    def density(self, points: Tensor) -> Tensor:
        return self.log_density(points).exp()  # (n,)


def ring(modes: int = 8, radius: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """``modes`` Gaussians evenly spaced on a circle (Metz et al. 2017's mode-collapse test)."""
    angle = torch.arange(modes, dtype=torch.float64) * (2 * math.pi / modes)  # (K,)
    return GaussianMixture(radius * torch.stack([angle.cos(), angle.sin()], dim=1), std)  # centres (K, 2)


def single_gaussian(centre: tuple[float, float] = (1.0, 1.0), std: float = 0.5) -> GaussianMixture:
    """One shifted Gaussian: the simplest target, where G must only learn a shift and a scale."""
    return GaussianMixture(torch.tensor([centre], dtype=torch.float64), std)


class PointBatches:
    """``steps`` fresh batches ``(x, None)`` per epoch from a mixture: infinite data, seeded, resumable.

    ``x`` is (batch_size, 2) on ``device``. Two sources with the same seed yield the same points.
    """

    def __init__(
        self,
        mixture: GaussianMixture,
        batch_size: int = 256,
        steps: int = 100,
        device: str | torch.device = "cpu",
        seed: int = 0,
    ):
        if batch_size < 1 or steps < 1:
            raise GancourseError(f"batch_size and steps must be at least 1, got {batch_size} and {steps}.")
        self.mixture, self.batch_size, self.steps = mixture, batch_size, steps
        self.device = torch.device(device)
        self.generator = torch.Generator().manual_seed(seed)
        self._epoch_state = self.generator.get_state()
        self._skip = 0

    def __len__(self) -> int:
        return self.steps

    def __iter__(self):
        self._epoch_state = self.generator.get_state()
        skip, self._skip = self._skip, 0
        for i in range(self.steps):
            x = self.mixture.sample(self.batch_size, self.generator)  # (B, 2)
            if i >= skip:
                yield x.to(self.device), None

    def state_dict(self, position: int = 0) -> dict:
        return {"generator": self._epoch_state.clone(), "position": position}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"].cpu())
        self._skip = int(state["position"])
