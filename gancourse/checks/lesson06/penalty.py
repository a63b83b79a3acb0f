"""Lesson 06's Wasserstein losses and gradient penalty (also on vectors, hidden); the critic is in :mod:`.critic`.

The gradient penalty is checked on critics whose gradient is known by hand:

* a linear critic f(x) = w . x has grad f = w everywhere, so the penalty is lambda (|w| - 1)^2
  whatever points it is taken at, and its gradient with respect to w is 2 lambda (|w| - 1) w / |w|
  (zero without ``create_graph=True``);
* a quadratic critic f(x) = |x|^2 / 2 has grad f(x) = x: with real == fake every interpolate is x,
  so the penalty is lambda mean_i (|x_i| - 1)^2, one norm per sample;
* the same critic on 1-d data with real at 3 and fake at 1 gives 0 at the fakes, lambda 4 at the
  reals, and lambda E[4 eps^2] = lambda 4/3 on interpolates.
The critic step is in :mod:`.step`.
"""

from __future__ import annotations

import torch
from torch import nn

from ... import losses
from ..common import (
    OK,
    close_enough,
    elsewhere,
    fail,
    run_student,
    same_device,
    shape_of,
    show_values,
)
from ..protocol import check, generator, tensor


class LinearCritic(nn.Module):
    def __init__(self, w: torch.Tensor):
        super().__init__()
        self.w = nn.Parameter(w)

    def forward(self, x):
        return x.flatten(1) @ self.w  # (N,)


class QuadraticCritic(nn.Module):
    def forward(self, x):
        return 0.5 * (x.flatten(1) ** 2).sum(1)  # (N,), grad = x


def _scores(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = generator(seed + 3)
    return torch.randn(3, generator=g) * 2, torch.randn(4, generator=g) * 2  # different sizes: means, not sums


def _probe_losses(seed: int, critic_loss, g_loss) -> dict:
    real, fake = _scores(seed)
    return {"critic": run_student("critic_loss", critic_loss, real, fake), "g": run_student("g_loss", g_loss, fake)}


@check(_probe_losses)
def check_wasserstein_losses(r: dict, seed: int) -> str:
    """critic_loss = E[f(G(z))] - E[f(x)] and g_loss = -E[f(G(z))], means over each batch."""
    real, fake = _scores(seed)
    critic, g = tensor(r, "critic", "critic_loss's result"), tensor(r, "g", "g_loss's result")
    want_c, want_g = losses.d_loss_wasserstein(real, fake), losses.g_loss_wasserstein(fake)
    if critic.numel() != 1 or not close_enough(critic, want_c):
        if critic.numel() == 1 and close_enough(critic, -want_c):
            fail(
                "critic_loss has its signs swapped: minimising it would make the critic score fakes higher.\n"
                "Hint: the critic maximises E f(x) - E f(G(z)), so it minimises the negative of that."
            )
        fail(
            f"critic_loss gave {show_values(critic)} for our scores, expected {float(want_c):.4f}.\n"
            "Hint: plain means of the scores, no sigmoid, no log: the critic's outputs are not probabilities."
        )
    if g.numel() != 1 or not close_enough(g, want_g):
        if g.numel() == 1 and close_enough(g, -want_g):
            fail(
                "g_loss has the wrong sign: G would push its scores down.\nHint: G wants the critic to score its "
                "fakes high."
            )
        fail(
            f"g_loss gave {show_values(g)}, expected {float(want_g):.4f}.\nHint: G raises the critic's mean score of "
            "its fakes; a loss is minimised."
        )
    return f"{OK} Wasserstein losses: critic {float(want_c):.4f}, generator {float(want_g):.4f} on the test scores."


_W = torch.tensor([2.0, 0.0, 0.0, 2.0 * 2**0.5])  # |w| = sqrt(12)


def _probe_gp(seed: int, gradient_penalty) -> dict:
    torch.manual_seed(seed)
    g = generator(seed)
    lin = LinearCritic(_W.clone())
    value = run_student(
        "gradient_penalty",
        gradient_penalty,
        lin,
        torch.randn(5, 1, 2, 2, generator=g),
        torch.randn(5, 1, 2, 2, generator=g),
    )
    grad = None
    if isinstance(value, torch.Tensor) and value.requires_grad and value.numel() == 1:
        grad = torch.autograd.grad(value, lin.w, allow_unused=True)[0]
    x = torch.tensor([[0.5, 0.0], [0.0, 2.0], [3.0, 0.0]])  # norms 0.5, 2, 3
    same = run_student("gradient_penalty", gradient_penalty, QuadraticCritic(), x, x.clone())
    real, fake = torch.full((256, 1), 3.0), torch.full((256, 1), 1.0)
    between = run_student("gradient_penalty", gradient_penalty, QuadraticCritic(), real, fake)
    spy = _Spy()
    run_student("gradient_penalty", gradient_penalty, spy, *_mix_pair(seed))
    return {
        "linear": value,
        "grad_w": grad,
        "same": same,
        "between": between,
        "x_hat": spy.inputs[:1],
        "other_device": elsewhere(
            gradient_penalty,
            QuadraticCritic(),
            torch.randn(4, 1, 2, 2, device="meta"),
            torch.randn(4, 1, 2, 2, device="meta"),
        ),
    }


class _Spy(QuadraticCritic):
    """The quadratic critic, keeping the points it is evaluated at."""

    def __init__(self):
        super().__init__()
        self.inputs: list[torch.Tensor] = []

    def forward(self, x):
        self.inputs.append(x.detach().clone())
        return super().forward(x)


def _mix_pair(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Reals in [1, 2] and fakes in [-2, -1], 64 images (1, 2, 2): every coordinate of every pair apart."""
    g = generator(seed + 7)
    return 1 + torch.rand(64, 1, 2, 2, generator=g), -1 - torch.rand(64, 1, 2, 2, generator=g)


@check(_probe_gp)
def check_gradient_penalty(r: dict, seed: int) -> str:
    """lambda E[(||grad f(x_hat)|| - 1)^2] on interpolates, per sample, with create_graph=True."""
    norm = float(_W.norm())
    lin = tensor(r, "linear", "gradient_penalty's result")
    want = 10 * (norm - 1) ** 2
    if lin.numel() == 1 and close_enough(lin, 10 * (norm * 5**0.5 - 1) ** 2):
        fail(
            "the norm is taken over the whole batch's gradient at once.\nHint: one 2-norm per sample: flatten each "
            "sample's gradient and take the norm over dim=1, then average (norm - 1)^2 over the samples."
        )
    if lin.numel() != 1 or not close_enough(lin, want):
        fail(
            f"on a linear critic f(x) = w . x with |w| = {norm:.3f} the penalty should be 10 (|w| - 1)^2 = {want:.3f}, "
            f"got {show_values(lin)}.\nHint: the gradient of f with respect to its input, its 2-norm, minus 1, "
            "squared, "
            "times weight=10, averaged."
        )
    grad = r.get("grad_w")
    if not isinstance(grad, torch.Tensor):
        fail(
            "the penalty's value is right but it sends no gradient to the critic's weights.\n"
            "Hint: the penalty is a function of the weights through the input gradient: that gradient must itself be "
            "built as a differentiable graph (a double backward), so backward() reaches the weights."
        )
    if not torch.allclose(grad, 2 * 10 * (norm - 1) * _W / norm, rtol=1e-4):
        fail(
            "the penalty's gradient with respect to the critic's weights is wrong.\n"
            "Hint: keep the graph of the input gradient (create_graph=True) and do not detach the norms."
        )
    same = tensor(r, "same", "gradient_penalty's result")
    if same.numel() != 1 or not close_enough(same, 10 * (0.25 + 1 + 4) / 3):
        fail(
            "for samples whose gradients have norms 0.5, 2 and 3 the penalty should be 17.5, got "
            f"{show_values(same)}.\n"
            "Hint: one 2-norm per sample (flatten each sample's gradient, norm over dim=1), then (norm - 1)^2, then "
            "the mean over samples; not the norm of the mean or of the whole batch."
        )
    between = float(tensor(r, "between", "gradient_penalty's result"))
    if close_enough(between, 40.0):
        fail(
            "the penalty is taken at the real samples.\nHint: the penalty lives on random points of the segments "
            "between a real sample and a fake one, a fresh mixing weight per sample."
        )
    if close_enough(between, 0.0):
        fail(
            "the penalty is taken at the fakes.\nHint: the penalty lives on random points of the segments "
            "between a real sample and a fake one, a fresh mixing weight per sample."
        )
    _per_sample_mix(r["x_hat"], seed)
    if not 0.6 * 10 < between < 2.2 * 10:
        fail(
            "with reals at 3 and fakes at 1 the penalty on interpolates should be near 10 * 4/3 = 13.3, got "
            f"{between:.2f}."
            "\nHint: draw eps uniformly in [0, 1], one per sample, shaped (N, 1, ...) so it broadcasts."
        )
    same_device(r["other_device"], "the batches", "the penalty", "the mixing weights", "the batches")
    return f"{OK} gradient penalty: per-sample norms on interpolates, differentiable. Well done!"


def _per_sample_mix(x_hat, seed: int) -> None:
    """Verdict: the critic saw x_hat = eps x + (1 - eps) x~ with one eps in [0, 1] per sample, different across "
    "samples."""
    real, fake = _mix_pair(seed)
    x_hat = x_hat[0] if isinstance(x_hat, list) and x_hat else None
    if not isinstance(x_hat, torch.Tensor) or x_hat.shape != real.shape:
        fail(
            f"the critic was evaluated on {shape_of(x_hat)}, expected the interpolates, shaped like the batch "
            f"{tuple(real.shape)}.\nHint: the penalty is taken at one interpolate per pair of a real and a fake sample."
        )
    eps = ((x_hat - fake) / (real - fake)).flatten(1)  # (64, 4): the mixing weight of every coordinate
    if (eps.max(1).values - eps.min(1).values).max() > 1e-4 or eps.min() < -1e-4 or eps.max() > 1 + 1e-4:
        fail(
            "the interpolates are not points on the segments between each real sample and its fake: the mixing "
            "weight differs from pixel to pixel or leaves [0, 1].\nHint: one weight per sample, shaped (N, 1, 1, 1) "
            "so that it broadcasts over the sample's other dimensions."
        )
    if float(eps[:, 0].std()) < 0.05:
        fail(
            "every sample of the batch was mixed with the same weight: the penalty then sees one slice between "
            "the distributions per step.\nHint: draw a fresh uniform weight for each sample, not one for the batch."
        )


def _probe_gp_vectors(seed: int, gradient_penalty) -> dict:
    g = generator(seed)
    real, fake = torch.randn(4, 3, generator=g), torch.randn(4, 3, generator=g)
    quad = run_student("gradient_penalty", gradient_penalty, QuadraticCritic(), real, real.clone(), weight=1.0)
    linear = LinearCritic(torch.tensor([0.0, 2.0, 0.0]))  # |w| = 2
    return {"linear": run_student("gradient_penalty", gradient_penalty, linear, real, fake, weight=1.0), "quad": quad}


@check(_probe_gp_vectors)
def hidden_gp_vectors(r: dict, seed: int) -> str:
    """The penalty on (N, 3) vectors with weight=1: eps broadcasts over any shape, the weight is used, norms per "
    "sample."""
    real = torch.randn(4, 3, generator=generator(seed))
    want_quad = float(((real.norm(dim=1) - 1) ** 2).mean())
    if shape_of(r["linear"]) not in ((), (1,)) or not close_enough(r["linear"], 1.0):
        fail(
            f"on (4, 3) vectors with a linear critic of slope 2 and weight=1 the penalty should be (2 - 1)^2 = 1, got "
            f"{shape_of(r['linear']) if shape_of(r['linear']) not in ((), (1,)) else round(float(r['linear']), 4)}."
            "\nHint: shape eps as (N,) followed by ones for every other dimension of real, and use the weight argument."
        )
    if shape_of(r["quad"]) not in ((), (1,)) or not close_enough(r["quad"], want_quad):
        fail(
            "on (4, 3) vectors the penalty does not take one gradient norm per sample.\n"
            "Hint: flatten each sample's gradient and take its norm over dim=1."
        )
    return f"{OK} hidden: the penalty on vectors of any shape, with its weight."
