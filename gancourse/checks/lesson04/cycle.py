"""Lesson 04's cycle-consistency loss (and on images, hidden) and image pool."""

from __future__ import annotations

from collections import Counter

import torch

from ..common import OK, close_enough, fail, run_student, shape_of
from ..protocol import check, generator, tensor


def _images(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x and its reconstruction: fixed (errors 0.5, 0, 1, 0) in notebooks, drawn from ``seed`` when grading."""
    if seed == 0:
        return torch.tensor([[0.0, 1.0], [-1.0, 0.5]]), torch.tensor([[0.5, 1.0], [0.0, 0.5]])
    g = generator(seed)
    return torch.rand(2, 2, generator=g) * 2 - 1, torch.rand(2, 2, generator=g) * 2 - 1


def _probe_cycle(seed: int, cycle_loss) -> dict:
    x, x_rec = _images(seed)
    return {
        "default": run_student("cycle_loss(x, x_rec)", cycle_loss, x, x_rec),
        "lam2": run_student("cycle_loss(x, x_rec, lam=2.0)", cycle_loss, x, x_rec, lam=2.0),
    }


@check(_probe_cycle)
def check_cycle_loss(r: dict, seed: int) -> str:
    """cycle_loss(x, x_rec, lam=10.0) = lam · mean |x_rec - x|."""
    x, x_rec = _images(seed)
    l1, l2 = (x_rec - x).abs(), (x_rec - x) ** 2
    out = tensor(r, "default", "cycle_loss's result")
    if out.numel() != 1:
        fail(
            "cycle_loss should return one number (a 0-d tensor).\nHint: average the error over every pixel of "
            "every image."
        )
    if close_enough(out, l1.mean()):
        fail(
            "the loss is the mean absolute error without its weight lambda.\n"
            "Hint: multiply by lam: CycleGAN's cycle term is 10 times the L1 error, or it drowns in the GAN loss."
        )
    if close_enough(out, 10 * l2.mean()) or close_enough(out, l2.mean()):
        fail(
            "that is the squared error (DiscoGAN's choice).\nHint: CycleGAN's cycle term is the L1 error, the "
            "mean absolute difference."
        )
    if close_enough(out, 10 * l1.sum()):
        fail("you summed the errors.\nHint: average over pixels, so the weight does not depend on the image size.")
    if not close_enough(out, 10 * l1.mean()):
        fail(
            f"cycle_loss gave {float(out):.4f}, expected 10 · mean|x_rec - x| = {float(10 * l1.mean()):.4f}.\n"
            "Hint: lambda times the mean absolute error over all pixels."
        )
    if not close_enough(tensor(r, "lam2", "cycle_loss's result"), 2 * l1.mean()):
        fail("the lam argument is ignored.\nHint: use the lam you are given instead of a fixed 10.")
    return f"{OK} cycle loss: lambda · mean |F(G(x)) - x|."


_QUERIES = 100


def _batch(i: int) -> torch.Tensor:
    return (100.0 + 8 * i + torch.arange(8.0)).view(8, 1, 1, 1)  # (8, 1, 1, 1): a distinct value per fake


def _graph(pool, out) -> bool:
    """Whether the pool keeps, or hands back, tensors that carry G's graph."""
    stored = getattr(pool, "images", [])
    return bool(getattr(out, "requires_grad", False)) or any(getattr(t, "requires_grad", False) for t in stored)


def _probe_pool(seed: int, ImagePool) -> dict:
    torch.manual_seed(seed)
    pool = run_student("ImagePool(4)", ImagePool, 4)
    first = run_student("ImagePool(4).query", pool.query, torch.arange(4.0).view(4, 1, 1, 1).requires_grad_())
    report = {"first": first, "first_graph": _graph(pool, first), "outs": [], "graph": [], "held": []}
    for i in range(_QUERIES):
        out = run_student("ImagePool.query", pool.query, _batch(i).requires_grad_())
        report["outs"].append(out)
        report["graph"].append(_graph(pool, out))
        report["held"].append(len(getattr(pool, "images", [])))
    x = torch.randn(32, 1, 2, 2, generator=generator(seed))  # (32, 1, 2, 2): a size-0 pool that swaps would be caught
    report["empty"] = run_student("ImagePool(0).query", run_student("ImagePool(0)", ImagePool, 0).query, x)
    return report


@check(_probe_pool)
def check_image_pool(r: dict, seed: int) -> str:
    """ImagePool(size).query(fakes): fill first; once full, each image is new or swapped for a stored one, with p "
    "= 1/2."""
    first = r["first"]
    if not isinstance(first, torch.Tensor) or not torch.equal(first.float(), torch.arange(4.0).view(4, 1, 1, 1)):
        fail(
            "while the pool is filling, each fake should be stored and returned as it is.\n"
            "Hint: below `size` stored images there is nothing old to swap in."
        )
    if r["first_graph"] is not False:
        fail(
            "the pool keeps (or returns) tensors that carry G's graph: every stored fake holds G's whole "
            "computation alive.\nHint: detach the fakes before storing them, not only the ones you return."
        )
    stored, new_back, total = Counter(range(4)), 0, 0  # what the pool holds now (a multiset of pixel values)
    for i, (out, graph, held) in enumerate(zip(r["outs"], r["graph"], r["held"], strict=True)):
        new = _batch(i)
        if not isinstance(out, torch.Tensor) or out.shape != new.shape:
            fail(
                f"query should return a batch of the same shape {tuple(new.shape)}, got {shape_of(out)}.\n"
                "Hint: stack the chosen images."
            )
        if graph is not False:
            fail("the pool keeps or returns tensors that still carry G's graph.\nHint: work on detached fakes.")
        if held > 4:
            fail(
                f"the pool holds {held} images, more than its size 4.\n"
                "Hint: once full, a new fake only ever takes the place of the one it is swapped with."
            )
        for v, fresh in zip(out.flatten().tolist(), new.flatten().tolist(), strict=True):
            total += 1
            if v == fresh:
                new_back += 1
            elif stored[v] > 0:  # a stored fake came back: the new one must have taken its place
                stored[v] -= 1
                stored[fresh] += 1
            else:
                fail(
                    "the pool returned an image that was never given to it, or one already handed back.\n"
                    "Hint: when you return a stored image, put the new one in its place."
                )
    if total != 8 * _QUERIES or not 0.4 <= new_back / total <= 0.6:
        fail(
            f"once full, the pool returned the new fake {new_back / max(total, 1):.0%} of the time over {total} "
            "images.\nHint: each new fake should come back with probability 1/2, otherwise a random stored one."
        )
    x = torch.randn(32, 1, 2, 2, generator=generator(seed))
    if not isinstance(r["empty"], torch.Tensor) or not torch.equal(r["empty"].float(), x):
        fail(
            "a pool of size 0 should return the fakes unchanged.\nHint: a pool that can hold nothing has nothing "
            "to swap."
        )
    return f"{OK} image pool: D also sees fakes from earlier steps, half of the time."


def _cycle_images(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = generator(seed + 2)
    return torch.rand(2, 3, 4, 4, generator=g) * 2 - 1, torch.rand(2, 3, 4, 4, generator=g) * 2 - 1


def _probe_cycle_hidden(seed: int, cycle_loss) -> dict:
    return {"value": run_student("cycle_loss", cycle_loss, *_cycle_images(seed), lam=0.5)}


@check(_probe_cycle_hidden)
def hidden_cycle_loss_images(r: dict, seed: int) -> str:
    """The cycle loss on image batches (N, C, H, W) with another lambda."""
    x, x_rec = _cycle_images(seed)
    got = tensor(r, "value", "cycle_loss's result")
    if got.numel() != 1 or not close_enough(got, 0.5 * (x_rec - x).abs().mean()):
        fail(
            "on (2, 3, 4, 4) images with lam=0.5 the loss is wrong.\n"
            "Hint: the mean absolute error over every pixel of every channel, weighted by lam."
        )
    return f"{OK} hidden: cycle loss on image batches."
