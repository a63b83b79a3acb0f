"""DiffAugment: differentiable transforms applied alike to real and fake images before D."""

import pytest
import torch

from gancourse import losses
from gancourse.config import GancourseError
from gancourse.train import GANSteps, TrainConfig, augmenter, diff_augment
from gancourse.train.augment import color, cutout, parse_policy, translation


def test_translation_is_a_shift_with_zeros_shifted_in():
    torch.manual_seed(0)
    x = torch.arange(1, 1 + 16 * 16, dtype=torch.float32).view(1, 1, 16, 16).repeat(8, 1, 1, 1)
    out = translation(x)  # up to 2 pixels each way at 16 px
    for img in out[:, 0]:
        found = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                want = torch.zeros(16, 16)
                ys, xs = slice(max(0, -dy), min(16, 16 - dy)), slice(max(0, -dx), min(16, 16 - dx))
                src_y, src_x = slice(max(0, dy), min(16, 16 + dy)), slice(max(0, dx), min(16, 16 + dx))
                want[ys, xs] = x[0, 0][src_y, src_x]
                found |= torch.equal(img, want)
        assert found
    assert len({tuple(img.flatten()[:40].tolist()) for img in out[:, 0]}) > 1  # per-sample shifts


def test_cutout_zeroes_one_square_of_half_the_side():
    torch.manual_seed(1)
    out = cutout(torch.ones(64, 2, 28, 28))
    zeros = (out[:, 0] == 0).sum(dim=(1, 2))
    assert torch.equal(out[:, 0], out[:, 1])  # the same square in every channel
    assert int(zeros.max()) == 14 * 14 and int(zeros.min()) >= 7 * 7 and len(set(zeros.tolist())) > 1


def test_color_keeps_a_flat_image_flat_within_the_brightness_range():
    torch.manual_seed(2)
    out = color(torch.full((32, 1, 4, 4), 0.2))
    per_image = out.flatten(1)
    assert torch.allclose(per_image, per_image[:, :1].expand_as(per_image))  # contrast of a flat image: still flat
    assert float(per_image.min()) >= -0.3 - 1e-6 and float(per_image.max()) <= 0.7 + 1e-6 and per_image.std() > 0.1


def test_augmentation_is_differentiable_and_keeps_shapes():
    x = torch.randn(4, 3, 28, 28, requires_grad=True)
    out = diff_augment(x)
    assert out.shape == x.shape
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_policies_are_checked_in_one_line():
    assert parse_policy(" color, cutout ") == ["color", "cutout"] and augmenter("") is None
    with pytest.raises(GancourseError, match="unknown augmentation 'flip'"):
        augmenter("color,flip")
    assert TrainConfig().augment == ""


def test_gan_steps_show_d_augmented_images_only():
    seen = []

    class D(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(()))

        def forward(self, x):
            seen.append(x.detach().clone())
            return x.flatten(1).mean(1) * self.w

    G = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Unflatten(1, (1, 4, 4)))
    real = torch.ones(8, 1, 4, 4)
    steps = GANSteps(4, losses.get_loss("bce"), augment=lambda x: x + 100.0)
    d = D()
    steps.step(G, d, torch.optim.SGD(G.parameters(), 0.1), torch.optim.SGD(d.parameters(), 0.1), (real, None), True)
    assert len(seen) == 3 and all(float(s.mean()) > 50 for s in seen)  # real, fake for D, fake for G: all augmented
    with pytest.raises(GancourseError, match="alternating update only"):
        GANSteps(4, augment=lambda x: x, simultaneous=True)
