"""DFT-domain convolutions (gancourse/speed/dftconv.py): the same function as torch's layers, in fewer "
"multiplications."""

import itertools
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gancourse import registry
from gancourse.data import Batches
from gancourse.speed.algorithms import algorithm_of, conv_layers, use_algorithm
from gancourse.speed.dftconv import (
    dft_conv_stride2,
    dft_conv_transpose_stride2,
    dft_correlate,
)
from gancourse.speed.phases import _phase_taps
from gancourse.train import GANSteps, TrainConfig, Trainer


def use_dft_convolutions(net, min_kernel=3, min_channels=16):
    return use_algorithm(net, "dft", min_kernel, min_channels)


def dft_layers(net):
    return [m for m in conv_layers(net).values() if algorithm_of(m) == "dft"]


CASES = [(h, w, k, p) for h, w, k, p in itertools.product([5, 7, 14], [6, 7], [2, 3, 4, 5], [0, 1, 2, 4]) if p < k]


@pytest.mark.parametrize("h,w,k,p", CASES)
def test_stride1_correlation_equals_conv2d(h, w, k, p):
    g = torch.Generator().manual_seed(h * 100 + k * 10 + p)
    x = torch.randn(2, 3, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(4, 3, k, k, generator=g, dtype=torch.float64)
    bias = torch.randn(4, generator=g, dtype=torch.float64)
    ref = F.conv2d(x, weight, bias, padding=p)
    assert dft_correlate(x, weight, (p, p), bias) == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize("h,w,k,p", CASES)
def test_stride2_conv_and_transposed_conv_equal_torch(h, w, k, p):
    g = torch.Generator().manual_seed(h * 100 + k * 10 + p)
    x = torch.randn(2, 3, h, w, generator=g, dtype=torch.float64)
    weight = torch.randn(4, 3, k, k, generator=g, dtype=torch.float64)
    if h + 2 * p >= k and w + 2 * p >= k:
        assert dft_conv_stride2(x, weight, (p, p)) == pytest.approx(F.conv2d(x, weight, stride=2, padding=p), abs=1e-10)
    wt = torch.randn(3, 4, k, k, generator=g, dtype=torch.float64)
    for op in (0, 1):
        if op < 2 and 2 * p < 2 * (h - 1) + k + op:  # torch's own limits on these arguments
            ref = F.conv_transpose2d(x, wt, stride=2, padding=p, output_padding=op)
            assert dft_conv_transpose_stride2(x, wt, (p, p), (op, op)) == pytest.approx(ref, abs=1e-10)


def test_phase_taps_by_hand():
    """k=5, p=2 (DCGAN): conv phases read taps (0, 2, 4) and (1, 3, -); convT phases (4, 2, 0) and (-, 3, 1)."""
    assert _phase_taps(5, 2, transposed=False) == ([[0, 2, 4], [1, 3, 5]], 1)
    assert _phase_taps(5, 2, transposed=True) == ([[4, 2, 0], [5, 3, 1]], 1)


def test_gradients_equal_torch():
    """Autograd through the six matrix products gives torch's gradients for input, weight and bias."""
    g = torch.Generator().manual_seed(0)
    for make in (
        lambda: nn.Conv2d(16, 16, 5, 1, 2),
        lambda: nn.Conv2d(16, 16, 5, 2, 2),
        lambda: nn.ConvTranspose2d(16, 16, 5, 1, 2),
        lambda: nn.ConvTranspose2d(16, 16, 5, 2, 2, output_padding=1),
    ):
        ref = make().double()
        fast = nn.Sequential(make().double())
        fast[0].load_state_dict(ref.state_dict())
        assert use_dft_convolutions(fast) == 1
        x = torch.randn(3, 16, 7, 7, generator=g, dtype=torch.float64, requires_grad=True)
        up = torch.randn_like(ref(x))
        gx_ref, gw_ref, gb_ref = torch.autograd.grad((ref(x) * up).sum(), (x, ref.weight, ref.bias))
        gx, gw, gb = torch.autograd.grad((fast(x) * up).sum(), (x, fast[0].weight, fast[0].bias))
        assert gx == pytest.approx(gx_ref, abs=1e-9) and gw == pytest.approx(gw_ref, abs=1e-9)
        assert gb == pytest.approx(gb_ref, abs=1e-9)


def test_swap_keeps_parameters_and_checkpoints():
    """The DCGAN nets compute the same outputs; parameters (so optimizers) and state_dict are unchanged."""
    torch.manual_seed(0)
    G, D = registry.build("dcgan", {})
    G.eval(), D.eval()  # no dropout noise; BatchNorm from running statistics
    params, state = list(G.parameters()), {k: v.clone() for k, v in G.state_dict().items()}
    z = torch.randn(8, 100)
    with torch.no_grad():
        before = (G(z), D(torch.randn(8, 1, 28, 28, generator=torch.Generator().manual_seed(1))))
    assert use_dft_convolutions(G) == 2  # the stride-1 and stride-2 5x5 layers; not the 64 -> 1 output layer
    assert use_dft_convolutions(D) == 1  # the 64 -> 128 layer; not the 1-channel input layer
    assert use_dft_convolutions(G) == 0  # idempotent
    assert len(dft_layers(G)) == 2 and len(dft_layers(D)) == 1
    assert all(
        type(m) in (nn.Conv2d, nn.ConvTranspose2d) for m in (conv_layers(G) | conv_layers(D)).values()
    )  # classes kept
    with torch.no_grad():
        after = (G(z), D(torch.randn(8, 1, 28, 28, generator=torch.Generator().manual_seed(1))))
    assert after[0] == pytest.approx(before[0], abs=1e-5) and after[1] == pytest.approx(before[1], abs=1e-5)
    assert all(a is b for a, b in zip(params, G.parameters(), strict=True))
    plain_G, _ = registry.build("dcgan", {})
    plain_G.load_state_dict(G.state_dict())  # same keys: a checkpoint loads into the plain network
    assert all(torch.equal(state[k], v) for k, v in plain_G.state_dict().items())


def test_large_maps_and_ineligible_layers_keep_torchs_algorithm():
    big = nn.Sequential(
        nn.Conv2d(16, 16, 3, 1, 1), nn.Conv2d(16, 16, 3, 1, 1, dilation=1, groups=2), nn.Conv2d(16, 16, 3, 3, 1)
    )
    assert use_dft_convolutions(big) == 1  # groups and stride 3 are left alone
    x = torch.randn(2, 16, 40, 40)  # larger than MAX_SIDE: the DFT layer falls back to torch
    with torch.no_grad():
        assert big[0](x) == pytest.approx(F.conv2d(x, big[0].weight, big[0].bias, padding=1), abs=1e-6)


def test_autocast_computes_the_transforms_in_fp32():
    layer = nn.Sequential(nn.ConvTranspose2d(16, 16, 5, 1, 2))
    x = torch.randn(4, 16, 7, 7)
    with torch.no_grad():
        ref = layer(x)
        use_dft_convolutions(layer)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            out = layer(x)
    assert out.dtype == torch.float32 and out == pytest.approx(ref, abs=1e-4)


def test_trainer_option_trains_like_the_direct_layers():
    """conv="dft": the same losses as torch's layers (to float rounding), and checkpoints of plain nets."""
    images = torch.randint(0, 256, (128, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))

    def run(**speed):
        torch.manual_seed(0)
        G, D = registry.build("dcgan", {})
        cfg = replace(TrainConfig(), epochs=1, log_every=1, **speed)
        return Trainer(G, D, Batches(images, None, 32, seed=0), GANSteps(100), cfg, progress=False)

    direct = run(conv="torch").fit()
    fast = run(conv="dft")
    assert dft_layers(fast.G) == []  # planned at the first step, once checked against torch's outputs
    history = fast.fit()
    assert len(dft_layers(fast.G)) == 2 and "DFT" not in repr(fast.G)
    for a, b in zip(direct, history, strict=True):
        assert a["loss_D"] == pytest.approx(b["loss_D"], rel=1e-3) and a["loss_G"] == pytest.approx(
            b["loss_G"], rel=1e-3
        )
    G, _ = registry.build("dcgan", {})
    G.load_state_dict(fast.state_dict()["G"])


def test_spectral_norm_parametrization_is_kept():
    """Lesson 05's convolutions are parametrized (spectral norm): the DFT layer must use the normalised weight."""
    from torch.nn.utils.parametrizations import spectral_norm
    from torch.nn.utils.parametrize import is_parametrized

    torch.manual_seed(0)
    net = nn.Sequential(spectral_norm(nn.Conv2d(16, 16, 3, padding=1)))
    x = torch.randn(2, 16, 7, 7)
    net.eval()  # no power iteration: both calls see the same normalised weight
    with torch.no_grad():
        ref = net(x)
        assert use_dft_convolutions(net) == 1
        assert algorithm_of(net[0]) == "dft" and is_parametrized(net[0], "weight")
        assert net(x) == pytest.approx(ref, abs=1e-5)
    G, D = registry.build("biggan", {})
    assert use_dft_convolutions(G) > 0 and use_dft_convolutions(D) > 0
    y = torch.arange(4) % 10
    assert D(G(torch.randn(4, G.cfg.z_dim), y), y).shape == (4,)


def test_thresholds_reach_nested_layers_and_unbatched_input_works():
    """min_channels applies at every depth; a 3-D (unbatched) input falls back to torch's layer."""
    net = nn.Sequential(nn.Sequential(nn.Conv2d(8, 8, 3, 2, 1)))
    assert use_dft_convolutions(net, min_channels=16) == 0
    assert use_dft_convolutions(net, min_channels=4) == 1 and algorithm_of(net[0][0]) == "dft"
    x = torch.randn(8, 7, 7)
    with torch.no_grad():
        assert net(x) == pytest.approx(F.conv2d(x, net[0][0].weight, net[0][0].bias, stride=2, padding=1), abs=1e-6)
