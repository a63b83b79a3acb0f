import math

import pytest
import torch

from gancourse import losses
from gancourse.config import GancourseError


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def t(*v):
    return torch.tensor(v, dtype=torch.float64)


def test_bce_at_zero_logits_is_log2():
    # D(x) = D(G(z)) = 1/2: L_D = 2 log 2, L_G = log 2 (the equilibrium values quoted in lesson 01)
    assert losses.d_loss_bce(t(0.0), t(0.0)).item() == pytest.approx(2 * math.log(2))
    assert losses.g_loss_nonsaturating(t(0.0)).item() == pytest.approx(math.log(2))
    assert losses.g_loss_minimax(t(0.0)).item() == pytest.approx(-math.log(2))


def test_bce_by_hand():
    real, fake = t(2.0, -1.0), t(-3.0, 1.0)
    # -log sigmoid(s) = softplus(-s); -log(1 - sigmoid(s)) = softplus(s)
    want_d = (softplus(-2) + softplus(1)) / 2 + (softplus(-3) + softplus(1)) / 2
    assert losses.d_loss_bce(real, fake).item() == pytest.approx(want_d, rel=1e-12)
    assert losses.g_loss_nonsaturating(fake).item() == pytest.approx((softplus(3) + softplus(-1)) / 2, rel=1e-12)
    assert losses.g_loss_minimax(fake).item() == pytest.approx(-(softplus(-3) + softplus(1)) / 2, rel=1e-12)


def test_bce_matches_value_function_in_probabilities():
    real, fake = t(0.3, 1.7, -0.2), t(-0.5, 0.9, -2.0)
    dx, dgz = torch.sigmoid(real), torch.sigmoid(fake)
    v = torch.log(dx).mean() + torch.log(1 - dgz).mean()  # V(D, G)
    assert losses.d_loss_bce(real, fake).item() == pytest.approx(-v.item(), rel=1e-10)
    assert losses.g_loss_minimax(fake).item() == pytest.approx(torch.log(1 - dgz).mean().item(), rel=1e-10)
    assert losses.g_loss_nonsaturating(fake).item() == pytest.approx(-torch.log(dgz).mean().item(), rel=1e-10)


def test_bce_stays_finite_for_extreme_logits():
    assert torch.isfinite(losses.d_loss_bce(t(200.0), t(-200.0)))
    assert losses.g_loss_nonsaturating(t(-200.0)).item() == pytest.approx(200.0)


def test_nonsaturating_gradient_is_strong_where_minimax_saturates():
    s = t(-6.0).requires_grad_()
    (g_ns,) = torch.autograd.grad(losses.g_loss_nonsaturating(s), s)
    (g_mm,) = torch.autograd.grad(losses.g_loss_minimax(s), s)
    # d/ds softplus(-s) = -(1 - sigmoid(s)); d/ds -softplus(s) = -sigmoid(s)
    assert g_ns.item() == pytest.approx(-(1 - 1 / (1 + math.exp(6))))
    assert g_mm.item() == pytest.approx(-1 / (1 + math.exp(6)))
    assert abs(g_ns.item()) > 100 * abs(g_mm.item())


def test_hinge_by_hand():
    real, fake = t(0.5, 2.0), t(-2.0, 0.5)
    # relu(1 - 0.5)=0.5, relu(1 - 2)=0 -> 0.25; relu(1 - 2)=0, relu(1 + 0.5)=1.5 -> 0.75
    assert losses.d_loss_hinge(real, fake).item() == pytest.approx(1.0)
    assert losses.g_loss_hinge(fake).item() == pytest.approx(0.75)


def test_lsgan_by_hand():
    real, fake = t(1.0, 0.0), t(0.5, -1.0)
    # ((0)^2 + (-1)^2)/2 = 0.5 ; (0.25 + 1)/2 = 0.625
    assert losses.d_loss_lsgan(real, fake).item() == pytest.approx(1.125)
    # ((-0.5)^2 + (-2)^2)/2 = 2.125
    assert losses.g_loss_lsgan(fake).item() == pytest.approx(2.125)


def test_cycle_and_reconstruction_by_hand():
    x, x_rec = t(0.0, 1.0, -1.0), t(0.5, 1.0, 0.0)
    assert losses.cycle_loss(x, x_rec).item() == pytest.approx(10 * 0.5)  # mean |.| = 1.5/3
    assert losses.cycle_loss(x, x_rec, weight=1.0).item() == pytest.approx(0.5)
    assert losses.reconstruction_loss_l2(x, x_rec).item() == pytest.approx((0.25 + 0 + 1) / 3)


def test_registry():
    assert losses.get_loss("bce") == (losses.d_loss_bce, losses.g_loss_nonsaturating)
    assert losses.get_loss("minimax").g is losses.g_loss_minimax
    with pytest.raises(GancourseError, match="choose one of"):
        losses.get_loss("wgan")


# ---------------------------------------------------------------- Wasserstein (lesson 06)


def test_wasserstein_losses_by_hand():
    real, fake = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([0.0, 1.0])
    assert float(losses.d_loss_wasserstein(real, fake)) == pytest.approx(0.5 - 2.0)  # E f(G(z)) - E f(x)
    assert float(losses.g_loss_wasserstein(fake)) == pytest.approx(-0.5)
    assert losses.get_loss("wasserstein") == (losses.d_loss_wasserstein, losses.g_loss_wasserstein)


class _Linear(torch.nn.Module):
    """f(x) = w . x: its gradient is w everywhere, so the penalty is lambda (|w| - 1)^2 exactly."""

    def __init__(self, w):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w))

    def forward(self, x):
        return x.flatten(1) @ self.w  # (N,)


def test_gradient_penalty_on_a_linear_critic_by_hand():
    D = _Linear([2.0, 0.0, 0.0, 2.0 * 2**0.5])  # |w| = sqrt(4 + 8)
    norm = (4 + 8) ** 0.5
    real, fake = torch.randn(5, 1, 2, 2), torch.randn(5, 1, 2, 2)
    gp = losses.gradient_penalty(D, real, fake)
    assert float(gp) == pytest.approx(10 * (norm - 1) ** 2, rel=1e-5)
    gp.backward()  # d/dw lambda (|w| - 1)^2 = 2 lambda (|w| - 1) w / |w|: needs create_graph=True
    want = 2 * 10 * (norm - 1) * D.w.detach() / norm
    assert torch.allclose(D.w.grad, want, rtol=1e-5)


def test_gradient_penalty_takes_one_norm_per_sample():
    D = lambda x: 0.5 * (x.flatten(1) ** 2).sum(1)  # noqa: E731 - grad f(x) = x, |grad| = |x|
    x = torch.tensor([[0.5, 0.0], [0.0, 2.0], [3.0, 0.0]])  # norms 0.5, 2, 3
    # real == fake: every interpolate is x itself, whatever eps is drawn
    gp = losses.gradient_penalty(D, x, x.clone())
    assert float(gp) == pytest.approx(10 * (0.25 + 1 + 4) / 3)  # 17.5; the mean of the norms would give 6.94


def test_interpolates_lie_between_real_and_fake():
    real, fake = torch.ones(64, 1, 2, 2), torch.zeros(64, 1, 2, 2, requires_grad=True)
    x_hat = losses.interpolates(real, fake, torch.Generator().manual_seed(0))
    eps = x_hat[:, 0, 0, 0]
    assert x_hat.shape == real.shape and not x_hat.requires_grad  # the critic's input, not G's graph
    assert torch.equal(x_hat, eps.view(64, 1, 1, 1).expand_as(x_hat))  # one eps per sample, shared by its pixels
    assert 0 <= float(eps.min()) and float(eps.max()) <= 1 and eps.std() > 0.2  # uniform on [0, 1]
