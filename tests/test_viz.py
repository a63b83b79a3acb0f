import imageio.v3 as iio
import numpy as np
import pytest
import torch

from gancourse import viz


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
    history = [{"step": i, "epoch": 0, "loss_D": 1.0 / (i + 1), "loss_G": 0.7, "D(x)": 0.6, "D(G(z))": 0.4} for i in range(5)]
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

        def sample_fixed(self):
            return torch.zeros(4, 1, 3, 3)

    cb = viz.SampleGrid(every=2, folder=tmp_path)
    cb.on_epoch_end(FakeTrainer())
    FakeTrainer.epoch = 3
    cb.on_epoch_end(FakeTrainer())
    assert len(cb.frames) == 1 and (tmp_path / "epoch-002.png").exists()
