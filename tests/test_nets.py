import pytest
import torch
from torch import nn

from gancourse import nets
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
    G, D = nets.build("mlp", {"z_dim": 12, "g_hidden": [32], "d_hidden": [16]})
    assert G.cfg == cfg and D.cfg == cfg
    with pytest.raises(GancourseError, match="unknown model kind"):
        nets.build("stylegan", {})
