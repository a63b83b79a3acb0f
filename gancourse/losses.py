"""GAN losses as pure functions of the discriminator's logits. Introduced in lesson 01.

Notation: s = D's logit, D(x) = sigmoid(s), and log(sigmoid(s)) = -softplus(-s),
log(1 - sigmoid(s)) = -softplus(s). Every loss is a mean over the batch.

Goodfellow et al.'s value function is V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))].
D ascends V, G descends it ("minimax"). In practice G instead maximises log D(G(z))
("non-saturating"): same fixed point, but strong gradients while D still wins easily.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from .config import GancourseError

Tensor = torch.Tensor


# ---------------------------------------------------------------- BCE (lesson 01)


def d_loss_bce(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """L_D = -E[log D(x)] - E[log(1 - D(G(z)))]   (BCE: real -> 1, fake -> 0)."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real + fake


def g_loss_nonsaturating(fake_logits: Tensor) -> Tensor:
    """L_G = -E[log D(G(z))] = E[softplus(-s)]   (BCE of the fakes against the *real* label 1)."""
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def g_loss_minimax(fake_logits: Tensor) -> Tensor:
    """L_G = E[log(1 - D(G(z)))] = -E[softplus(s)]   (the original minimax objective; saturates)."""
    return -F.softplus(fake_logits).mean()


# ---------------------------------------------------------------- hinge (lesson 05)


def d_loss_hinge(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """L_D = E[relu(1 - s_real)] + E[relu(1 + s_fake)]. Introduced in lesson 05."""
    return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()


def g_loss_hinge(fake_logits: Tensor) -> Tensor:
    """L_G = -E[s_fake]. Introduced in lesson 05."""
    return -fake_logits.mean()


# ---------------------------------------------------------------- least squares (lesson 04)


def d_loss_lsgan(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """L_D = E[(s_real - 1)^2] + E[s_fake^2] (Mao et al.; CycleGAN halves it). Introduced in lesson 04."""
    return ((real_logits - 1.0) ** 2).mean() + (fake_logits**2).mean()


def g_loss_lsgan(fake_logits: Tensor) -> Tensor:
    """L_G = E[(s_fake - 1)^2]. Introduced in lesson 04."""
    return ((fake_logits - 1.0) ** 2).mean()


# ---------------------------------------------------------------- Wasserstein (lesson 06)
#
# Kantorovich-Rubinstein: W(p_data, p_g) = sup over 1-Lipschitz f of E_x[f(x)] - E_z[f(G(z))].
# The critic f (D without a sigmoid: its outputs are scores, not logits) ascends that gap, so it
# *minimises* E[f(G(z))] - E[f(x)]; G minimises -E[f(G(z))]. The Lipschitz constraint comes from
# the gradient penalty (Gulrajani et al. 2017) on points between real and fake samples.


def d_loss_wasserstein(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """L_critic = E[f(G(z))] - E[f(x)]: minus the critic's estimate of W. Introduced in lesson 06."""
    return fake_scores.mean() - real_scores.mean()


def g_loss_wasserstein(fake_scores: Tensor) -> Tensor:
    """L_G = -E[f(G(z))]. Introduced in lesson 06."""
    return -fake_scores.mean()


def interpolates(real: Tensor, fake: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """x_hat = eps x + (1 - eps) x_fake with one eps ~ U[0, 1] per sample, shaped (N, 1, ..., 1)."""
    eps = torch.rand((len(real),) + (1,) * (real.ndim - 1), generator=generator).to(
        real.device, real.dtype
    )  # (N, 1, 1, 1)
    return eps * real.detach() + (1 - eps) * fake.detach()  # (N, C, H, W)


def input_gradient_norms(D, real: Tensor, fake: Tensor, create_graph: bool = True, y: Tensor | None = None) -> Tensor:
    """||grad_x_hat f(x_hat)||_2 at interpolates, one per sample (N,). Samples must not interact in f (no BatchNorm),
    so the gradient of the sum of the scores is each sample's own gradient."""
    x_hat = interpolates(real, fake).requires_grad_(True)  # (N, C, H, W)
    scores = D(x_hat) if y is None else D(x_hat, y)  # (N,)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=create_graph)  # (N, C, H, W)
    return grad.flatten(1).norm(dim=1)  # (N,)


def gradient_penalty(D, real: Tensor, fake: Tensor, weight: float = 10.0, y: Tensor | None = None) -> Tensor:
    """lambda * E_x_hat[(||grad_x_hat f(x_hat)||_2 - 1)^2], one norm per sample. Introduced in lesson 06.

    ``create_graph=True`` keeps the gradient differentiable, so the penalty's own gradient reaches
    the critic's weights (it is a function of them through grad f).
    """
    norms = input_gradient_norms(D, real, fake, create_graph=True, y=y)  # (N,)
    return weight * ((norms - 1.0) ** 2).mean()


# ---------------------------------------------------------------- translation (lesson 04)


def cycle_loss(x: Tensor, x_rec: Tensor, weight: float = 10.0) -> Tensor:
    """lambda * E|F(G(x)) - x| (CycleGAN's L1 cycle consistency). Introduced in lesson 04."""
    return weight * (x_rec - x).abs().mean()


def reconstruction_loss_l2(x: Tensor, x_rec: Tensor) -> Tensor:
    """E[(F(G(x)) - x)^2] (DiscoGAN's reconstruction). Introduced in lesson 04."""
    return ((x_rec - x) ** 2).mean()


# ---------------------------------------------------------------- registry


class GANLoss(NamedTuple):
    """A matched pair: ``d(real_logits, fake_logits)`` and ``g(fake_logits)``."""

    d: object
    g: object


LOSSES = {
    "bce": GANLoss(d_loss_bce, g_loss_nonsaturating),
    "minimax": GANLoss(d_loss_bce, g_loss_minimax),
    "hinge": GANLoss(d_loss_hinge, g_loss_hinge),
    "lsgan": GANLoss(d_loss_lsgan, g_loss_lsgan),
    "wasserstein": GANLoss(d_loss_wasserstein, g_loss_wasserstein),
}


def get_loss(name: str) -> GANLoss:
    """The (D, G) loss pair called ``name``: one of ``bce``, ``minimax``, ``hinge``, ``lsgan``, ``wasserstein``."""
    try:
        return LOSSES[name]
    except KeyError:
        raise GancourseError(f"unknown loss {name!r}: choose one of {', '.join(LOSSES)}.") from None


# ---------------------------------------------------------------- BigGAN's orthogonal regularisation (lesson 05)


def orthogonal_penalty(model: nn.Module, beta: float = 1e-4) -> torch.Tensor:
    """BigGAN's orthogonal regularisation: beta · sum_W ||W Wᵀ ⊙ (1 - I)||_F², W reshaped to (out, in·k·k).

    Only the off-diagonal of W Wᵀ is penalised (rows should be orthogonal; their norms are free),
    so the penalty is 0 for any orthogonal matrix. Applied to weights of dimension 2 or more.
    """
    total = torch.zeros(())
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            w = m.weight.flatten(1)  # (out, in·k·k): reshaped to 2-D; with spectral norm, the normalised weight
            total = total.to(w) + off_diagonal_energy(w)
    return beta * total


def off_diagonal_energy(w: torch.Tensor) -> torch.Tensor:
    """||W Wᵀ ⊙ (1 - I)||_F² for W (out, in), on the smaller of the two Gram matrices.

    out ≤ 2·in: the (out, out) Gram W Wᵀ with its diagonal zeroed in place (mm's backward needs W,
    not its output), so no identity matrix or mask is built.
    out > 2·in (G's first linear layer is (6272, 32)): since ||W Wᵀ||_F² = tr(W Wᵀ W Wᵀ) = ||Wᵀ W||_F²,
    the energy is ||Wᵀ W||_F² - sum_i ||w_i||⁴ on an (in, in) Gram instead of an (out, out) one, and
    its gradient 4·(W WᵀW - ||w_i||² w_i) = 4·(W Wᵀ ⊙ (1 - I)) W is the same. out rows in R^in cannot
    be orthogonal: with equal row norms the off-diagonal part is at least (out/in - 1) times the
    diagonal one, so the subtraction costs at most about a bit of float precision.
    """
    out, dim = w.shape
    if out <= 2 * dim:
        return (w @ w.T).fill_diagonal_(0).square().sum()  # (out, out) Gram, diagonal zeroed
    return (w.T @ w).square().sum() - w.square().sum(1).square().sum()  # (in, in) Gram minus sum_i ||w_i||⁴
