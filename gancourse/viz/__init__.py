"""Pictures: sample grids, curves and GIFs (images), the latent space (latent), the 2-D toy (plane)."""

from .images import SampleGrid, image_grid, plot_history, save_gif, save_grid, show_grid, to_uint8
from .latent import (
    class_noise_grid,
    class_picker,
    interpolate,
    interpolation_frame,
    interpolation_slider,
    latent_explorer,
    latent_sample,
    lerp,
    seeded_z,
    slerp,
)
from .plane import (
    PlaneFrame,
    PlaneFrames,
    d_surface,
    plane_frames,
    plane_gif,
    plot_coverage,
    plot_plane,
)

__all__ = [
    "to_uint8",
    "image_grid",
    "save_grid",
    "show_grid",
    "plot_history",
    "save_gif",
    "lerp",
    "slerp",
    "interpolate",
    "seeded_z",
    "latent_sample",
    "interpolation_frame",
    "class_noise_grid",
    "latent_explorer",
    "class_picker",
    "interpolation_slider",
    "SampleGrid",
    "PlaneFrame",
    "PlaneFrames",
    "d_surface",
    "plane_frames",
    "plane_gif",
    "plot_coverage",
    "plot_plane",
]
