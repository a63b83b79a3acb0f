"""Measures for lesson 01's 2-D toy: mode coverage, a kernel density estimate, the optimal discriminator.

* **Mode coverage** (Metz et al. 2017, Srivastava et al. 2017): a sample is *high quality* when it
  lies within ``n_std`` standard deviations of its nearest mode's centre; a mode is *covered* when
  at least ``min_share`` of all samples are high-quality samples of that mode.
* **Kernel density estimate** with a Gaussian kernel of width h:
  p_hat(x) = (1/n) sum_i exp(-|x - x_i|^2 / (2 h^2)) / (2 pi h^2).
* **The optimal discriminator** for fixed G (Goodfellow et al. 2014, Prop. 1):
  D*(x) = p_data(x) / (p_data(x) + p_g(x)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..data.plane import GaussianMixture

Tensor = torch.Tensor


@dataclass(frozen=True)
class Coverage:
    modes: int  # modes covered
    n_modes: int
    high_quality: float  # share of samples within n_std of a centre
    per_mode: tuple[float, ...]  # share of all samples that are high-quality samples of each mode

    def __str__(self) -> str:
        return f"{self.modes}/{self.n_modes} modes covered, {self.high_quality:.0%} high-quality samples"


def mode_coverage(samples: Tensor, mixture: GaussianMixture, n_std: float = 3.0, min_share: float = 0.01) -> Coverage:
    """How many of the mixture's modes ``samples`` (n, 2) cover, and how many samples are near any mode."""
    d = torch.cdist(samples.detach().double().cpu(), mixture.centres.double())  # (n, K)
    nearest, mode = d.min(dim=1)  # (n,), (n,)
    good = nearest <= n_std * mixture.std  # (n,)
    counts = torch.bincount(mode[good], minlength=mixture.n_modes).double()  # (K,)
    share = counts / max(1, len(samples))  # (K,)
    return Coverage(
        int((share >= min_share).sum()), mixture.n_modes, float(good.double().mean()), tuple(share.tolist())
    )


def kde_density(points: Tensor, query: Tensor, bandwidth: float, chunk: int = 1024) -> Tensor:
    """Gaussian kernel density estimate from ``points`` (n, 2), evaluated at ``query`` (m, 2) -> (m,)."""
    points = points.detach().double().cpu()
    out = []
    for q in query.detach().double().cpu().split(chunk):  # (c, 2): keeps the (c, n) distances small
        log_k = -(torch.cdist(q, points) ** 2) / (2 * bandwidth**2) - math.log(2 * math.pi * bandwidth**2)  # (c, n)
        out.append(torch.logsumexp(log_k, dim=1) - math.log(len(points)))  # (c,)
    return torch.cat(out).exp()  # (m,)


def optimal_discriminator(p_data: Tensor, p_g: Tensor) -> Tensor:
    """D*(x) = p_data / (p_data + p_g), elementwise; 1/2 where both densities vanish."""
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(1e-300), torch.full_like(total, 0.5))


def plane_mesh(extent: float = 3.0, n: int = 100) -> tuple[Tensor, Tensor, Tensor]:
    """A square grid over [-extent, extent]^2: xs (n,), ys (n,) and the points (n*n, 2), row by row in y."""
    xs = torch.linspace(-extent, extent, n)  # (n,)
    gy, gx = torch.meshgrid(xs, xs, indexing="ij")  # (n, n) each
    return xs, xs.clone(), torch.stack([gx.flatten(), gy.flatten()], dim=1)  # (n*n, 2)
