"""Training unpaired translation on the one trainer: DiscoGAN and CycleGAN. Introduced in lesson 04.

The trainer is lesson 01's. This module only supplies what differs:

* ``TranslationSteps``: a ``d_step`` and a ``g_step`` for two generators G_AB, G_BA and two
  discriminators D_A, D_B. The trainer hands them the real batch ``(a, b)`` as ``z``.
* ``ImagePool``: D sees a mix of new fakes and fakes from earlier steps (Shrivastava et al.).
* ``LinearDecay``: a callback, constant learning rate, then linearly down to zero.
* ``cycle_rows``: the ``sample_fn`` that draws the A -> B -> A and B -> A -> B rows.

The objective, for a = an image of A and b = an image of B:

    L_G = L_adv(D_B(G_AB(a))) + L_adv(D_A(G_BA(b)))                       (fool both D's)
        + w_rec · [rec(G_BA(G_AB(a)), a) + rec(G_AB(G_BA(b)), b)]         (go there and back)
        + w_id  · [|G_AB(b) - b|_1 + |G_BA(a) - a|_1]                      (CycleGAN only)
    L_D = 0.5 · L_D(D_A; a, pool(G_BA(b))) + 0.5 · L_D(D_B; b, pool(G_AB(a)))

DiscoGAN: BCE, rec = mean squared error, w_rec = 1, no identity, no pool.
CycleGAN: LSGAN, rec = mean absolute error, w_rec = lambda = 10, w_id = 0.5 · lambda, pool 50.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from .callbacks import Callback
from .losses import cycle_loss, get_loss, reconstruction_loss_l2
from .train import TrainConfig

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


def train_config(method: str, **overrides):
    """The optimiser settings of each method (Adam 2e-4; beta1 0.5; DiscoGAN's seed uses beta2 0.99)."""
    base = TrainConfig(epochs=10, lr_g=2e-4, lr_d=2e-4, beta1=0.5, beta2=0.99 if method == "discogan" else 0.999,
                       loss=METHODS[method].gan_loss, n_fixed=8)
    return replace(base, **overrides)


class ImagePool:
    """A buffer of up to ``size`` earlier fakes. ``query(fakes)`` returns a batch of the same shape.

    While the pool fills, each fake is stored and returned. Once it is full, each fake is
    returned with probability 1/2; otherwise a random stored fake is returned and the new one
    takes its place. D therefore also trains on what G produced a few steps ago, which damps
    oscillation. Randomness comes from torch's global generator (saved in checkpoints).
    """

    def __init__(self, size: int = 50):
        self.size = size
        self.images: list[Tensor] = []

    def query(self, fakes: Tensor) -> Tensor:
        if self.size == 0:
            return fakes
        out = []
        for img in fakes.detach():  # img: (C, H, W)
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            elif torch.rand(()) < 0.5:
                i = int(torch.randint(len(self.images), ()))
                out.append(self.images[i].clone())
                self.images[i] = img.clone()
            else:
                out.append(img)
        return torch.stack(out)  # (N, C, H, W)

    def state_dict(self) -> dict:
        return {"size": self.size, "images": [t.cpu() for t in self.images]}

    def load_state_dict(self, state: dict) -> None:
        device = self.images[0].device if self.images else None
        self.size = state["size"]
        self.images = [t.to(device) if device else t for t in state["images"]]


class TranslationSteps:
    """The two step functions for a ``Trainer`` over ``G = {"AB", "BA"}`` and ``D = {"A", "B"}``.

    Pass ``d_step=steps.d_step, g_step=steps.g_step, state=steps.state()``; the trainer's
    own ``d_loss`` / ``g_loss`` arguments are ignored in favour of ``loss.gan_loss``.
    """

    def __init__(self, loss: TranslationLoss | None = None):
        self.loss = loss or TranslationLoss()
        self.gan = get_loss(self.loss.gan_loss)
        self.pool_a, self.pool_b = ImagePool(self.loss.pool_size), ImagePool(self.loss.pool_size)

    def state(self) -> dict:
        return {"pool_a": self.pool_a, "pool_b": self.pool_b}

    def reconstruction(self, x: Tensor, x_rec: Tensor) -> Tensor:
        if self.loss.method == "discogan":
            return self.loss.lambda_rec * reconstruction_loss_l2(x, x_rec)
        return cycle_loss(x, x_rec, self.loss.lambda_rec)

    def d_step(self, G: nn.ModuleDict, D: nn.ModuleDict, opt_D, real, z, d_loss=None, y=None) -> dict:
        """0.5·L_D for each discriminator on real images and (pooled) translations."""
        a, b = real  # (N, C_A, S, S), (N, C_B, S, S)
        with torch.no_grad():
            fake_b = self.pool_b.query(G["AB"](a))  # (N, C_B, S, S), no graph into G
            fake_a = self.pool_a.query(G["BA"](b))  # (N, C_A, S, S)
        opt_D.zero_grad(set_to_none=True)
        real_a, real_b = D["A"](a), D["B"](b)  # (N, 1, s, s) patch logits
        loss_a = 0.5 * self.gan.d(real_a, D["A"](fake_a))
        loss_b = 0.5 * self.gan.d(real_b, D["B"](fake_b))
        (loss_a + loss_b).backward()
        opt_D.step()
        return {"loss_D_A": loss_a.detach(), "loss_D_B": loss_b.detach()}

    def g_step(self, G: nn.ModuleDict, D: nn.ModuleDict, opt_G, z, g_loss=None, y=None) -> dict:
        """One update of both generators: adversarial + reconstruction (+ identity) in both directions."""
        a, b = z
        opt_G.zero_grad(set_to_none=True)
        fake_b, fake_a = G["AB"](a), G["BA"](b)  # (N, C_B, S, S), (N, C_A, S, S)
        adv = self.gan.g(D["B"](fake_b)) + self.gan.g(D["A"](fake_a))
        rec = self.reconstruction(a, G["BA"](fake_b)) + self.reconstruction(b, G["AB"](fake_a))
        loss = adv + rec
        logs = {"loss_G_adv": adv.detach(), "loss_rec": rec.detach()}
        if self.loss.lambda_id > 0 and a.shape[1] == b.shape[1]:
            idt = cycle_loss(b, G["AB"](b), self.loss.lambda_id) + cycle_loss(a, G["BA"](a), self.loss.lambda_id)
            loss = loss + idt
            logs["loss_id"] = idt.detach()
        loss.backward()
        opt_G.step()
        return {"loss_G": loss.detach(), **logs}


def lr_factor(epoch: int, epochs: int, decay_from: float) -> float:
    """The seed's schedule: lr = lr0 while epoch < epoch_step, then lr0 · (epochs - epoch) / (epochs - epoch_step).

    ``epoch_step = round(decay_from · epochs)``; ``epoch`` counts from 0, so the last epoch runs at
    lr0 / (epochs - epoch_step) and the rate reaches 0 when training ends.
    """
    step = min(int(round(decay_from * epochs)), epochs - 1)
    return 1.0 if epoch < step else max(0.0, (epochs - epoch) / (epochs - step))


class LinearDecay(Callback):
    """Set both optimizers' learning rates from the epoch: exact on resume, as it keeps no state."""

    def __init__(self, decay_from: float = 0.5, epochs: int | None = None):
        self.decay_from, self.epochs = decay_from, epochs

    def _apply(self, trainer) -> None:
        epochs = self.epochs or trainer.cfg.epochs
        f = lr_factor(trainer.epoch, epochs, self.decay_from)
        for opt, base in ((trainer.opt_G, trainer.cfg.lr_g), (trainer.opt_D, trainer.cfg.lr_d)):
            for group in opt.param_groups:
                group["lr"] = base * f

    def on_fit_start(self, trainer) -> None:
        self._apply(trainer)

    def on_epoch_end(self, trainer) -> None:
        self._apply(trainer)


@torch.no_grad()
def cycle_rows(G: nn.ModuleDict, a: Tensor, b: Tensor) -> Tensor:
    """Rows a, G_AB(a), G_BA(G_AB(a)), b, G_BA(b), G_AB(G_BA(b)): (6n, C, S, S) for a grid with nrow=n.

    Images of a 1-channel domain are repeated to 3 channels when the other domain is RGB.
    """
    was = G.training
    G.eval()
    try:
        ab = G["AB"](a)
        aba = G["BA"](ab)
        ba = G["BA"](b)
        bab = G["AB"](ba)
    finally:
        G.train(was)
    rows = [a, ab, aba, b, ba, bab]
    c = max(t.shape[1] for t in rows)
    return torch.cat([t.expand(-1, c, -1, -1) if t.shape[1] != c else t for t in rows])  # (6n, c, S, S)
