import pytest
import torch
from torch import nn

from gancourse import nets, registry
from gancourse.config import GancourseError


def test_generator_shape_and_range():
    torch.manual_seed(0)
    G = nets.MLPGenerator()
    x = G(torch.randn(5, 100))
    assert x.shape == (5, 1, 28, 28)
    assert x.abs().max() <= 1.0
    assert isinstance(list(G.modules())[-1], nn.Tanh)


def test_generator_other_image_shape():
    cfg = nets.MLPConfig(z_dim=8, img_shape=(3, 8, 8), g_hidden=(16,), d_hidden=(16,))
    assert nets.MLPGenerator(cfg)(torch.randn(4, 8)).shape == (4, 3, 8, 8)
    assert nets.MLPDiscriminator(cfg)(torch.randn(4, 3, 8, 8)).shape == (4,)


def test_discriminator_returns_unbounded_logits():
    torch.manual_seed(0)
    D = nets.MLPDiscriminator()
    with torch.no_grad():
        [m for m in D.modules() if isinstance(m, nn.Linear)][-1].weight.mul_(100)
    out = D(torch.rand(16, 1, 28, 28) * 2 - 1)
    assert out.shape == (16,)
    assert out.min() < 0 or out.max() > 1  # not squashed by a sigmoid
    assert any(isinstance(m, nn.LeakyReLU) for m in D.modules())


def test_gradients_reach_every_parameter():
    G, D = nets.MLPGenerator(), nets.MLPDiscriminator()
    D(G(torch.randn(4, 100))).mean().backward()
    assert all(p.grad is not None for p in [*G.parameters(), *D.parameters()])


def test_build_from_config_dict():
    cfg = nets.MLPConfig(z_dim=12, g_hidden=(32,), d_hidden=(16,))
    G, D = registry.build("gan", {"z_dim": 12, "g_hidden": [32], "d_hidden": [16]})
    assert G.cfg == cfg and D.cfg == cfg
    with pytest.raises(GancourseError, match="unknown model kind"):
        registry.build("progan", {})


# ---------------------------------------------------------------- DCGAN (lesson 02)

from gancourse.nets.blocks import conv_out_size, conv_transpose_out_size, dcgan_init_  # noqa: E402


@pytest.mark.parametrize("size, channels", [(28, 1), (64, 3), (64, 1)])
def test_dcgan_shapes_and_ranges(size, channels):
    cfg = nets.DCGANConfig(img_size=size, channels=channels, width=8)
    G, D = nets.DCGANGenerator(cfg), nets.DCGANDiscriminator(cfg)
    x = G(torch.randn(3, cfg.z_dim))
    assert x.shape == (3, channels, size, size) and x.abs().max() <= 1
    assert D(x).shape == (3,) and D.features(x).shape == (3, D.feature_dim)


def test_dcgan_follows_the_guidelines():
    cfg = nets.DCGANConfig()
    G, D = nets.DCGANGenerator(cfg), nets.DCGANDiscriminator(cfg)
    g_layers = [
        m for m in G.modules() if isinstance(m, (nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU, nn.Tanh, nn.LeakyReLU))
    ]
    assert isinstance(g_layers[-1], nn.Tanh) and isinstance(g_layers[-2], nn.ConvTranspose2d)  # no BN on G's output
    assert not any(isinstance(m, nn.LeakyReLU) for m in G.modules())
    d_layers = [m for m in D.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.LeakyReLU, nn.Dropout))]
    assert isinstance(d_layers[0], nn.Conv2d) and isinstance(d_layers[1], nn.LeakyReLU)  # no BN on D's input
    assert any(isinstance(m, nn.BatchNorm2d) for m in D.modules())
    assert [m.p for m in D.modules() if isinstance(m, nn.Dropout)] == [0.3, 0.3]
    convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.out_channels, c.kernel_size, c.stride) for c in convs] == [(64, (5, 5), (2, 2)), (128, (5, 5), (2, 2))]
    assert G.project[0].out_features == 7 * 7 * 256


def test_dcgan_init_statistics():
    torch.manual_seed(0)
    net = dcgan_init_(nn.Sequential(nn.Conv2d(64, 64, 5), nn.BatchNorm2d(64), nn.Linear(4000, 50)))
    assert abs(net[0].weight.std().item() - 0.02) < 0.002 and net[0].bias.abs().max() == 0
    assert abs(net[1].weight.mean().item() - 1) < 0.01
    assert abs(net[2].weight.std().item() - 0.02) < 0.002


@pytest.mark.parametrize("size, k, s, p, op", [(7, 5, 2, 2, 1), (1, 4, 1, 0, 0), (16, 4, 2, 1, 0), (5, 3, 3, 1, 2)])
def test_size_formulas_match_torch(size, k, s, p, op):
    x = torch.zeros(1, 1, size, size)
    assert (
        conv_transpose_out_size(size, k, s, p, op) == nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op)(x).shape[-1]
    )
    assert conv_out_size(size + 8, k, s, p) == nn.Conv2d(1, 1, k, s, p)(torch.zeros(1, 1, size + 8, size + 8)).shape[-1]


def test_dcgan_rejects_unsupported_size():
    with pytest.raises(ValueError, match="28x28 or 64x64"):
        nets.DCGANGenerator(nets.DCGANConfig(img_size=32))


# ---------------------------------------------------------------- conditional (lesson 03)

from gancourse.nets.conditional import sample_classes  # noqa: E402


@pytest.mark.parametrize("disc", ["concat", "projection"])
@pytest.mark.parametrize("embed_dim", [0, 16])
def test_conditional_shapes(disc, embed_dim):
    G, D = registry.build("cgan", {"discriminator": disc, "embed_dim": embed_dim, "width": 8})
    y = torch.tensor([0, 5, 9])
    x = G(torch.randn(3, 100), y)
    assert x.shape == (3, 1, 28, 28) and D(x, y).shape == (3,)


def test_generator_output_depends_on_the_label():
    torch.manual_seed(0)
    G, _ = registry.build("cgan", {"width": 8})
    z = torch.randn(1, 100).repeat(2, 1)
    out = sample_classes(G, [1, 8], z=z)
    assert not torch.allclose(out[0], out[1])


def test_concat_discriminator_sees_label_maps():
    torch.manual_seed(0)
    _, D = registry.build("cgan", {"width": 8, "discriminator": "concat"})
    first = [m for m in D.modules() if isinstance(m, nn.Conv2d)][0]
    assert first.in_channels == 1 + 10
    D.eval()
    x = torch.randn(2, 1, 28, 28)
    assert not torch.allclose(D(x, torch.tensor([0, 0])), D(x, torch.tensor([3, 3])))


def test_projection_output_is_unconditional_plus_inner_product():
    torch.manual_seed(0)
    _, D = registry.build("cgan", {"width": 8, "discriminator": "projection"})
    D.eval()
    x, y = torch.randn(4, 1, 28, 28), torch.tensor([0, 1, 1, 9])
    with torch.no_grad():
        phi = D.net.features(x)
        expected = D.net.head(phi).squeeze(1) + (D.embed.weight[y] * phi).sum(1)
        assert torch.allclose(D(x, y), expected, atol=1e-6)


def test_generate_makes_the_requested_labels_in_eval_mode():
    G, _ = registry.build("cgan", {"width": 8})
    assert G.training
    out = sample_classes(G, [3, 3, 7], seed=0)
    assert out.shape == (3, 1, 28, 28) and not out.requires_grad and G.training
    assert torch.equal(out, sample_classes(G, [3, 3, 7], seed=0))  # seeded and in eval mode: reproducible
    with pytest.raises(ValueError, match="0..9"):
        sample_classes(G, [10])


def test_fast_dropout_matches_dropout_statistics():
    from gancourse.nets.blocks import FastDropout

    torch.manual_seed(0)
    drop = FastDropout(0.3)
    assert isinstance(drop, torch.nn.Dropout)  # same interface, found by isinstance checks
    x = torch.ones(200_000)
    y = drop(x)
    zero = (y == 0).float().mean().item()
    assert abs(zero - 0.3) < 0.005  # each value dropped with probability p
    assert torch.allclose(y[y != 0], torch.full_like(y[y != 0], 1 / 0.7))  # survivors scaled by 1/(1-p)
    assert abs(y.mean().item() - 1.0) < 0.01  # the expectation is preserved
    drop.eval()
    assert torch.equal(drop(x), x)  # identity at evaluation
    assert torch.equal(FastDropout(0.0).train()(x), x)


def test_parallel_dropout_masks_are_bernoulli_reproducible_and_keep_the_layout():
    """dropout_mask_like: each piece from its own generator seeded by the global one; keeps with probability 1 - p."""
    from gancourse.nets.blocks import PARALLEL_FROM, dropout_mask_like

    torch.set_num_threads(max(2, torch.get_num_threads()))
    x = torch.zeros(8, 64, 16, 16).contiguous(memory_format=torch.channels_last)  # 131,072 elements
    assert x.numel() >= PARALLEL_FROM
    torch.manual_seed(3)
    mask = dropout_mask_like(x, 0.3)
    torch.manual_seed(3)
    assert torch.equal(dropout_mask_like(x, 0.3), mask)  # seeded: the same masks again
    assert not torch.equal(dropout_mask_like(x, 0.3), mask)  # and the next call draws new ones
    assert mask.is_contiguous(memory_format=torch.channels_last) and mask.shape == x.shape and mask.dtype == x.dtype
    assert mask.unique().tolist() == [0.0, pytest.approx(1 / 0.7)]  # dropped, or kept and scaled by 1 / (1 - p)
    keep = (mask > 0).float()
    assert abs(keep.mean().item() - 0.7) < 0.01 and abs(mask.mean().item() - 1.0) < 0.015  # E[mask] = 1
    flat = keep.permute(0, 2, 3, 1).reshape(-1)  # memory order: the threads' pieces side by side
    half = flat.numel() // 2
    assert not torch.equal(flat[:half], flat[half:])  # the threads' generators differ
    assert abs(torch.corrcoef(torch.stack([flat[: half - 1], flat[1:half]]))[0, 1].item()) < 0.02  # no serial pattern
