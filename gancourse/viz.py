"""Sample grids, loss curves and GIFs. Introduced in lesson 01 (grids, curves), 02 (GIFs).

Images are taken either as floats in [-1, 1] (what G makes) or as uint8 in 0..255.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .callbacks import Callback
from .train import Trainer


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Floats in [-1, 1] (or uint8) of shape (N, C, H, W) -> uint8 in 0..255 on the CPU."""
    images = images.detach().cpu()
    if images.dtype == torch.uint8:
        return images
    return ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)  # (N, C, H, W)


def image_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile (N, C, H, W) images into one (H', W', C) or (H', W') uint8 array."""
    from torchvision.utils import make_grid

    x = to_uint8(images)
    nrow = nrow or max(1, int(round(len(x) ** 0.5)))
    grid = make_grid(x, nrow=nrow, padding=padding, pad_value=255)  # (3, H', W') uint8
    if x.shape[1] == 1:
        return grid[0].numpy()  # (H', W')
    return grid.permute(1, 2, 0).numpy()  # (H', W', 3)


def save_grid(images: torch.Tensor, path: str | Path, nrow: int | None = None) -> Path:
    """Write a PNG grid (nearest-neighbour upscaled x2 so small digits stay readable)."""
    import imageio.v3 as iio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid = image_grid(images, nrow).repeat(2, axis=0).repeat(2, axis=1)
    iio.imwrite(path, grid)
    return path


def show_grid(images: torch.Tensor, title: str = "", nrow: int | None = None, ax=None):
    """Draw a grid with matplotlib; returns the axes."""
    import matplotlib.pyplot as plt

    grid = image_grid(images, nrow)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=255)
    ax.set_title(title)
    ax.axis("off")
    return ax


def plot_history(history: Sequence[dict], path: str | Path | None = None):
    """Two panels: the losses, and D's mean outputs D(x) and D(G(z)). Returns the figure."""
    import matplotlib.pyplot as plt

    if not history:
        raise ValueError("the history is empty: train for at least one logging interval first.")
    steps = [row["step"] for row in history]
    keys = [k for k in history[-1] if k not in ("step", "epoch")]
    fig, (ax_loss, ax_d) = plt.subplots(1, 2, figsize=(11, 3.6))
    for k in keys:
        ax = ax_loss if k.startswith("loss") else ax_d
        ax.plot(steps, [row.get(k, np.nan) for row in history], label=k)
    ax_loss.set(title="losses", xlabel="step")
    ax_d.set(title="discriminator outputs (probabilities)", xlabel="step", ylim=(0, 1))
    ax_d.axhline(0.5, color="gray", lw=0.8, ls="--")
    for ax in (ax_loss, ax_d):
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    return fig


def save_gif(frames: Sequence[np.ndarray], path: str | Path, fps: float = 4) -> Path:
    """Write grids (H, W[, C]) uint8 as a looping GIF. Introduced in lesson 02."""
    import imageio.v2 as imageio

    if not frames:
        raise ValueError("no frames to write: attach SampleGrid to the trainer and train for an epoch.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    imageio.mimsave(path, list(frames), duration=1.0 / fps, loop=0)
    return path


class SampleGrid(Callback):
    """Each ``every`` epochs: a grid from the fixed noise, kept in ``frames`` and optionally
    shown inline and/or written to ``folder/epoch-XXX.png``."""

    def __init__(self, every: int = 1, folder: str | Path | None = None, show: bool = False):
        self.every, self.folder, self.show = every, None if folder is None else Path(folder), show
        self.frames: list[np.ndarray] = []

    def on_epoch_end(self, trainer: Trainer) -> None:
        if trainer.epoch % self.every:
            return
        images = trainer.sample_fixed()
        self.frames.append(image_grid(images))
        if self.folder is not None:
            save_grid(images, self.folder / f"epoch-{trainer.epoch:03d}.png")
        if self.show:
            import matplotlib.pyplot as plt

            show_grid(images, title=f"epoch {trainer.epoch}")
            plt.show()
