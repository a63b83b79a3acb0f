"""Sample grids, loss curves and GIFs of images. Introduced in lesson 01 (grids, curves), 02 (GIFs).

Images are taken either as floats in [-1, 1] (what G makes) or as uint8 in 0..255.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ..tensors import to_uint8
from ..train import Callback, Trainer

__all__ = ["to_uint8", "image_grid", "save_grid", "show_grid", "plot_history", "save_gif", "SampleGrid"]


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
    """Panels for the losses, D's mean outputs D(x) and D(G(z)), and any evaluation numbers. Returns the figure."""
    import matplotlib.pyplot as plt

    if not history:
        raise ValueError("the history is empty: train for at least one logging interval first.")
    keys = list(dict.fromkeys(k for row in history for k in row if k not in ("step", "epoch")))
    groups = {
        "losses": [k for k in keys if k.startswith("loss")],
        "discriminator outputs (probabilities)": [k for k in keys if k.startswith("D(")],
        "evaluation": [k for k in keys if not k.startswith(("loss", "D("))],
    }
    groups = {title: ks for title, ks in groups.items() if ks}
    fig, axes = plt.subplots(1, len(groups), figsize=(5.5 * len(groups), 3.6), squeeze=False)
    for ax, (title, ks) in zip(axes[0], groups.items(), strict=True):
        for k in ks:
            rows = [row for row in history if k in row]
            ax.plot([r["step"] for r in rows], [r[k] for r in rows], label=k, marker="o" if len(rows) < 30 else None)
        ax.set(title=title, xlabel="step")
        if title.startswith("discriminator"):
            ax.set_ylim(0, 1)
            ax.axhline(0.5, color="gray", lw=0.8, ls="--")
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    return fig


def save_gif(frames: Sequence[np.ndarray], path: str | Path, fps: float = 4) -> Path:
    """Write grids (H, W[, C]) uint8 as a looping GIF (imageio.v3: duration in ms, loop=0). Lesson 02."""
    import imageio.v3 as iio

    if not frames:
        raise ValueError("no frames to write: attach SampleGrid to the trainer and train for an epoch.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, np.stack(list(frames)), extension=".gif", duration=1000.0 / fps, loop=0)
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
        nrow = trainer.steps.grid_nrow
        self.frames.append(image_grid(images, nrow))
        if self.folder is not None:
            save_grid(images, self.folder / f"epoch-{trainer.epoch:03d}.png", nrow)
        if self.show:
            import matplotlib.pyplot as plt

            show_grid(images, title=f"epoch {trainer.epoch}", nrow=nrow)
            plt.show()
