"""The maths of lesson 05's BigGAN pieces, checked against direct computations."""

import pytest
import torch
from torch import nn

from gancourse import losses
from gancourse.losses import off_diagonal_energy, orthogonal_penalty
from gancourse.nets.biggan import (
    BigGANConfig,
    BigGANDiscriminator,
    BigGANGenerator,
    ConditionalBatchNorm2d,
    SelfAttention,
    sn_conv,
    sn_linear,
    truncated_noise,
)

SMALL = BigGANConfig(width=16)


@pytest.mark.parametrize("size, channels", [(28, 1), (32, 3)])
def test_shapes_and_range(size, channels):
    cfg = BigGANConfig(img_size=size, channels=channels, width=16)
    G, D = BigGANGenerator(cfg), BigGANDiscriminator(cfg)
    y = torch.tensor([0, 4, 9])
    x = G(torch.randn(3, cfg.z_dim), y)
    assert x.shape == (3, channels, size, size) and x.abs().max() <= 1
    assert D(x, y).shape == (3,) and D.features(x).shape == (3, D.feature_dim)


def test_bad_config():
    with pytest.raises(ValueError, match="28 or 32"):
        BigGANGenerator(BigGANConfig(img_size=64))
    with pytest.raises(ValueError, match="split evenly"):
        BigGANGenerator(BigGANConfig(z_dim=100))


@pytest.mark.parametrize("layer", [sn_linear(40, 30), sn_conv(8, 16, 3)])
def test_spectral_norm_keeps_top_singular_value_near_one(layer):
    torch.manual_seed(0)
    with torch.no_grad():
        layer.parametrizations.weight.original.mul_(25.0)  # a weight with a large spectral norm
    layer.train()
    x = torch.randn(2, 40) if isinstance(layer, nn.Linear) else torch.randn(2, 8, 6, 6)
    for _ in range(100):  # each training forward runs one power iteration (30 left 1.021 on torch 2.4)
        layer(x)
    w = layer.weight.flatten(1)
    assert torch.linalg.svdvals(w)[0].item() == pytest.approx(1.0, abs=0.02)
    assert torch.linalg.svdvals(layer.parametrizations.weight.original.flatten(1))[0] > 5


def test_every_weight_of_g_and_d_is_spectrally_normalised():
    for net in (BigGANGenerator(SMALL), BigGANDiscriminator(SMALL)):
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                assert hasattr(m, "parametrizations"), m


def test_conditional_bn_applies_per_class_scale_and_shift():
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm2d(3, cond_dim=4)
    c = torch.eye(4)[[0, 2]]  # two samples, two different conditions
    h = torch.randn(2, 3, 5, 5)
    out = cbn(h, c)
    normed = nn.functional.batch_norm(h, None, None, training=True, eps=cbn.bn.eps)
    gamma, beta = 1 + cbn.gain(c), cbn.bias(c)  # (2, 3)
    assert torch.allclose(out, normed * gamma[:, :, None, None] + beta[:, :, None, None], atol=1e-5)
    assert not torch.allclose(gamma[0], gamma[1])  # the two classes get different scales


def test_projection_output_is_unconditional_plus_inner_product():
    torch.manual_seed(0)
    D = BigGANDiscriminator(SMALL).eval()
    x, y = torch.randn(4, 1, 28, 28), torch.tensor([1, 1, 5, 7])
    with torch.no_grad():
        phi = D.features(x)
        assert torch.allclose(D(x, y), D.psi(phi).squeeze(1) + (D.embed(y) * phi).sum(1), atol=1e-5)


def test_hinge_loss_values():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 0.5])
    # relu(1 - s_real): 0, 0.5, 2 -> mean 2.5/3; relu(1 + s_fake): 0, 1, 1.5 -> mean 2.5/3
    assert losses.d_loss_hinge(real, fake).item() == pytest.approx(5.0 / 3)
    assert losses.g_loss_hinge(fake).item() == pytest.approx(0.5)


@pytest.mark.parametrize("threshold", [0.5, 1.0, 2.0])
def test_truncated_noise_stays_in_bounds_by_resampling(threshold):
    z = truncated_noise(4000, 16, threshold, torch.Generator().manual_seed(0))
    assert z.abs().max() <= threshold
    # redrawn, not clamped: no pile-up at the bound, and the spread shrinks with the threshold
    assert (z.abs() > 0.99 * threshold).float().mean() < 0.02
    full = truncated_noise(4000, 16, None, torch.Generator().manual_seed(0))
    assert z.std() < full.std()
    with pytest.raises(ValueError):
        truncated_noise(2, 2, 0.0)


def test_orthogonal_penalty_zero_for_orthogonal_and_by_hand_otherwise():
    layer = nn.Linear(4, 4, bias=False)
    q, _ = torch.linalg.qr(torch.randn(4, 4))
    with torch.no_grad():
        layer.weight.copy_(q)
    assert orthogonal_penalty(layer, beta=1.0).item() == pytest.approx(0.0, abs=1e-10)
    with torch.no_grad():
        layer.weight.copy_(torch.diag(torch.tensor([1.0, 2.0, 3.0, 4.0])))  # orthogonal rows, any norms: still 0
    assert orthogonal_penalty(layer, beta=1.0).item() == pytest.approx(0.0)
    w = torch.tensor([[1.0, 1.0], [1.0, 0.0]])  # W Wᵀ = [[2, 1], [1, 1]]: off-diagonal 1 and 1
    two = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        two.weight.copy_(w)
    assert orthogonal_penalty(two, beta=0.5).item() == pytest.approx(0.5 * 2.0)
    conv = nn.Conv2d(2, 3, 3)  # reshaped to (3, 18)
    w2 = conv.weight.flatten(1)
    off = (w2 @ w2.T) * (1 - torch.eye(3))
    assert orthogonal_penalty(conv, beta=1.0).item() == pytest.approx(off.square().sum().item(), rel=1e-5)


def _masked_energy(w):
    """The definition, with an explicit mask: ||W Wᵀ ⊙ (1 - I)||_F²."""
    gram = w @ w.T
    return (gram * (1 - torch.eye(len(gram), dtype=w.dtype))).square().sum()


def test_off_diagonal_energy_of_a_tall_matrix_by_hand():
    """W = (1, 2, 3)ᵀ: W Wᵀ has off-diagonal pairs 2, 3, 6, so the energy is 2·(4 + 9 + 36) = 98,
    which the (1, 1) Gram gives as 14² - (1 + 16 + 81)."""
    w = torch.tensor([[1.0], [2.0], [3.0]])
    assert off_diagonal_energy(w).item() == pytest.approx(98.0)


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (10, 5), (11, 5), (60, 4), (64, 1152)])
def test_off_diagonal_energy_matches_the_definition_in_values_and_gradients(shape):
    """Both Gram forms (square when out ≤ 2·in, transposed when taller) against the masked definition, float64."""
    w = torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    mine, ref = off_diagonal_energy(w), _masked_energy(w)
    (g_mine,), (g_ref,) = torch.autograd.grad(mine, w), torch.autograd.grad(ref, w)
    assert torch.allclose(mine, ref, rtol=1e-12) and torch.allclose(g_mine, g_ref, rtol=1e-10, atol=1e-12)


def test_off_diagonal_energy_in_float32_on_bigans_first_layer_shape():
    """G's first linear layer, (6272, 32), in float32: within rounding of the float64 definition."""
    w = torch.randn(6272, 32, generator=torch.Generator().manual_seed(1)) / 32**0.5
    w.requires_grad_(True)
    (g,) = torch.autograd.grad(off_diagonal_energy(w), w)
    w64 = w.detach().double().requires_grad_(True)
    ref = _masked_energy(w64)
    (g_ref,) = torch.autograd.grad(ref, w64)
    assert off_diagonal_energy(w.detach()).item() == pytest.approx(ref.item(), rel=1e-5)
    assert torch.allclose(g.double(), g_ref, rtol=1e-4, atol=1e-4 * g_ref.abs().max().item())


def test_self_attention_starts_as_identity_and_learns():
    att = SelfAttention(16)
    x = torch.randn(2, 16, 8, 8)
    assert torch.equal(att(x), x)  # gamma = 0 at the start
    with torch.no_grad():
        att.gamma.fill_(1.0)
    assert not torch.allclose(att(x), x)


def test_hierarchical_z_reaches_every_block():
    torch.manual_seed(0)
    G = BigGANGenerator(SMALL).eval()
    z, y = torch.randn(1, 96), torch.tensor([3])
    base = G(z, y)
    for k in range(3):  # changing any one chunk of z changes the image
        z2 = z.clone()
        z2[:, k * 32 : (k + 1) * 32] += 1.0
        assert not torch.allclose(G(z2, y), base)
    assert not torch.allclose(G(z, torch.tensor([4])), base)  # and so does the class
