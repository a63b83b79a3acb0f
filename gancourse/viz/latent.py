"""The latent space: interpolation, seeded noise, class-by-noise grids and widgets. Introduced in lesson 02."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..tensors import generate
from .images import show_grid

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


def interpolation_frame(
    G, seed_a: int, seed_b: int, t: float, method: str = "slerp", label: int | None = None
) -> torch.Tensor:
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


def truncated_grid(
    G, truncate, threshold: float | None, n_classes: int | None = None, n_noise: int = 4, seed: int = 0
) -> torch.Tensor:
    """Rows share one z from ``truncate(n_noise, z_dim, threshold)`` (None: plain N(0, I)), columns one class:
    (n_noise·n_classes, C, H, W). Lesson 05 passes the student's ``truncated_z``. The global RNG is left as it was."""
    n_classes = n_classes or G.cfg.n_classes
    dev = next(G.parameters()).device
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        z = torch.randn(n_noise, _z_dim(G)) if threshold is None else truncate(n_noise, _z_dim(G), threshold)
    z = torch.as_tensor(z).to(dev).repeat_interleave(n_classes, dim=0)  # (n_noise·n_classes, z): row i repeats z_i
    y = torch.arange(n_classes, device=dev).repeat(n_noise)  # (n_noise·n_classes,)
    return generate(G, z, y)


# ---------------------------------------------------------------- widgets (lessons 02, 03, 05)


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
    return _interactive(
        update,
        label=Dropdown(options=options, value=0, description="class"),
        seed=IntSlider(value=0, min=0, max=999, description="seed"),
    )


def interpolation_slider(G, seed_a: int = 0, seed_b: int = 1, label: int | None = None):
    """Slide t from 0 to 1 along the path between two seeds' noise vectors."""
    from ipywidgets import Dropdown, FloatSlider

    def update(t=0.0, method="slerp"):
        _show(interpolation_frame(G, seed_a, seed_b, t, method, label), f"{method} t={t:.2f}")

    return _interactive(
        update,
        t=FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05),
        method=Dropdown(options=["slerp", "lerp"], value="slerp"),
    )


def truncation_slider(G, truncate, n_classes: int | None = None):
    """A threshold slider over ``truncate`` (lesson 05: the student's ``truncated_z``): the same noise seeds and
    classes at every threshold, so only the truncation changes between frames."""
    import matplotlib.pyplot as plt
    from ipywidgets import Checkbox, FloatSlider, IntSlider

    n_classes = n_classes or G.cfg.n_classes

    def update(threshold=1.0, truncate_z=True, seed=0):
        images = truncated_grid(G, truncate, threshold if truncate_z else None, n_classes, 4, seed)
        fig, ax = plt.subplots(figsize=(0.6 * n_classes, 2.6))
        show_grid(images, f"threshold {threshold:.2f}" if truncate_z else "no truncation", nrow=n_classes, ax=ax)
        plt.show()

    return _interactive(
        update,
        threshold=FloatSlider(value=1.0, min=0.05, max=3.0, step=0.05, description="threshold"),
        truncate_z=Checkbox(value=True, description="truncate"),
        seed=IntSlider(value=0, min=0, max=999, description="seed"),
    )
