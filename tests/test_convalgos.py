"""Interchangeable convolution algorithms (convalgos.py, phases.py): each computes torch's layer exactly."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gancourse import registry
from gancourse.train.convalgos import (
    ALGORITHMS,
    PhaseConv2d,
    PhaseConvTranspose2d,
    algorithm_of,
    candidates,
    conv_layers,
    set_algorithms,
    swapped,
    use_algorithm,
)
from gancourse.train.phases import conv_stride2, conv_transpose_stride2

CASES = [(h, w, k, p) for h, w, k, p in itertools.product([5, 7, 14], [6, 7], [2, 3, 4, 5], [0, 1, 2]) if p < k]


@pytest.mark.parametrize("h,w,k,p", CASES)
def test_phase_decomposition_equals_torch_in_values_and_gradients(h, w, k, p):
    """float64: the four-phase stride-1 form gives torch's stride-2 outputs and all three gradients."""
    g = torch.Generator().manual_seed(h * 100 + k * 10 + p)
    x = torch.randn(2, 3, h, w, generator=g, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(4, 3, k, k, generator=g, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(4, generator=g, dtype=torch.float64, requires_grad=True)
    pairs = []
    if h + 2 * p >= k and w + 2 * p >= k:
        pairs.append((F.conv2d(x, weight, bias, stride=2, padding=p), conv_stride2(x, weight, (p, p), bias)))
    wt = weight.detach().transpose(0, 1).contiguous().requires_grad_()  # (3, 4, k, k): C_in=3 -> C_out=4
    for op in (0, 1):
        if 2 * p < 2 * (h - 1) + k + op:
            ref = F.conv_transpose2d(x, wt, bias, stride=2, padding=p, output_padding=op)
            pairs.append((ref, conv_transpose_stride2(x, wt, (p, p), (op, op), bias)))
    assert pairs
    for ref, got in pairs:
        assert got.shape == ref.shape and got.detach() == pytest.approx(ref.detach(), abs=1e-10)
        up = torch.randn(ref.shape, generator=g, dtype=torch.float64)
        want = torch.autograd.grad((ref * up).sum(), (x, weight, wt, bias), allow_unused=True, materialize_grads=True)
        have = torch.autograd.grad((got * up).sum(), (x, weight, wt, bias), allow_unused=True, materialize_grads=True)
        for a, b in zip(want, have, strict=True):
            assert b == pytest.approx(a, abs=1e-9)


def test_candidates_by_layer():
    """torch always; phase for stride 2; DFT only with >= 16 channels each side and a kernel of 3 or more."""
    assert candidates(nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1)) == ["torch", "phase"]
    assert candidates(nn.ConvTranspose2d(256, 128, 5, 1, 2)) == ["torch", "dft"]
    assert candidates(nn.Conv2d(64, 128, 5, 2, 2)) == ["torch", "phase", "dft"]
    assert candidates(nn.Conv2d(64, 64, 3, 1, 1, groups=2)) == ["torch"]
    assert candidates(nn.Conv2d(64, 64, 3, 3)) == ["torch"]
    assert candidates(nn.Linear(3, 4)) == ["torch"]
    assert set(ALGORITHMS) == {"torch", "phase", "dft"}


@pytest.mark.parametrize("algorithm", ["phase", "dft"])
def test_swapping_keeps_parameters_outputs_and_the_way_back(algorithm):
    torch.manual_seed(0)
    G, D = registry.build("dcgan", {})
    G.eval(), D.eval()
    params, keys = list(G.parameters()), set(G.state_dict())
    z, x = torch.randn(4, 100), torch.rand(4, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        before_g, before_d = G(z), D(x)
        assert use_algorithm(G, algorithm) > 0 and use_algorithm(D, algorithm) > 0
        assert {algorithm_of(m) for m in conv_layers(G).values()} >= {algorithm}
        assert G(z) == pytest.approx(before_g, abs=1e-4) and D(x) == pytest.approx(before_d, abs=1e-4)
    assert list(G.parameters()) == params and set(G.state_dict()) == keys  # optimizers and checkpoints unchanged
    set_algorithms(G, {name: "torch" for name in conv_layers(G)})
    assert all(type(m) in (nn.Conv2d, nn.ConvTranspose2d) for m in conv_layers(G).values())


def test_phase_layers_keep_spectral_norm():
    """Lesson 05's spectrally normalised layers: the phase class sits over the parametrization, weight stays σ-normalised."""
    torch.manual_seed(0)
    net = nn.Sequential(spectral_norm(nn.Conv2d(8, 8, 4, 2, 1)), spectral_norm(nn.ConvTranspose2d(8, 8, 4, 2, 1)))
    net.eval()
    x = torch.randn(2, 8, 8, 8)
    with torch.no_grad():
        ref = net(x)
        assert use_algorithm(net, "phase") == 2
        assert isinstance(net[0], PhaseConv2d) and isinstance(net[1], PhaseConvTranspose2d)
        assert net(x) == pytest.approx(ref, abs=1e-5)
    assert "parametrizations.weight.original" in dict(net[0].named_parameters())
    back = swapped(net[0], "torch")
    assert algorithm_of(back) == "torch" and hasattr(back, "parametrizations")


def test_unknown_layer_names_are_an_error():
    with pytest.raises(AttributeError):
        set_algorithms(nn.Sequential(nn.Conv2d(1, 1, 3)), {"5": "phase"})
