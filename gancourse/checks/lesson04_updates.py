"""Checks for lesson 04's two updates, on toy networks whose gradients are known.

G_AB(x) = x + 0.5 and G_BA(x) = x - 0.25 (one parameter each), D_A(x) = 1.0 · mean(x) and
D_B(x) = 2.0 · mean(x) per image; a = 0 and b = 1 everywhere. The student's update receives the
fakes fake_b = G_AB(a) and fake_a = G_BA(b) with their graphs, as the library's steps hand them over.
"""

from __future__ import annotations

import torch
from torch import nn

from ._common import OK, _close, _fail, _run


class _Shift(nn.Module):
    def __init__(self, c: float):
        super().__init__()
        self.c = nn.Parameter(torch.tensor(c))

    def forward(self, x):
        return x + self.c


class _MeanLogit(nn.Module):
    def __init__(self, w: float):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))

    def forward(self, x):
        return self.w * x.mean(dim=(1, 2, 3), keepdim=True)  # (N, 1, 1, 1)


class _SpyPool:
    """Records what it is asked to pool and hands it back unchanged (a pool of size 0)."""

    def __init__(self):
        self.size, self.images, self.seen = 0, [], []

    def query(self, fakes):
        self.seen.append(fakes)
        return fakes


def _toy():
    G_AB, G_BA, D_A, D_B = _Shift(0.5), _Shift(-0.25), _MeanLogit(1.0), _MeanLogit(2.0)
    a, b = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)
    return G_AB, G_BA, D_A, D_B, a, b


def _d_loss(D_A, D_B, a, b, fake_a, fake_b):
    """0.5 · LSGAN for each discriminator on its real images and the (detached) fakes of its domain."""
    loss_a = 0.5 * (((D_A(a) - 1) ** 2).mean() + (D_A(fake_a.detach()) ** 2).mean())
    loss_b = 0.5 * (((D_B(b) - 1) ** 2).mean() + (D_B(fake_b.detach()) ** 2).mean())
    return loss_a + loss_b


def check_d_update(d_update) -> None:
    """d_update(D_A, D_B, opt_D, a, b, fake_a, fake_b, pool_a, pool_b): both D's on real and pooled, detached fakes."""
    G_AB, G_BA, D_A, D_B, a, b = _toy()
    want = _d_loss(D_A, D_B, a, b, G_BA(b), G_AB(a))
    grads = torch.autograd.grad(want, [D_A.w, D_B.w])
    G_AB, G_BA, D_A, D_B, a, b = _toy()
    fake_b, fake_a = G_AB(a), G_BA(b)  # (2, 1, 2, 2) each, with G's graph
    pool_a, pool_b = _SpyPool(), _SpyPool()
    opt = torch.optim.SGD([D_A.w, D_B.w], lr=0.1)
    D_A.w.grad = torch.tensor(5.0)  # a stale gradient that must be cleared
    loss = _run("d_update", d_update, D_A, D_B, opt, a, b, fake_a, fake_b, pool_a, pool_b)
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        _fail("d_update should return the total discriminator loss (a 0-d tensor).\nHint: return the loss you back-propagated.")
    if not pool_a.seen or not pool_b.seen:
        _fail("the discriminators trained on the newest fakes only: a pool was never asked.\n"
              "Hint: each domain's fakes go through that domain's pool before its discriminator sees them.")
    if not torch.allclose(pool_a.seen[0].detach(), fake_a.detach()) or not torch.allclose(pool_b.seen[0].detach(), fake_b.detach()):
        _fail("a pool received the other domain's fakes.\nHint: pool_a holds translations into A, G_BA(b).")
    if G_AB.c.grad is not None or G_BA.c.grad is not None:
        _fail("the discriminators' loss sent gradients into the generators.\n"
              "Hint: cut the fakes from G's graph before D sees them (and before they are stored).")
    if not _close(loss, want):
        if _close(loss, 2 * want):
            _fail("the loss is twice CycleGAN's.\nHint: CycleGAN halves each discriminator's loss, so D learns "
                  "more slowly than G.")
        _fail(f"the loss is {float(loss):.4f}, expected {float(want):.4f}.\nHint: for each domain, LSGAN pushes "
              "D(real) to 1 and D(fake) to 0: the mean squared distance to each target, the two terms halved.")
    moved = [1.0 - D_A.w.item(), 2.0 - D_B.w.item()]
    if abs(moved[0] - 0.1 * grads[0]) > 1e-4 or abs(moved[1] - 0.1 * grads[1]) > 1e-4:
        if abs(moved[0] - 0.1 * (grads[0] + 5.0)) < 1e-4:
            _fail("D_A's step used an old gradient as well.\nHint: clear the gradients before back-propagating.")
        _fail("the discriminators' step differs from one clean gradient step of that loss.\n"
              "Hint: back-propagate the total loss once, then step opt_D.")
    print(f"{OK} discriminator update: both domains, pooled and detached fakes, halved LSGAN, one optimizer step.")


def _g_loss(G_AB, G_BA, D_A, D_B, a, b, fake_a, fake_b, lam=10.0, cut_cycle=False, cut_adv=False):
    adv_b, adv_a = (fake_b.detach(), fake_a.detach()) if cut_adv else (fake_b, fake_a)
    rec_b, rec_a = (fake_b.detach(), fake_a.detach()) if cut_cycle else (fake_b, fake_a)
    adv = ((D_B(adv_b) - 1) ** 2).mean() + ((D_A(adv_a) - 1) ** 2).mean()
    cyc = (G_BA(rec_b) - a).abs().mean() + (G_AB(rec_a) - b).abs().mean()
    return adv + lam * cyc


def _g_grads(**variant) -> list[float]:
    G_AB, G_BA, D_A, D_B, a, b = _toy()
    loss = _g_loss(G_AB, G_BA, D_A, D_B, a, b, G_BA(b), G_AB(a), **variant)
    return [g.item() for g in torch.autograd.grad(loss, [G_AB.c, G_BA.c])]


def check_generator_update(g_update) -> None:
    """g_update(G_AB, G_BA, D_A, D_B, opt_G, a, b, fake_a, fake_b, lam=10.0): LSGAN + lam · cycle L1, both G's."""
    G_AB, G_BA, D_A, D_B, a, b = _toy()
    want = _g_loss(G_AB, G_BA, D_A, D_B, a, b, G_BA(b), G_AB(a)).item()
    G_AB, G_BA, D_A, D_B, a, b = _toy()
    opt = torch.optim.SGD([G_AB.c, G_BA.c], lr=0.1)
    fake_b, fake_a = G_AB(a), G_BA(b)  # with G's graph, as the steps hand them over
    G_AB.c.grad = torch.tensor(5.0)  # a stale gradient that must be cleared
    loss = _run("g_update", g_update, G_AB, G_BA, D_A, D_B, opt, a, b, fake_a, fake_b)
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        _fail("g_update should return the total generator loss (a 0-d tensor).\nHint: return the loss you back-propagated.")
    if not _close(loss, want):
        adv_only = want - 10.0 * 0.5
        if _close(loss, adv_only):
            _fail("the loss has no cycle term.\nHint: add the weighted L1 error of both round trips, A->B->A and B->A->B.")
        if _close(loss, adv_only + 0.5):
            _fail("the cycle term has no lambda.\nHint: weight the two L1 terms by lam.")
        _fail(f"the total loss is {float(loss.detach()):.4f}, expected {want:.4f}: LSGAN E[(D(fake) - 1)^2] for both "
              "directions plus lam · (both cycle L1 errors).\nHint: each D judges the images of its own domain: "
              "D_B the translations into B, D_A those into A.")
    moved = [(0.5 - G_AB.c.item()) / 0.1, (-0.25 - G_BA.c.item()) / 0.1]  # the gradient the step used
    if D_A.w.item() != 1.0 or D_B.w.item() != 2.0:
        _fail("the discriminators changed during the generator update.\nHint: only opt_G steps here.")
    if not all(abs(m - g) < 1e-3 for m, g in zip(moved, _g_grads(), strict=True)):
        if abs(moved[0]) < 1e-9 and abs(moved[1]) < 1e-9:
            _fail("the generators did not move.\nHint: back-propagate the loss and step opt_G (it holds both generators).")
        if all(abs(m - g) < 1e-3 for m, g in zip(moved, [g + s for g, s in zip(_g_grads(), (5.0, 0.0), strict=True)], strict=True)):
            _fail("G_AB's step used an old gradient as well.\nHint: clear the gradients before back-propagating.")
        if all(abs(m - g) < 1e-3 for m, g in zip(moved, _g_grads(cut_cycle=True), strict=True)):
            _fail("the round trips send no gradient back through the first translation.\n"
                  "Hint: reconstruct from the fakes as they are, with their graph: do not detach them in the cycle.")
        if all(abs(m - g) < 1e-3 for m, g in zip(moved, _g_grads(cut_adv=True), strict=True)):
            _fail("no gradient reaches the generators through the discriminators.\n"
                  "Hint: D must judge the fakes with autograd on: no torch.no_grad() and no detach() in this update.")
        _fail("the generators' step differs from one clean gradient step of that loss.\n"
              "Hint: one backward pass through the whole loss, adversarial and cycle terms together.")
    print(f"{OK} generator update: both directions, adversarial + lambda · cycle, one optimizer step.")
