import imageio.v3 as iio
import numpy as np
import pytest
import torch

from gancourse import registry, viz
from gancourse.viz import latent


def test_to_uint8_maps_tanh_range_to_bytes():
    x = torch.tensor([-1.0, 0.0, 1.0, 3.0]).view(1, 1, 2, 2)
    assert viz.to_uint8(x).flatten().tolist() == [0, 128, 255, 255]
    u = torch.tensor([[[[7]]]], dtype=torch.uint8)
    assert viz.to_uint8(u) is not None and viz.to_uint8(u).item() == 7


def test_image_grid_shapes():
    grey = viz.image_grid(torch.zeros(4, 1, 5, 5), nrow=2, padding=1)
    assert grey.shape == (2 * 5 + 3, 2 * 5 + 3) and grey.dtype == np.uint8
    colour = viz.image_grid(torch.zeros(3, 3, 4, 4), nrow=3, padding=0)
    assert colour.shape == (4, 12, 3)


def test_save_grid_writes_a_png(tmp_path):
    path = viz.save_grid(torch.rand(4, 1, 6, 6) * 2 - 1, tmp_path / "sub" / "g.png", nrow=2)
    img = iio.imread(path)
    assert img.shape[:2] == (2 * (2 * 6 + 6), 2 * (2 * 6 + 6))  # two rows with padding 2, upscaled x2


def test_plot_history_and_empty_errors(tmp_path):
    history = [
        {"step": i, "epoch": 0, "loss_D": 1.0 / (i + 1), "loss_G": 0.7, "D(x)": 0.6, "D(G(z))": 0.4} for i in range(5)
    ]
    fig = viz.plot_history(history, tmp_path / "l.png")
    assert (tmp_path / "l.png").stat().st_size > 0
    labels = [line.get_label() for ax in fig.axes for line in ax.lines if not line.get_label().startswith("_")]
    assert labels == ["loss_D", "loss_G", "D(x)", "D(G(z))"]
    with pytest.raises(ValueError, match="empty"):
        viz.plot_history([])
    with pytest.raises(ValueError, match="no frames"):
        viz.save_gif([], tmp_path / "x.gif")


def test_save_gif_animates(tmp_path):
    frames = [np.full((8, 8), v, np.uint8) for v in (0, 128, 255)]
    path = viz.save_gif(frames, tmp_path / "p.gif")
    assert len(iio.imread(path, index=None)) == 3


def test_sample_grid_callback_collects_frames(tmp_path):
    class FakeTrainer:
        epoch = 2
        steps = type("Steps", (), {"grid_nrow": None})()

        def sample_fixed(self):
            return torch.zeros(4, 1, 3, 3)

    cb = viz.SampleGrid(every=2, folder=tmp_path)
    cb.on_epoch_end(FakeTrainer())
    FakeTrainer.epoch = 3
    cb.on_epoch_end(FakeTrainer())
    assert len(cb.frames) == 1 and (tmp_path / "epoch-002.png").exists()


# ---------------------------------------------------------------- latent space and widgets (lessons 02, 03)

import math  # noqa: E402


def test_lerp_and_slerp_by_hand():
    z0, z1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert torch.allclose(viz.lerp(z0, z1, 0.5), torch.tensor([0.5, 0.5]))
    # 90 degrees apart: slerp at t=1/2 is (cos 45°, sin 45°), still on the unit circle
    assert torch.allclose(viz.slerp(z0, z1, 0.5), torch.tensor([math.sqrt(0.5), math.sqrt(0.5)]), atol=1e-6)
    assert torch.allclose(viz.slerp(z0, z1, 0.0), z0) and torch.allclose(viz.slerp(z0, z1, 1.0), z1, atol=1e-6)
    assert torch.allclose(viz.slerp(z0, 2 * z0, 0.5), viz.lerp(z0, 2 * z0, 0.5))  # parallel: falls back to lerp


def test_slerp_keeps_gaussian_norms_lerp_does_not():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(100, generator=g), torch.randn(100, generator=g)
    path = viz.interpolate(z0, z1, 9, "slerp")
    assert path.shape == (9, 100) and torch.allclose(path[0], z0) and torch.allclose(path[-1], z1, atol=1e-5)
    norms = path.norm(dim=1)
    assert norms.min() > 0.95 * min(z0.norm(), z1.norm())
    assert viz.interpolate(z0, z1, 9, "lerp").norm(dim=1)[4] < 0.8 * min(z0.norm(), z1.norm())


def _cgan():
    torch.manual_seed(0)
    return registry.build("cgan", {"width": 8})[0]


def test_class_noise_grid_rows_share_z_columns_share_label():
    G = _cgan()
    grid = viz.class_noise_grid(G, n_noise=3, seed=0)
    assert grid.shape == (30, 1, 28, 28)
    # the same (z, y) appears nowhere twice, but regenerating one cell reproduces it
    z = torch.randn(3, 100, generator=torch.Generator().manual_seed(0))
    from gancourse.train import generate

    assert torch.allclose(grid[1 * 10 + 4], generate(G, z[1:2], torch.tensor([4]))[0], atol=1e-5)


def test_latent_sample_offsets_and_seeds():
    torch.manual_seed(0)
    G = registry.build("dcgan", {"width": 8})[0]
    a = viz.latent_sample(G, seed=5)
    assert a.shape == (1, 1, 28, 28) and torch.equal(a, viz.latent_sample(G, seed=5))
    assert not torch.equal(a, viz.latent_sample(G, seed=6))
    assert not torch.equal(a, viz.latent_sample(G, seed=5, offsets={0: 3.0}))
    assert torch.allclose(viz.interpolation_frame(G, 5, 6, 0.0), a, atol=1e-5)


def test_widgets_build_headless_and_redraw(monkeypatch):
    drawn = []
    monkeypatch.setattr(latent, "_show", lambda images, title: drawn.append((images.clone(), title)))
    G = _cgan()
    picker = viz.class_picker(G)
    assert [title for _, title in drawn] == ["class 0"]  # a first picture before any slider moves (ipywidgets 7 and 8)
    picker.children[0].value = 7  # choose the class "7"
    seven = drawn[-1]
    assert seven[1] == "class 7" and not torch.equal(drawn[0][0], seven[0])  # the digit changed
    explorer = viz.latent_explorer(G, dims=(0, 1), label=3)
    before = drawn[-1][0]
    explorer.children[1].value = 2.0  # push z[0]
    assert not torch.equal(before, drawn[-1][0])
    slider = viz.interpolation_slider(G, 0, 1, label=2)
    slider.children[0].value = 1.0
    assert drawn[-1][1] == "slerp t=1.00"


def test_truncation_slider_runs_the_students_truncation_on_the_same_seeds(monkeypatch):
    """Lesson 05's slider: the given truncation function draws the noise; the global RNG is untouched."""
    G = _cgan()
    calls = []

    def clamp(n, dim, threshold):  # a stand-in truncation: clip to the threshold
        calls.append((n, dim, threshold))
        return torch.randn(n, dim).clamp(-threshold, threshold)

    torch.manual_seed(0)
    state = torch.random.get_rng_state()
    tight = viz.truncated_grid(G, clamp, 0.05, seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)  # fork_rng: the notebook's stream goes on as before
    assert calls == [(4, G.cfg.z_dim, 0.05)] and tight.shape == (40, 1, 28, 28)
    assert torch.equal(viz.truncated_grid(G, clamp, 0.05, seed=3), tight)  # the same seed: the same grid
    assert not torch.equal(viz.truncated_grid(G, clamp, None, seed=3), tight)  # no truncation: plain noise
    assert len(calls) == 2
    shown = []
    monkeypatch.setattr(latent, "show_grid", lambda images, title, nrow, ax: shown.append(title))
    slider = viz.truncation_slider(G, clamp)
    slider.children[0].value = 0.5
    slider.children[1].value = False
    assert shown[0] == "threshold 1.00" and "threshold 0.50" in shown and shown[-1] == "no truncation"
