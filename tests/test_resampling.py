"""Resampling folded into 3x3 convolutions (nets/resampling.py) equals resampling and convolution done
one after the other, in values and in every gradient (float64), and BigGAN's blocks compute their
unfolded definitions."""

import sys

import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm

from gancourse.nets import BigGANConfig, BigGANDiscriminator, BigGANGenerator
from gancourse.nets.resampling import DOWN, UP, conv3x3_avgpool, upsample_conv3x3
from tests.notebook_code import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from reference_loops import unfolded  # noqa: E402


def up_then_conv(x, conv):
    return conv(F.interpolate(x, scale_factor=2))


def conv_then_pool(x, conv):
    return F.avg_pool2d(conv(x), 2)


def _grads(fn, x, conv):
    x = x.clone().requires_grad_()
    y = fn(x, conv)
    y.backward(torch.linspace(-1, 1, y.numel(), dtype=y.dtype).view_as(y))  # an uneven upstream gradient
    grads = [x.grad] + [p.grad.clone() for p in conv.parameters()]
    conv.zero_grad()
    return y.detach(), grads


@pytest.mark.parametrize("folded, unfolded", [(upsample_conv3x3, up_then_conv), (conv3x3_avgpool, conv_then_pool)])
@pytest.mark.parametrize("shape", [(2, 3, 4, 6), (1, 5, 8, 8), (3, 1, 2, 2)])
@pytest.mark.parametrize("bias", [True, False])
def test_folded_resampling_equals_resampling_then_convolution(folded, unfolded, shape, bias):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(shape[1], 4, 3, padding=1, bias=bias).double()
    x = torch.randn(*shape, dtype=torch.float64)
    y, grads = _grads(folded, x, conv)
    y_ref, grads_ref = _grads(unfolded, x, conv)
    assert y.shape == y_ref.shape
    torch.testing.assert_close(y, y_ref, rtol=0, atol=1e-12)
    for g, g_ref in zip(grads, grads_ref, strict=True):
        torch.testing.assert_close(g, g_ref, rtol=0, atol=1e-12)


def test_the_merged_taps_by_hand():
    """Along one axis w = (1, 10, 100): up-then-conv reads x[j] with d = -1, 0, 1, 2 -> w2, w1 + w2, w0 + w1, w0;
    conv-then-pool reads r[2i - 1 .. 2i + 2] with w0, w0 + w1, w1 + w2, w2 (halved)."""
    w = torch.tensor([1.0, 10.0, 100.0])
    assert torch.tensor(UP) @ w == pytest.approx(torch.tensor([100.0, 110.0, 11.0, 1.0]))
    assert torch.tensor(DOWN) @ w == pytest.approx(torch.tensor([1.0, 11.0, 110.0, 100.0]))


def test_folding_works_through_spectral_norm_in_float32():
    torch.manual_seed(1)
    conv = spectral_norm(torch.nn.Conv2d(8, 6, 3, padding=1)).eval()  # eval: no power iteration between the calls
    x = torch.randn(4, 8, 10, 10)
    torch.testing.assert_close(upsample_conv3x3(x, conv), up_then_conv(x, conv), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(conv3x3_avgpool(x, conv), conv_then_pool(x, conv), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "conv, x, message",
    [
        (torch.nn.Conv2d(2, 2, 5, padding=2), torch.zeros(1, 2, 4, 4), "3x3"),
        (torch.nn.Conv2d(2, 2, 3, padding=0), torch.zeros(1, 2, 4, 4), "padding-1"),
        (torch.nn.Conv2d(2, 2, 3, padding=1, stride=2), torch.zeros(1, 2, 4, 4), "stride-1"),
    ],
)
def test_a_convolution_that_does_not_fold_is_refused(conv, x, message):
    with pytest.raises(ValueError, match=message):
        upsample_conv3x3(x, conv)


def test_pooling_an_odd_side_is_refused():
    with pytest.raises(ValueError, match="even sides"):
        conv3x3_avgpool(torch.zeros(1, 2, 5, 4), torch.nn.Conv2d(2, 2, 3, padding=1))


def test_biggan_blocks_compute_the_paper_s_unfolded_blocks():
    """The benchmark's "before issue 19" blocks (resample, then convolve) give what the folded ones give."""
    torch.manual_seed(2)
    cfg = BigGANConfig(width=8, shared_dim=8)
    G, D = BigGANGenerator(cfg).double().eval(), BigGANDiscriminator(cfg).double().eval()
    x, c = torch.randn(3, 32, 7, 7, dtype=torch.float64), torch.randn(3, 8 + G.chunk, dtype=torch.float64)
    images = torch.randn(3, 1, 28, 28, dtype=torch.float64)
    features = [torch.randn(3, c, s, s, dtype=torch.float64) for c, s in ((8, 14), (16, 7))]
    folded = [G.blocks[0](x, c)] + [b(inp) for b, inp in zip(D.blocks, [images, *features], strict=True)]
    unfolded(G), unfolded(D)
    assert type(G.blocks[0]).__name__ == "UnfoldedGBlock" and type(D.blocks[2]).__name__ == "UnfoldedDBlock"
    # the first D block (the image, pooled), a later pooled one, an unpooled one
    again = [G.blocks[0](x, c)] + [b(inp) for b, inp in zip(D.blocks, [images, *features], strict=True)]
    for y, y_ref in zip(folded, again, strict=True):
        torch.testing.assert_close(y, y_ref, rtol=0, atol=1e-10)


def test_training_folded_and_unfolded_biggan_gives_the_same_weights():
    """Two SGD steps of G and D in float64, spectral norm's power iterations included: same weights.

    SGD, not Adam: a bias in front of BatchNorm has a true gradient of 0, and Adam divides the rounding
    noise left in it (1e-17) by its own size, turning two roundings into steps of opposite sign."""
    import copy

    torch.manual_seed(3)
    cfg = BigGANConfig(width=8, shared_dim=8)
    nets = [BigGANGenerator(cfg).double(), BigGANDiscriminator(cfg).double()]
    twins = [unfolded(copy.deepcopy(n)) for n in nets]
    z, y = torch.randn(4, cfg.z_dim, dtype=torch.float64), torch.arange(4)
    real = torch.rand(4, 1, 28, 28, dtype=torch.float64) * 2 - 1
    for G, D in (nets, twins):
        opt_G, opt_D = torch.optim.SGD(G.parameters(), 0.1), torch.optim.SGD(D.parameters(), 0.1)
        for _ in range(2):
            fake = G(z, y)
            d_loss = F.relu(1 - D(real, y)).mean() + F.relu(1 + D(fake.detach(), y)).mean()  # hinge
            opt_D.zero_grad()
            d_loss.backward()
            opt_D.step()
            opt_G.zero_grad()
            (-D(fake, y).mean()).backward()
            opt_G.step()
    for net, twin in zip(nets, twins, strict=True):
        for (name, a), b in zip(net.state_dict().items(), twin.state_dict().values(), strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-9, msg=name)
