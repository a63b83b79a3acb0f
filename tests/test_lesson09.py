"""Lesson 09 (StyleGAN's generator): the layers' maths by hand, the generator's injection points, style mixing,
w_avg and truncation, the `stylegan` registry kind on the command line, and the lab."""

import pytest
import torch

from gancourse import nets, registry
from gancourse.nets.stylegan import N_STYLES, AdaIN, MappingNetwork, NoiseInjection, mix_styles, truncate_w
from gancourse.train import TrainConfig
from tests.test_labs import code_cells


def test_adain_by_hand():
    layer = AdaIN(1, 2)
    with torch.no_grad():
        layer.style.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))  # y_s = 1 + w_0, y_b = w_1
    x = torch.tensor([1.0, 3.0]).view(1, 1, 1, 2)  # mean 2, biased deviation 1: normalised (-1, 1)
    out = layer(x, torch.tensor([[1.0, 5.0]]))  # y_s = 2, y_b = 5
    assert out.flatten().tolist() == pytest.approx([3.0, 7.0], abs=1e-4)


def test_mapping_normalises_z_by_hand():
    net = MappingNetwork(2, 2, 1)
    with torch.no_grad():
        net.net[0].weight.copy_(torch.eye(2))
        net.net[0].bias.zero_()
    # z = (3, 4): mean square 12.5, so z / sqrt(12.5) = (0.8485, 1.1314); LeakyReLU keeps positives
    assert net(torch.tensor([[3.0, 4.0]])).flatten().tolist() == pytest.approx([3 / 12.5**0.5, 4 / 12.5**0.5], rel=1e-5)


def test_noise_is_one_map_per_sample_scaled_per_channel():
    layer = NoiseInjection(3)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([1.0, 2.0, -1.0]).view(1, 3, 1, 1))
    noise = torch.randn(2, 1, 4, 4)
    out = layer(torch.zeros(2, 3, 4, 4), noise)
    assert torch.equal(out[:, 1], 2 * noise[:, 0]) and torch.equal(out[:, 2], -noise[:, 0])


def test_mixing_and_truncation():
    w1, w2 = torch.zeros(2, 3), torch.ones(2, 3)
    mixed = mix_styles(w1, w2, 2, 5)
    assert mixed.shape == (2, 5, 3) and mixed[:, :2].sum() == 0 and mixed[:, 2:].eq(1).all()
    w_avg = torch.full((3,), 4.0)
    assert torch.equal(truncate_w(w1, w_avg, 0.0), w_avg.expand(2, 3)) and torch.equal(truncate_w(w1, w_avg, 1.0), w1)


def test_generator_takes_the_students_pieces():
    made = []

    class MyAdaIN(AdaIN):
        def __init__(self, channels, w_dim):
            super().__init__(channels, w_dim)
            made.append(channels)

    G = nets.StyleGenerator(nets.StyleGANConfig(width=8), adain=MyAdaIN, mix=mix_styles)
    assert made == [8] * N_STYLES and G(torch.randn(3, 64)).shape == (3, 1, 28, 28)
    assert "MyAdaIN" in repr(G)


def test_w_avg_moves_only_in_training_and_psi_zero_gives_the_average_image():
    torch.manual_seed(0)
    G = nets.StyleGenerator(nets.StyleGANConfig(width=8, mixing=0.0))
    G(torch.randn(16, 64))
    moved = G.w_avg.clone()
    assert moved.abs().sum() > 0
    G.eval()
    with torch.no_grad():
        G(torch.randn(16, 64))
        assert torch.equal(G.w_avg, moved)
        ws = G.styles(torch.randn(4, 64), psi=0.0)  # (4, L, w_dim): every style the average
        assert torch.allclose(ws, moved.expand_as(ws))
        noise = [torch.zeros(1, 1, s, s) for s in (7, 7, 14, 14, 28, 28)]
        images = G.synthesis(ws, [n.expand(4, -1, -1, -1) for n in noise])
        assert torch.allclose(images, images[:1].expand_as(images), atol=1e-6)


def test_mixing_probability_one_uses_two_latents():
    torch.manual_seed(0)
    seen = []

    def spy(w1, w2, crossover, n):
        seen.append(crossover)
        return mix_styles(w1, w2, crossover, n)

    G = nets.StyleGenerator(nets.StyleGANConfig(width=8, mixing=1.0), mix=spy)
    for _ in range(20):
        G(torch.randn(2, 64))
    assert len(seen) == 20 and set(seen) <= set(range(1, N_STYLES)) and len(set(seen)) > 1
    G.eval()
    G(torch.randn(2, 64))
    assert len(seen) == 20  # no mixing when sampling


def test_cli_train_and_sample_stylegan(tmp_path, capsys):
    from gancourse.cli import main

    out = tmp_path / "run"
    argv = ["train", "stylegan", "--epochs", "1", "--limit", "64", "--batch-size", "32", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    ckpt_path = next((out / "checkpoints").glob("*.pt"))
    ckpt = torch.load(ckpt_path, weights_only=True)
    G, D = registry.build("stylegan", ckpt["config"])  # rebuilt from the file alone
    G.load_state_dict(ckpt["G"])
    assert ckpt["kind"] == "stylegan" and G.w_avg.abs().sum() > 0  # the truncation centre travels with the weights
    recipe = TrainConfig(**ckpt["train_config"])
    assert (recipe.beta1, recipe.beta2) == (0.0, 0.99)  # StyleGAN's Adam (from ProGAN)
    assert ckpt["ema"] is not None  # and the moving average of G's weights it samples with
    G_avg = registry.generator_from_checkpoint(ckpt, ckpt_path)
    assert G_avg.w_avg.abs().sum() > 0  # the average generator has its own truncation centre
    assert any(not torch.equal(a, b) for a, b in zip(G_avg.state_dict().values(), G.state_dict().values(), strict=True))
    assert main(["sample", str(ckpt_path), "--n", "12", "--out", str(tmp_path / "s.npz")]) == 0


def test_the_lesson_trains_and_samples_the_students_pieces():
    cells = code_cells("09_stylegan.ipynb")
    training = next(c for c in cells if "def train_for_budget" in c)
    assert "nets.StyleGenerator(style_cfg, MappingNetwork, AdaIN, NoiseInjection, mix_styles" in training
    assert "truncate_w" in training and 'train_for_budget("dcgan"' in training
    assert 'recipe="stylegan"' in training  # the control: DCGAN's generator with StyleGAN's recipe
    grid = next(c for c in cells if "CROSSOVER = " in c)
    assert "averaged(styled)" in grid and "mix_styles(" in grid
    assert "G(z, psi=psi)" in next(c for c in cells if "for psi in" in c)
