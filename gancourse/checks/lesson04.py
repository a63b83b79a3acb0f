"""Checks for lesson 04: the cycle loss, the image pool and one generator update in both directions."""

from __future__ import annotations

from collections import Counter

import torch
from torch import nn

from ._common import OK, _close, _fail, _run


def check_cycle_loss(cycle_loss) -> None:
    """cycle_loss(x, x_rec, lam=10.0) = lam · mean |x_rec - x|."""
    x = torch.tensor([[0.0, 1.0], [-1.0, 0.5]])
    x_rec = torch.tensor([[0.5, 1.0], [0.0, 0.5]])  # errors 0.5, 0, 1, 0: mean 0.375
    out = _run("cycle_loss(x, x_rec)", cycle_loss, x, x_rec)
    if not isinstance(out, torch.Tensor) or out.numel() != 1:
        _fail("cycle_loss should return one number (a 0-d tensor).\nHint: take .mean() over all pixels.")
    if _close(out, 0.375):
        _fail("the loss is the mean absolute error without its weight lambda.\n"
              "Hint: multiply by lam: CycleGAN's cycle term is 10 times the L1 error, or it drowns in the GAN loss.")
    if _close(out, 10 * 0.3125) or _close(out, 0.3125):
        _fail("that is the squared error (DiscoGAN's choice).\nHint: CycleGAN uses the L1 error: (x_rec - x).abs().")
    if _close(out, 10 * 1.5):
        _fail("you summed the errors.\nHint: average over pixels with .mean(), so the weight does not depend on image size.")
    if not _close(out, 3.75):
        _fail(f"cycle_loss gave {float(out):.4f}, expected 10 · mean|x_rec - x| = 3.75.\n"
              "Hint: lam * (x_rec - x).abs().mean().")
    if not _close(_run("cycle_loss(x, x_rec, lam=2.0)", cycle_loss, x, x_rec, lam=2.0), 0.75):
        _fail("the lam argument is ignored.\nHint: use the lam you are given instead of a fixed 10.")
    print(f"{OK} cycle loss: lambda · mean |F(G(x)) - x|.")


def check_image_pool(ImagePool) -> None:
    """ImagePool(size).query(fakes): fill first; once full, each image is either new or swapped for a stored one."""
    torch.manual_seed(0)
    pool = _run("ImagePool(4)", ImagePool, 4)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    out = _run("ImagePool(4).query", pool.query, first)
    if not isinstance(out, torch.Tensor) or not torch.equal(out, first):
        _fail("while the pool is filling, each fake should be stored and returned as it is.")
    old_seen, new_returned = False, False
    stored = Counter(range(4))  # what the pool holds now (a multiset of pixel values)
    for i in range(30):
        new = torch.full((4, 1, 1, 1), 100.0 + i, requires_grad=True)
        out = _run("ImagePool.query", pool.query, new)
        if not isinstance(out, torch.Tensor) or out.shape != new.shape:
            _fail(f"query should return a batch of the same shape {tuple(new.shape)}.\nHint: torch.stack the chosen images.")
        if out.requires_grad:
            _fail("the pool returns tensors that still carry G's graph.\nHint: store and return fakes.detach().")
        swaps = 0
        for v in out.flatten().tolist():
            if v == 100.0 + i:
                new_returned = True
            elif stored[v] > 0:
                old_seen, swaps = True, swaps + 1
                stored[v] -= 1
            else:
                _fail("the pool returned an image that was never given to it, or one already handed back.\n"
                      "Hint: when you return a stored image, put the new one in its place.")
        stored[100.0 + i] += swaps  # each returned old image was replaced by the new one
    empty = _run("ImagePool(0)", ImagePool, 0)
    x = torch.randn(3, 1, 2, 2)
    try:
        out = empty.query(x)
    except Exception as e:
        _fail(f"a pool of size 0 raised {type(e).__name__}; it should return the fakes unchanged.\n"
              "Hint: if self.size == 0: return fakes.")
    if not isinstance(out, torch.Tensor) or not torch.equal(out, x):
        _fail("a pool of size 0 should return the fakes unchanged.\nHint: if self.size == 0: return fakes.")
    if not (old_seen and new_returned):
        _fail("once full, the pool should return the new fake with probability 1/2, else a random stored one.\n"
              "Hint: if torch.rand(()) < 0.5: swap with a random stored image; else: return the new one.")
    print(f"{OK} image pool: D also sees fakes from earlier steps.")


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


def check_generator_update(g_update) -> None:
    """g_update(G_AB, G_BA, D_A, D_B, opt_G, a, b, lam=10.0) updates both G's with LSGAN + lam · cycle L1."""

    def toy():
        return _Shift(0.5), _Shift(-0.25), _MeanLogit(1.0), _MeanLogit(2.0)

    a, b = torch.zeros(2, 1, 2, 2), torch.ones(2, 1, 2, 2)

    def expected(G_AB, G_BA, D_A, D_B):
        fake_b, fake_a = G_AB(a), G_BA(b)
        adv = ((D_B(fake_b) - 1) ** 2).mean() + ((D_A(fake_a) - 1) ** 2).mean()
        cyc = (G_BA(fake_b) - a).abs().mean() + (G_AB(fake_a) - b).abs().mean()
        return adv + 10.0 * cyc

    ref = toy()
    want = expected(*ref)
    want.backward()
    want = want.detach()
    grads = [ref[0].c.grad.item(), ref[1].c.grad.item()]
    G_AB, G_BA, D_A, D_B = toy()
    opt = torch.optim.SGD(list(G_AB.parameters()) + list(G_BA.parameters()), lr=0.1)
    G_AB.c.grad = torch.tensor(5.0)  # a stale gradient that must be cleared
    loss = _run("g_update", g_update, G_AB, G_BA, D_A, D_B, opt, a, b)
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        _fail("g_update should return the total generator loss (a 0-d tensor).")
    if not _close(loss, want):
        adv_only = float(want) - 10.0 * 0.5
        if _close(loss, adv_only):
            _fail("the loss has no cycle term.\nHint: add lam * [|G_BA(G_AB(a)) - a| + |G_AB(G_BA(b)) - b|] (means).")
        if _close(loss, adv_only + 0.5):
            _fail("the cycle term has no lambda.\nHint: multiply the two L1 terms by lam.")
        _fail(f"the total loss is {float(loss):.4f}, expected {float(want):.4f}: LSGAN E[(D(fake) - 1)^2] for "
              "both directions plus lam · (both cycle L1 errors).\nHint: each D judges the images of its own domain: "
              "D_B(G_AB(a)) and D_A(G_BA(b)).")
    moved = [0.5 - G_AB.c.item(), -0.25 - G_BA.c.item()]
    if abs(moved[0] - 0.1 * grads[0]) > 1e-4 or abs(moved[1] - 0.1 * grads[1]) > 1e-4:
        if abs(moved[0]) < 1e-9 or abs(moved[1]) < 1e-9:
            _fail("a generator did not move.\nHint: call loss.backward() and opt_G.step(); opt_G holds both generators.")
        _fail("the generator step used a wrong gradient.\nHint: call opt_G.zero_grad() first: old gradients accumulate.")
    if D_A.w.item() != 1.0 or D_B.w.item() != 2.0:
        _fail("the discriminators changed during the generator update.\nHint: only opt_G.step(); never step D here.")
    print(f"{OK} generator update: both directions, adversarial + lambda · cycle, one optimizer step.")
