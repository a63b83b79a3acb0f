"""Training unpaired translation on the one trainer: DiscoGAN and CycleGAN. Introduced in lesson 04.

The trainer is lesson 01's. This module only supplies what differs:

* ``TranslationSteps``: the steps object for two generators G_AB, G_BA and two
  discriminators D_A, D_B, with its image pools (``pool.ImagePool``) as checkpointed state;
* ``cycle_rows``: the grids' A -> B -> A and B -> A -> B rows.

``schedule.LinearDecay`` is the learning-rate callback and ``recipe`` builds a ready trainer.

The objective, for a = an image of A and b = an image of B:

    L_G = L_adv(D_B(G_AB(a))) + L_adv(D_A(G_BA(b)))                       (fool both D's)
        + w_rec · [rec(G_BA(G_AB(a)), a) + rec(G_AB(G_BA(b)), b)]         (go there and back)
        + w_id  · [|G_AB(b) - b|_1 + |G_BA(a) - a|_1]                      (CycleGAN only)
    L_D = 0.5 · L_D(D_A; a, pool(G_BA(b))) + 0.5 · L_D(D_B; b, pool(G_AB(a)))

DiscoGAN: BCE, rec = mean squared error, w_rec = 1, no identity, no pool.
CycleGAN: LSGAN, rec = mean absolute error, w_rec = lambda = 10, w_id = 0.5 · lambda, pool 50.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..losses import cycle_loss, get_loss, reconstruction_loss_l2
from ..tensors import eval_mode, to_unit
from ..train.steps import frozen
from .pool import ImagePool, load_pool_state, pool_state

Tensor = torch.Tensor


@dataclass
class TranslationLoss:
    method: str = "cyclegan"  # "cyclegan" or "discogan"
    gan_loss: str = "lsgan"  # a name from losses.LOSSES
    lambda_rec: float = 10.0  # weight of the cycle (reconstruction) loss
    lambda_id: float = 5.0  # weight of the identity loss (0.5 · lambda in CycleGAN; 0 disables it)
    pool_size: int = 50  # 0: no pool
    decay_from: float = 0.5  # fraction of the epochs at constant learning rate before the linear decay


METHODS = {
    "cyclegan": TranslationLoss("cyclegan", "lsgan", 10.0, 5.0, 50, 0.5),
    "discogan": TranslationLoss("discogan", "bce", 1.0, 0.0, 0, 0.05),  # the seed: epoch_step 10 of 200
}


def identity_loss(G_AB: nn.Module, G_BA: nn.Module, a: Tensor, b: Tensor, lam_id: float) -> Tensor:
    """CycleGAN's identity term: lam_id·(E|G_AB(b) - b| + E|G_BA(a) - a|), a generator fed an image already in
    its target domain should change nothing (Zhu et al. 2017, §5.2; lam_id = 0.5·lambda)."""
    return cycle_loss(b, G_AB(b), lam_id) + cycle_loss(a, G_BA(a), lam_id)


class TranslationSteps:
    """The steps object (``gancourse.train.Steps``) for ``G = {"AB", "BA"}`` and ``D = {"A", "B"}``.

    Batches are ``((a, b), None)``. One step translates each batch once, G_AB(a) and G_BA(b);
    both discriminators update on the (pooled, detached) translations, then both generators
    update through the freshly updated discriminators. ``fixed`` holds the uint8 images of A and
    B drawn in every grid, as rows a, A->B, A->B->A, b, B->A, B->A->B.

    Injection points (lesson 04 passes the student's): ``pool`` is the image-pool class;
    ``d_update(D_A, D_B, opt_D, a, b, fake_a, fake_b, pool_a, pool_b)`` and
    ``g_update(G_AB, G_BA, D_A, D_B, opt_G, a, b, fake_a, fake_b, lam)`` replace the two updates
    below and return their total loss (the fakes arrive with G's graph);
    ``identity(G_AB, G_BA, a, b, lam_id)`` replaces the identity term of the update below.
    """

    def __init__(
        self,
        loss: TranslationLoss,
        fixed: tuple[torch.Tensor, torch.Tensor],
        *,
        pool: type = ImagePool,
        d_update: Callable[..., Tensor] | None = None,
        g_update: Callable[..., Tensor] | None = None,
        identity: Callable[..., Tensor] | None = None,
    ):
        self.loss = loss
        self.gan = get_loss(loss.gan_loss)
        self.pool_a, self.pool_b = pool(loss.pool_size), pool(loss.pool_size)
        self.custom_d, self.custom_g = d_update, g_update
        self.identity = identity or identity_loss
        self.fixed = fixed
        self.grid_nrow = len(fixed[0])

    def reconstruction(self, x: Tensor, x_rec: Tensor) -> Tensor:
        if self.loss.method == "discogan":
            return self.loss.lambda_rec * reconstruction_loss_l2(x, x_rec)
        return cycle_loss(x, x_rec, self.loss.lambda_rec)

    def step(self, G: nn.ModuleDict, D: nn.ModuleDict, opt_G, opt_D, batch, update_g: bool) -> dict[str, Tensor]:
        (a, b), _ = batch  # (N, C_A, S, S), (N, C_B, S, S) in [-1, 1]
        with torch.set_grad_enabled(update_g):  # the one translation of each direction in this step
            fake_b, fake_a = G["AB"](a), G["BA"](b)  # (N, C_B, S, S), (N, C_A, S, S)
        if self.custom_d is not None:
            logs = {
                "loss_D": self.custom_d(D["A"], D["B"], opt_D, a, b, fake_a, fake_b, self.pool_a, self.pool_b).detach()
            }
        else:
            logs = self.d_update(D, opt_D, a, b, fake_a, fake_b)
        if not update_g:
            return logs
        with frozen(D):  # the generators' gradients through D, without D's weight gradients
            if self.custom_g is not None:
                loss = self.custom_g(
                    G["AB"], G["BA"], D["A"], D["B"], opt_G, a, b, fake_a, fake_b, self.loss.lambda_rec
                )
                return {**logs, "loss_G": loss.detach()}
            return {**logs, **self.g_update(G, D, opt_G, a, b, fake_a, fake_b)}

    def d_update(self, D: nn.ModuleDict, opt_D, a: Tensor, b: Tensor, fake_a: Tensor, fake_b: Tensor) -> dict:
        """0.5·L_D for each discriminator on real images and (pooled) translations, cut from G's graph."""
        fake_b, fake_a = self.pool_b.query(fake_b.detach()), self.pool_a.query(fake_a.detach())
        opt_D.zero_grad(set_to_none=True)
        real_a, real_b = D["A"](a), D["B"](b)  # (N, 1, s, s) patch logits
        loss_a = 0.5 * self.gan.d(real_a, D["A"](fake_a))
        loss_b = 0.5 * self.gan.d(real_b, D["B"](fake_b))
        (loss_a + loss_b).backward()
        opt_D.step()
        return {"loss_D_A": loss_a.detach(), "loss_D_B": loss_b.detach()}

    def g_update(
        self, G: nn.ModuleDict, D: nn.ModuleDict, opt_G, a: Tensor, b: Tensor, fake_a: Tensor, fake_b: Tensor
    ) -> dict:
        """One update of both generators: adversarial + reconstruction (+ identity) in both directions."""
        opt_G.zero_grad(set_to_none=True)
        adv = self.gan.g(D["B"](fake_b)) + self.gan.g(D["A"](fake_a))
        rec = self.reconstruction(a, G["BA"](fake_b)) + self.reconstruction(b, G["AB"](fake_a))
        loss = adv + rec
        logs = {"loss_G_adv": adv.detach(), "loss_rec": rec.detach()}
        if self.loss.lambda_id > 0 and a.shape[1] == b.shape[1]:
            idt = self.identity(G["AB"], G["BA"], a, b, self.loss.lambda_id)
            loss = loss + idt
            logs["loss_id"] = idt.detach()
        loss.backward()
        opt_G.step()
        return {"loss_G": loss.detach(), **logs}

    def fixed_inputs(self, n: int, generator: torch.Generator, device: torch.device) -> tuple[Tensor, Tensor]:
        return to_unit(self.fixed[0][:n]).to(device), to_unit(self.fixed[1][:n]).to(
            device
        )  # the same images every grid

    def sample(self, G: nn.ModuleDict, fixed: tuple[Tensor, ...]) -> Tensor:
        return cycle_rows(G, *fixed)

    def state_dict(self) -> dict[str, Any]:
        return {"pool_a": pool_state(self.pool_a), "pool_b": pool_state(self.pool_b)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "pool_a" in state:
            load_pool_state(self.pool_a, state["pool_a"])
            load_pool_state(self.pool_b, state["pool_b"])


@torch.no_grad()
def cycle_rows(G: nn.ModuleDict, a: Tensor, b: Tensor) -> Tensor:
    """Rows a, G_AB(a), G_BA(G_AB(a)), b, G_BA(b), G_AB(G_BA(b)): (6n, C, S, S) for a grid with nrow=n.

    Images of a 1-channel domain are repeated to 3 channels when the other domain is RGB.
    """
    with eval_mode(G):
        ab = G["AB"](a)
        aba = G["BA"](ab)
        ba = G["BA"](b)
        bab = G["AB"](ba)
    rows = [a, ab, aba, b, ba, bab]
    c = max(t.shape[1] for t in rows)
    return torch.cat([t.expand(-1, c, -1, -1) if t.shape[1] != c else t for t in rows])  # (6n, c, S, S)
