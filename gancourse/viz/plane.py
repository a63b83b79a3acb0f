"""The 2-D toy on a picture: D's output as a heat map over the plane, real and fake points on top. Lesson 01.

``PlaneFrames`` is a trainer callback: at the end of every epoch (a few hundred steps of the toy)
it records D's probability on a grid and G's samples from a fixed noise batch, so the frames show
the same z moving. ``plot_plane`` draws one frame, ``plane_frames`` a row of them, ``plane_gif``
the whole film.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..data.plane import GaussianMixture
from ..evaluation.plane import Coverage, mode_coverage, plane_mesh
from ..tensors import generate
from ..train import Callback, Trainer, unwrap_ddp


@dataclass(frozen=True)
class PlaneFrame:
    step: int
    surface: np.ndarray  # (n, n) D(x) = sigmoid(logit), or a critic's score scaled to [0, 1]; row i at y = ys[i]
    fake: np.ndarray  # (m, 2) G(fixed z)
    coverage: Coverage
    critic: bool = False  # surface is a critic's score f(x), min-max scaled per frame (lesson 06)


@torch.no_grad()
def d_surface(D, extent: float = 3.0, n: int = 100, critic: bool = False) -> np.ndarray:
    """sigmoid(D(x)) on an n x n grid over [-extent, extent]^2 -> (n, n), row i at y_i.

    ``critic=True``: a Wasserstein critic's score f(x) has no fixed range and no probability meaning,
    only its shape (where it rises, how steeply), so it is min-max scaled to [0, 1] within the frame.
    """
    _, _, points = plane_mesh(extent, n)  # (n*n, 2)
    scores = generate(D, points.to(next(D.parameters()).device)).float()  # (n*n,), in eval mode, D's mode restored
    if critic:
        scores = (scores - scores.min()) / (scores.max() - scores.min()).clamp_min(1e-12)  # (n*n,) in [0, 1]
    else:
        scores = torch.sigmoid(scores)  # (n*n,) D(x) in (0, 1)
    return scores.cpu().view(n, n).numpy()  # (n, n)


class PlaneFrames(Callback):
    """Each epoch: D's surface, G's samples from ``n_points`` fixed noise vectors and their coverage."""

    def __init__(
        self,
        mixture: GaussianMixture,
        n_points: int = 1000,
        extent: float = 3.0,
        resolution: int = 100,
        seed: int = 0,
        critic: bool = False,
    ):
        self.mixture, self.extent, self.resolution, self.critic = mixture, extent, resolution, critic
        self.n_points, self.seed = n_points, seed
        self.frames: list[PlaneFrame] = []
        self._z: torch.Tensor | None = None

    def on_fit_start(self, trainer: Trainer) -> None:
        if self._z is None:
            z_dim = int(unwrap_ddp(trainer.G).z_dim)
            self._z = torch.randn(self.n_points, z_dim, generator=torch.Generator().manual_seed(self.seed))
            self.record(trainer)  # frame 0: before any training

    def record(self, trainer: Trainer) -> None:
        fake = generate(unwrap_ddp(trainer.G), self._z.to(trainer.device)).float().cpu()  # (m, 2)
        surface = d_surface(unwrap_ddp(trainer.D), self.extent, self.resolution, self.critic)
        coverage = mode_coverage(fake, self.mixture)
        self.frames.append(PlaneFrame(trainer.step, surface, fake.numpy(), coverage, self.critic))

    def on_epoch_end(self, trainer: Trainer) -> None:
        self.record(trainer)


def plot_plane(frame: PlaneFrame, mixture: GaussianMixture, ax=None, extent: float = 3.0, n_real: int = 500):
    """One frame: D(x) as a heat map (0 fake .. 1 real; a critic's score from its lowest to its highest),
    real points in black, G's samples in orange."""
    import matplotlib.pyplot as plt

    ax = ax or plt.gca()
    ax.imshow(
        frame.surface,
        origin="lower",
        extent=(-extent, extent, -extent, extent),
        cmap="RdBu_r",
        vmin=0.0,
        vmax=1.0,
        interpolation="bilinear",
    )
    real = mixture.sample(n_real, torch.Generator().manual_seed(1)).numpy()  # (n_real, 2)
    ax.scatter(real[:, 0], real[:, 1], s=2, c="black", label="real")
    ax.scatter(frame.fake[:, 0], frame.fake[:, 1], s=2, c="#e8a202", label="G(z)")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"step {frame.step}: {frame.coverage.modes}/{frame.coverage.n_modes} modes", fontsize=9)
    return ax


def plane_frames(frames: Sequence[PlaneFrame], mixture: GaussianMixture, cols: int = 5, extent: float = 3.0):
    """``cols`` frames spread evenly over training, in one row, with a colour bar for D(x)."""
    import matplotlib.pyplot as plt

    if not frames:
        raise ValueError("no frames yet: attach PlaneFrames to the trainer and call fit().")
    picks = sorted({round(i * (len(frames) - 1) / max(1, cols - 1)) for i in range(cols)})
    fig, axes = plt.subplots(1, len(picks), figsize=(2.6 * len(picks), 2.9), squeeze=False)
    for ax, i in zip(axes[0], picks, strict=True):
        plot_plane(frames[i], mixture, ax, extent)
    label = "critic f(x), scaled per frame" if frames[0].critic else "D(x)"
    fig.colorbar(axes[0][0].images[0], ax=axes[0].tolist(), shrink=0.8, label=label)
    return fig


def render_frame(frame: PlaneFrame, mixture: GaussianMixture, extent: float = 3.0, dpi: int = 80) -> np.ndarray:
    """One frame as an RGB image (H, W, 3) uint8, for GIFs."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.2, 3.4), dpi=dpi)
    plot_plane(frame, mixture, ax, extent)
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()  # (H, W, 3)
    plt.close(fig)
    return image


def plane_gif(frames: Sequence[PlaneFrame], mixture: GaussianMixture, path: str | Path, fps: float = 4) -> Path:
    """Every frame rendered and written as a looping GIF."""
    from .images import save_gif

    return save_gif([render_frame(f, mixture) for f in frames], path, fps=fps)


def plot_coverage(runs: dict[str, Sequence[PlaneFrame]]):
    """Modes covered and the share of high-quality samples against the step, one line per run."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    for name, frames in runs.items():
        steps = [f.step for f in frames]
        left.plot(steps, [f.coverage.modes for f in frames], marker="o", label=name)
        right.plot(steps, [f.coverage.high_quality for f in frames], marker="o", label=name)
    n_modes = next(iter(runs.values()))[0].coverage.n_modes
    left.set(xlabel="step", ylabel="modes covered", ylim=(-0.3, n_modes + 0.3))
    right.set(xlabel="step", ylabel="high-quality samples", ylim=(-0.02, 1.02))
    left.legend()
    return fig
