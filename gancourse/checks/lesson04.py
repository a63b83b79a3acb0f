"""Checks for lesson 04: the cycle loss and the image pool (the two updates are in ``lesson04_updates``)."""

from __future__ import annotations

from collections import Counter

import torch

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
              "Hint: lambda times the mean absolute error over all pixels.")
    if not _close(_run("cycle_loss(x, x_rec, lam=2.0)", cycle_loss, x, x_rec, lam=2.0), 0.75):
        _fail("the lam argument is ignored.\nHint: use the lam you are given instead of a fixed 10.")
    print(f"{OK} cycle loss: lambda · mean |F(G(x)) - x|.")


def _filling(pool, what: str) -> None:
    first = torch.arange(4.0).view(4, 1, 1, 1).requires_grad_()
    out = _run(f"{what}.query", pool.query, first)
    if not isinstance(out, torch.Tensor) or not torch.equal(out.detach(), first.detach()):
        _fail("while the pool is filling, each fake should be stored and returned as it is.\n"
              "Hint: below `size` stored images there is nothing old to swap in.")
    if any(t.requires_grad or t.grad_fn is not None for t in pool.images) or out.requires_grad:
        _fail("the pool keeps (or returns) tensors that carry G's graph: every stored fake holds G's whole "
              "computation alive.\nHint: detach the fakes before storing them, not only the ones you return.")


def check_image_pool(ImagePool) -> None:
    """ImagePool(size).query(fakes): fill first; once full, each image is new or swapped for a stored one, with p = 1/2."""
    torch.manual_seed(0)
    pool = _run("ImagePool(4)", ImagePool, 4)
    _filling(pool, "ImagePool(4)")
    stored = Counter(range(4))  # what the pool holds now (a multiset of pixel values)
    new_back = total = 0
    for i in range(100):
        new = (100.0 + 8 * i + torch.arange(8.0)).view(8, 1, 1, 1).requires_grad_()  # a distinct value per fake
        out = _run("ImagePool.query", pool.query, new)
        if not isinstance(out, torch.Tensor) or out.shape != new.shape:
            _fail(f"query should return a batch of the same shape {tuple(new.shape)}.\nHint: stack the chosen images.")
        if out.requires_grad or any(t.requires_grad for t in pool.images):
            _fail("the pool keeps or returns tensors that still carry G's graph.\nHint: work on detached fakes.")
        if len(pool.images) > 4:
            _fail(f"the pool holds {len(pool.images)} images, more than its size 4.\n"
                  "Hint: once full, a new fake only ever takes the place of the one it is swapped with.")
        for v, fresh in zip(out.flatten().tolist(), new.flatten().tolist(), strict=True):
            total += 1
            if v == fresh:
                new_back += 1
            elif stored[v] > 0:  # a stored fake came back: the new one must have taken its place
                stored[v] -= 1
                stored[fresh] += 1
            else:
                _fail("the pool returned an image that was never given to it, or one already handed back.\n"
                      "Hint: when you return a stored image, put the new one in its place.")
    share = new_back / total
    if not 0.4 <= share <= 0.6:
        _fail(f"once full, the pool returned the new fake {share:.0%} of the time over {total} images.\n"
              "Hint: each new fake should come back with probability 1/2, otherwise a random stored one comes back.")
    empty = _run("ImagePool(0)", ImagePool, 0)
    x = torch.randn(3, 1, 2, 2)
    out = _run("ImagePool(0).query", empty.query, x)
    if not isinstance(out, torch.Tensor) or not torch.equal(out, x):
        _fail("a pool of size 0 should return the fakes unchanged.\nHint: a pool that can hold nothing has nothing to swap.")
    print(f"{OK} image pool: D also sees fakes from earlier steps, half of the time.")
