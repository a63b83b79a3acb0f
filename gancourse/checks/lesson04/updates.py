"""Lesson 04's two updates: both discriminators, then both generators with the cycle term."""

from __future__ import annotations

import torch
from torch import nn

from ..common import OK, close_enough, fail, run_student, show_values
from ..protocol import as_tensor, check, generator, tensor


class AffineToy(nn.Module):
    """A toy generator for lesson 04's checks: x -> scale · x + c, with c learnt."""

    def __init__(self, c: float, scale: float = 1.0):
        super().__init__()
        self.c, self.scale = nn.Parameter(torch.tensor(c)), scale

    def forward(self, x):
        return self.scale * x + self.c


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


def _start(seed: int) -> list[float]:
    jitter = [0.0] * 4 if seed == 0 else (torch.rand(4, generator=generator(seed)) * 0.4 - 0.2).tolist()
    return [v + j for v, j in zip((0.5, -0.25, 1.0, 2.0), jitter, strict=True)]


def _toy(seed: int):
    c_ab, c_ba, w_a, w_b = _start(seed)
    G_AB, G_BA, D_A, D_B = AffineToy(c_ab), AffineToy(c_ba, scale=0.5), _MeanLogit(w_a), _MeanLogit(w_b)
    a, b = torch.linspace(-1.0, 0.0, 8).view(2, 1, 2, 2), torch.linspace(0.3, 1.0, 8).view(2, 1, 2, 2)  # (2, 1, 2, 2)
    return G_AB, G_BA, D_A, D_B, a, b


def _d_loss(D_A, D_B, a, b, fake_a, fake_b):
    """0.5 · LSGAN for each discriminator on its real images and the (detached) fakes of its domain."""
    loss_a = 0.5 * (((D_A(a) - 1) ** 2).mean() + (D_A(fake_a.detach()) ** 2).mean())
    loss_b = 0.5 * (((D_B(b) - 1) ** 2).mean() + (D_B(fake_b.detach()) ** 2).mean())
    return loss_a + loss_b


def _probe_d_update(seed: int, d_update) -> dict:
    G_AB, G_BA, D_A, D_B, a, b = _toy(seed)
    fake_b, fake_a = G_AB(a), G_BA(b)  # (2, 1, 2, 2) each, with G's graph
    pool_a, pool_b = _SpyPool(), _SpyPool()
    opt = torch.optim.SGD([D_A.w, D_B.w], lr=0.1)
    D_A.w.grad = torch.tensor(5.0)  # a stale gradient that must be cleared
    loss = run_student("d_update", d_update, D_A, D_B, opt, a, b, fake_a, fake_b, pool_a, pool_b)
    return {
        "loss": loss,
        "pooled_a": pool_a.seen[:1],
        "pooled_b": pool_b.seen[:1],
        "g_grads": G_AB.c.grad is not None or G_BA.c.grad is not None,
        "w": [D_A.w, D_B.w],
    }


@check(_probe_d_update)
def check_d_update(r: dict, seed: int) -> str:
    """d_update(D_A, D_B, opt_D, a, b, fake_a, fake_b, pool_a, pool_b): both D's on real and pooled, detached fakes."""
    G_AB, G_BA, D_A, D_B, a, b = _toy(seed)
    fake_b, fake_a = G_AB(a), G_BA(b)
    want = _d_loss(D_A, D_B, a, b, fake_a, fake_b)
    grads = torch.autograd.grad(want, [D_A.w, D_B.w])
    loss = tensor(r, "loss", "d_update's result")
    if loss.numel() != 1:
        fail(
            "d_update should return the total discriminator loss (a 0-d tensor).\n"
            "Hint: return the loss you back-propagated."
        )
    if not r["pooled_a"] or not r["pooled_b"]:
        fail(
            "the discriminators trained on the newest fakes only: a pool was never asked.\n"
            "Hint: each domain's fakes go through that domain's pool before its discriminator sees them."
        )
    seen_a, seen_b = (as_tensor(r[k][0], "a pooled batch") for k in ("pooled_a", "pooled_b"))
    if (
        seen_a.shape != fake_a.shape
        or seen_b.shape != fake_b.shape
        or not torch.allclose(seen_a, fake_a.detach())
        or not torch.allclose(seen_b, fake_b.detach())
    ):
        fail("a pool received the other domain's fakes.\nHint: pool_a holds translations into A, G_BA(b).")
    if r["g_grads"] is not False:
        fail(
            "the discriminators' loss sent gradients into the generators.\n"
            "Hint: cut the fakes from G's graph before D sees them (and before they are stored)."
        )
    if not close_enough(loss, want):
        if close_enough(loss, 2 * want):
            fail(
                "the loss is twice CycleGAN's.\nHint: CycleGAN halves each discriminator's loss, so D learns "
                "more slowly than G."
            )
        fail(
            f"the loss is {float(loss):.4f}, expected {float(want):.4f}.\nHint: for each domain, LSGAN pushes "
            "D(real) to 1 and D(fake) to 0: the mean squared distance to each target, the two terms halved."
        )
    w = [float(as_tensor(v, "a weight")) for v in r["w"]]
    moved = [s - v for s, v in zip(_start(seed)[2:], w, strict=True)]
    if abs(moved[0] - 0.1 * grads[0]) > 1e-4 or abs(moved[1] - 0.1 * grads[1]) > 1e-4:
        if abs(moved[0] - 0.1 * (grads[0] + 5.0)) < 1e-4:
            fail("D_A's step used an old gradient as well.\nHint: clear the gradients before back-propagating.")
        fail(
            "the discriminators' step differs from one clean gradient step of that loss.\n"
            "Hint: back-propagate the total loss once, then step opt_D."
        )
    return f"{OK} discriminator update: both domains, pooled and detached fakes, halved LSGAN, one optimizer step."


def _g_loss(G_AB, G_BA, D_A, D_B, a, b, fake_a, fake_b, cut_cycle=False, cut_adv=False):
    """(adversarial, cycle) terms of the generators' loss; ``cut_*`` detach the fakes as a wrong update would."""
    adv_b, adv_a = (fake_b.detach(), fake_a.detach()) if cut_adv else (fake_b, fake_a)
    rec_b, rec_a = (fake_b.detach(), fake_a.detach()) if cut_cycle else (fake_b, fake_a)
    adv = ((D_B(adv_b) - 1) ** 2).mean() + ((D_A(adv_a) - 1) ** 2).mean()
    cyc = (G_BA(rec_b) - a).abs().mean() + (G_AB(rec_a) - b).abs().mean()
    return adv, cyc


def _lam(seed: int) -> float:
    """The cycle weight the probe passes, as the training steps pass theirs: never the default 10."""
    return 3.0 if seed == 0 else float(torch.randint(2, 9, (), generator=generator(seed + 5)))


def _g_grads(seed: int, **variant) -> list[float]:
    G_AB, G_BA, D_A, D_B, a, b = _toy(seed)
    adv, cyc = _g_loss(G_AB, G_BA, D_A, D_B, a, b, G_BA(b), G_AB(a), **variant)
    return [g.item() for g in torch.autograd.grad(adv + _lam(seed) * cyc, [G_AB.c, G_BA.c])]


def _probe_g_update(seed: int, g_update) -> dict:
    G_AB, G_BA, D_A, D_B, a, b = _toy(seed)
    opt = torch.optim.SGD([G_AB.c, G_BA.c], lr=0.1)
    fake_b, fake_a = G_AB(a), G_BA(b)  # with G's graph, as the steps hand them over
    G_AB.c.grad = torch.tensor(5.0)  # a stale gradient that must be cleared
    loss = run_student("g_update", g_update, G_AB, G_BA, D_A, D_B, opt, a, b, fake_a, fake_b, _lam(seed))  # positional
    G_AB0, G_BA0, D_A0, D_B0, a0, b0 = _toy(seed)  # the lambda = 0 ablation, as lesson 04 trains it
    loss0 = run_student(
        "g_update",
        g_update,
        G_AB0,
        G_BA0,
        D_A0,
        D_B0,
        torch.optim.SGD([G_AB0.c, G_BA0.c], lr=0.1),
        a0,
        b0,
        G_BA0(b0),
        G_AB0(a0),
        0.0,
    )
    return {"loss": loss, "loss0": loss0, "c": [G_AB.c, G_BA.c], "w": [D_A.w, D_B.w]}


@check(_probe_g_update)
def check_generator_update(r: dict, seed: int) -> str:
    """g_update(G_AB, G_BA, D_A, D_B, opt_G, a, b, fake_a, fake_b, lam=10.0): LSGAN + lam · cycle L1, both G's."""
    G_AB, G_BA, D_A, D_B, a, b = _toy(seed)
    adv, cyc = (t.item() for t in _g_loss(G_AB, G_BA, D_A, D_B, a, b, G_BA(b), G_AB(a)))
    lam = _lam(seed)
    want = adv + lam * cyc
    loss = tensor(r, "loss", "g_update's result")
    if loss.numel() != 1:
        fail(
            "g_update should return the total generator loss (a 0-d tensor).\nHint: return the loss you "
            "back-propagated."
        )
    if not close_enough(loss, want):
        if close_enough(loss, adv):
            fail(
                "the loss has no cycle term.\nHint: add the weighted L1 error of both round trips, A->B->A and B->A->B."
            )
        if close_enough(loss, adv + cyc):
            fail("the cycle term has no lambda.\nHint: weight the two L1 terms by lam.")
        if close_enough(loss, adv + 10.0 * cyc):
            fail(
                f"called with lam={lam:g}, the loss weighs the cycle term by 10.\nHint: the training steps pass their "
                "own lambda (0 in the ablation): the lam argument must reach both cycle terms."
            )
        wrong_order = ((G_AB(G_BA(a)) - a).abs().mean() + (G_BA(G_AB(b)) - b).abs().mean()).item()
        if close_enough(loss, adv + lam * wrong_order):
            fail(
                "the round trips are composed in the wrong order.\nHint: A -> B -> A starts with the A-to-B "
                "translation of a (the fake it already made) and translates that back to A; B -> A -> B likewise."
            )
        fail(
            f"the total loss is {float(loss):.4f}, expected {want:.4f}: LSGAN E[(D(fake) - 1)^2] for both "
            "directions plus lam · (both cycle L1 errors).\nHint: each D judges the images of its own domain: "
            "D_B the translations into B, D_A those into A."
        )
    loss0 = tensor(r, "loss0", "g_update's result")
    if loss0.numel() != 1 or not close_enough(loss0, adv):
        fail(
            f"with lam=0 the loss is {show_values(loss0)}, expected the adversarial part alone, {adv:.4f}: the "
            "lambda = 0 "
            "ablation would still train with a cycle loss.\nHint: every cycle term is weighted by the lam argument."
        )
    start = _start(seed)
    c = [float(as_tensor(v, "a parameter")) for v in r["c"]]
    w = [float(as_tensor(v, "a weight")) for v in r["w"]]
    moved = [(s - v) / 0.1 for s, v in zip(start[:2], c, strict=True)]  # the gradient the step used
    if abs(w[0] - start[2]) > 1e-6 or abs(w[1] - start[3]) > 1e-6:  # float32 holds the start to ~1e-7
        fail("the discriminators changed during the generator update.\nHint: only opt_G steps here.")

    def used(grads: list[float]) -> bool:
        return all(abs(m - g) < 1e-3 for m, g in zip(moved, grads, strict=True))

    clean = _g_grads(seed)
    if not used(clean):
        if abs(moved[0]) < 1e-4 and abs(moved[1]) < 1e-4:  # float32 rounding of the start, nothing more
            fail(
                "the generators did not move.\nHint: back-propagate the loss and step opt_G (it holds both generators)."
            )
        if used([clean[0] + 5.0, clean[1]]):
            fail("G_AB's step used an old gradient as well.\nHint: clear the gradients before back-propagating.")
        if used(_g_grads(seed, cut_cycle=True)):
            fail(
                "the round trips send no gradient back through the first translation.\n"
                "Hint: reconstruct from the fakes as they are, with their graph: do not detach them in the cycle."
            )
        if used(_g_grads(seed, cut_adv=True)):
            fail(
                "no gradient reaches the generators through the discriminators.\n"
                "Hint: D must judge the fakes with autograd on: no torch.no_grad() and no detach() in this update."
            )
        fail(
            "the generators' step differs from one clean gradient step of that loss.\n"
            "Hint: one backward pass through the whole loss, adversarial and cycle terms together."
        )
    return f"{OK} generator update: both directions, adversarial + lambda · cycle, one optimizer step."
