"""Interchangeable convolution algorithms (speed/algorithms.py, phases.py): each computes torch's layer exactly,
attached to the layer instance: the user's classes, repr and own forwards stay theirs."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gancourse import registry
from gancourse.speed.algorithms import (
    ALGORITHMS,
    algorithm_of,
    candidates,
    conv_layers,
    set_algorithm,
    set_algorithms,
    use_algorithm,
)
from gancourse.speed.phases import conv_stride2, conv_transpose_stride2

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
def test_an_algorithm_keeps_class_repr_parameters_outputs_and_the_way_back(algorithm):
    torch.manual_seed(0)
    G, D = registry.build("dcgan", {})
    G.eval(), D.eval()
    params, keys, text = list(G.parameters()), set(G.state_dict()), repr(G)
    classes = [type(m) for m in G.modules()]
    z, x = torch.randn(4, 100), torch.rand(4, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        before_g, before_d = G(z), D(x)
        assert use_algorithm(G, algorithm) > 0 and use_algorithm(D, algorithm) > 0
        assert {algorithm_of(m) for m in conv_layers(G).values()} >= {algorithm}
        assert G(z) == pytest.approx(before_g, abs=1e-4) and D(x) == pytest.approx(before_d, abs=1e-4)
    assert list(G.parameters()) == params and set(G.state_dict()) == keys  # optimizers and checkpoints unchanged
    assert repr(G) == text and [type(m) for m in G.modules()] == classes  # print(G) shows what the user built
    copy = __import__("copy").deepcopy(G)  # an EMA copy computes by the same algorithm, on its own weights
    layer = next(n for n, m in conv_layers(copy).items() if algorithm_of(m) == algorithm)
    assert copy.get_submodule(layer).forward.__self__ is copy.get_submodule(layer)
    set_algorithms(G, {name: "torch" for name in conv_layers(G)})
    assert all("forward" not in m.__dict__ for m in conv_layers(G).values())


class EqualizedConv2d(nn.Conv2d):
    """ProGAN's equalized learning rate: weights ~ N(0, 1), scaled by He's constant at every call."""

    def forward(self, x):
        scale = (2 / (self.in_channels * self.kernel_size[0] * self.kernel_size[1])) ** 0.5
        return F.conv2d(x, self.weight * scale, self.bias, self.stride, self.padding)


class EqualizedConvTranspose2d(nn.ConvTranspose2d):
    def forward(self, x, output_size=None):
        scale = (2 / (self.in_channels * self.kernel_size[0] * self.kernel_size[1])) ** 0.5
        return F.conv_transpose2d(x, self.weight * scale, self.bias, self.stride, self.padding, self.output_padding)


def test_a_layer_with_its_own_forward_is_never_given_an_algorithm():
    net = nn.Sequential(EqualizedConvTranspose2d(32, 32, 5, 2, 2, output_padding=1), EqualizedConv2d(32, 32, 5, 2, 2))
    assert [candidates(m) for m in net] == [["torch"], ["torch"]]
    assert use_algorithm(net, "phase") == 0 and use_algorithm(net, "dft") == 0
    with pytest.raises(ValueError, match="own forward"):
        set_algorithm(net[0], "phase")
    assert all("forward" not in m.__dict__ for m in net)


def test_phase_layers_keep_spectral_norm():
    """Lesson 05's spectrally normalised layers: the phase forward reads the parametrization's σ-normalised weight."""
    torch.manual_seed(0)
    net = nn.Sequential(spectral_norm(nn.Conv2d(8, 8, 4, 2, 1)), spectral_norm(nn.ConvTranspose2d(8, 8, 4, 2, 1)))
    net.eval()
    x = torch.randn(2, 8, 8, 8)
    with torch.no_grad():
        ref = net(x)
        assert use_algorithm(net, "phase") == 2
        assert [algorithm_of(m) for m in net] == ["phase", "phase"] and "Phase" not in repr(net)
        assert net(x) == pytest.approx(ref, abs=1e-5)
    assert "parametrizations.weight.original" in dict(net[0].named_parameters())
    back = set_algorithm(net[0], "torch")
    assert algorithm_of(back) == "torch" and hasattr(back, "parametrizations")


def test_unknown_layer_names_are_an_error():
    with pytest.raises(AttributeError):
        set_algorithms(nn.Sequential(nn.Conv2d(1, 1, 3)), {"5": "phase"})
    with pytest.raises(ValueError, match="unknown convolution algorithm"):
        set_algorithm(nn.Conv2d(1, 1, 3), "winograd")


@pytest.mark.parametrize("channels_last", [False, True])
def test_phase_outputs_are_dense_in_the_inputs_layout(channels_last):
    """A cut of the phases' output is stored like torch's own output: later layers need not copy it."""
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    x = torch.randn(2, 8, 14, 14).contiguous(memory_format=fmt)
    up = set_algorithm(nn.ConvTranspose2d(8, 1, 5, 2, 2, output_padding=1), "phase")  # 14 -> 28: a cut
    down = set_algorithm(nn.Conv2d(8, 4, 5, 2, 2), "phase")
    for layer in (up, down):
        layer.to(memory_format=fmt)
        out = layer(x)
        assert out.is_contiguous(memory_format=fmt), (layer, out.stride())
