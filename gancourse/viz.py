"""Sample grids, loss curves and GIFs. Introduced in lesson 01 (grids, curves), 02 (GIFs).

Images are taken either as floats in [-1, 1] (what G makes) or as uint8 in 0..255.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .tensors import generate, to_uint8
from .train import Callback, Trainer

__all__ = ["to_uint8", "image_grid", "save_grid", "show_grid", "plot_history", "save_gif", "lerp", "slerp",
           "interpolate", "seeded_z", "latent_sample", "interpolation_frame", "class_noise_grid", "latent_explorer",
           "class_picker", "interpolation_slider", "SampleGrid"]


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


# ---------------------------------------------------------------- latent space (lesson 02)


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: float) -> torch.Tensor:
    """Straight line: (1 - t)·z0 + t·z1."""
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: float) -> torch.Tensor:
    """Great-circle path (Shoemake): sin((1-t)Ω)/sin Ω · z0 + sin(tΩ)/sin Ω · z1, cos Ω = <ẑ0, ẑ1>.

    Gaussian noise concentrates near a sphere of radius sqrt(d); a straight line between two
    samples passes closer to the origin than any sample, slerp keeps the norm typical.
    """
    cos = torch.dot(z0 / z0.norm(), z1 / z1.norm()).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-6:  # (anti)parallel within rounding: the line is as good
        return lerp(z0, z1, t)
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


def interpolate(z0: torch.Tensor, z1: torch.Tensor, steps: int = 8, method: str = "slerp") -> torch.Tensor:
    """``steps`` points from z0 to z1 (both ends included): (steps, z_dim)."""
    fn = {"slerp": slerp, "lerp": lerp}[method]
    return torch.stack([fn(z0, z1, float(t)) for t in torch.linspace(0, 1, steps)])


def seeded_z(seed: int, z_dim: int, device: str | torch.device = "cpu") -> torch.Tensor:
    """The same noise vector for the same seed on every machine: (z_dim,)."""
    return torch.randn(z_dim, generator=torch.Generator().manual_seed(seed)).to(device)


def _z_dim(G) -> int:
    """The noise size of a generator: its ``z_dim`` attribute (lessons' own networks) or its config's."""
    z_dim = getattr(G, "z_dim", None) or getattr(getattr(G, "cfg", None), "z_dim", None)
    if z_dim is None:
        raise AttributeError(f"{type(G).__name__} has no z_dim: store it in __init__ (self.z_dim = z_dim).")
    return z_dim


def _run_g(G, z: torch.Tensor, label: int | None) -> torch.Tensor:
    if label is None:
        return generate(G, z)
    return generate(G, z, torch.full((len(z),), int(label), dtype=torch.long, device=z.device))


def latent_sample(G, seed: int = 0, offsets: dict[int, float] | None = None, label: int | None = None) -> torch.Tensor:
    """One image from the seed's z with some coordinates moved: z[i] += offsets[i]. (1, C, H, W)."""
    z = seeded_z(seed, _z_dim(G), next(G.parameters()).device)
    for i, v in (offsets or {}).items():
        z[i] += v
    return _run_g(G, z[None], label)


def interpolation_frame(G, seed_a: int, seed_b: int, t: float, method: str = "slerp", label: int | None = None) -> torch.Tensor:
    """The image at position t in [0, 1] on the path between two seeds' z. (1, C, H, W)."""
    dev = next(G.parameters()).device
    fn = {"slerp": slerp, "lerp": lerp}[method]
    z = fn(seeded_z(seed_a, _z_dim(G), dev), seeded_z(seed_b, _z_dim(G), dev), t)
    return _run_g(G, z[None], label)


def class_noise_grid(G, n_classes: int | None = None, n_noise: int = 8, seed: int = 0) -> torch.Tensor:
    """Rows share one z, columns share one class: (n_noise·n_classes, C, H, W). Lesson 03.

    Show it with ``show_grid(images, nrow=n_classes)``: reading down a column keeps the class
    and changes the style; reading along a row keeps the style and changes the class.
    """
    n_classes = n_classes or G.cfg.n_classes
    dev = next(G.parameters()).device
    z = torch.randn(n_noise, _z_dim(G), generator=torch.Generator().manual_seed(seed)).to(dev)  # (n_noise, z)
    z = z.repeat_interleave(n_classes, dim=0)  # (n_noise·n_classes, z): row i repeats z_i
    y = torch.arange(n_classes, device=dev).repeat(n_noise)  # (n_noise·n_classes,): 0..9, 0..9, ...
    return generate(G, z, y)


# ---------------------------------------------------------------- widgets (lessons 02, 03)


def _show(images: torch.Tensor, title: str) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2.6, 2.6))
    show_grid(images, title, nrow=1, ax=ax)
    plt.show()


def _interactive(update, **controls):
    """ipywidgets' ``interactive``, drawn once at the start: ipywidgets 7 (Colab's) draws only when a control
    changes, so a student would see an empty widget until they moved a slider."""
    import ipywidgets

    widget = ipywidgets.interactive(update, **controls)
    if int(ipywidgets.__version__.split(".")[0]) < 8:  # 8 draws while it builds
        widget.update()
    return widget


def latent_explorer(G, dims: Sequence[int] = (0, 1, 2, 3), label: int | None = None):
    """A seed picker and one slider per chosen z coordinate; the image follows them."""
    from ipywidgets import FloatSlider, IntSlider

    sliders = {f"z{i}": FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.25, description=f"z[{i}] +") for i in dims}

    def update(seed=0, **moves):
        offsets = {int(k[1:]): v for k, v in moves.items()}
        _show(latent_sample(G, seed, offsets, label), f"seed {seed}")

    return _interactive(update, seed=IntSlider(value=0, min=0, max=999, description="seed"), **sliders)


def class_picker(G, class_names: Sequence[str] | None = None):
    """Pick a class (and a seed); the conditional generator draws it."""
    from ipywidgets import Dropdown, IntSlider

    names = list(class_names or [str(i) for i in range(G.cfg.n_classes)])

    def update(label=0, seed=0):
        _show(latent_sample(G, seed, None, label), f"class {names[label]}")

    options = [(n, i) for i, n in enumerate(names)]
    return _interactive(update, label=Dropdown(options=options, value=0, description="class"),
                       seed=IntSlider(value=0, min=0, max=999, description="seed"))


def interpolation_slider(G, seed_a: int = 0, seed_b: int = 1, label: int | None = None):
    """Slide t from 0 to 1 along the path between two seeds' noise vectors."""
    from ipywidgets import Dropdown, FloatSlider

    def update(t=0.0, method="slerp"):
        _show(interpolation_frame(G, seed_a, seed_b, t, method, label), f"{method} t={t:.2f}")

    return _interactive(update, t=FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05),
                       method=Dropdown(options=["slerp", "lerp"], value="slerp"))


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
