"""Checks for lesson 03: label conditioning in G and D (other sizes, hidden), and generating a requested digit
(see :mod:`.protocol`)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..nets.conditional import CGANConfig, ConditionalGenerator, one_hot_input
from .common import OK, elsewhere, fail, run_student, same_device, shape_of
from .protocol import check, generator
from .training import TRAINS


def _label_batches(seed: int, n: int) -> list[torch.Tensor]:
    """Two label batches of ``n`` for 10 classes; the second never holds classes 5..9 (so a bare one_hot is short)."""
    g = generator(seed)
    return [torch.randint(0, 10, (n,), generator=g), torch.randint(0, 5, (n,), generator=g)]


def _probe_label_input(seed: int, fn) -> dict:
    z = torch.randn(5, 7, generator=generator(seed))  # (5, 7)
    return {"out": [run_student("label_input", fn, z, y, 10) for y in _label_batches(seed, 5)]}


@check(_probe_label_input)
def check_label_input(r: dict, seed: int) -> str:
    """fn(z, y, n_classes) joins z (N, z_dim) and one-hot y to (N, z_dim + n_classes)."""
    z = torch.randn(5, 7, generator=generator(seed))
    for y, out in zip(_label_batches(seed, 5), r["out"], strict=True):
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (5, 17):
            fail(
                f"for z (5, 7), labels {y.tolist()} and 10 classes you returned {shape_of(out)}, expected (5, 17).\n"
                "Hint: the one-hot part must have n_classes columns for every batch, also one that lacks the "
                "highest classes: tell F.one_hot how many classes there are."
            )
        if not torch.equal(out[:, :7].float(), z):
            fail("the first z_dim columns should be z unchanged.\nHint: z comes first in the joined vector.")
        if not torch.equal(out[:, 7:].float(), F.one_hot(y, 10).float()):
            fail(
                "the last n_classes columns should be the one-hot label: a 1 in column y, 0 elsewhere.\n"
                "Hint: the label is an index, not a number to feed in; one-hot encode it as floats."
            )
    return f"{OK} label_input: [z, one_hot(y)] of shape (N, z_dim + n_classes)."


def _probe_label_maps(seed: int, fn) -> dict:
    x = torch.randn(4, 1, 6, 6, generator=generator(seed))  # (4, 1, 6, 6)
    return {"out": [run_student("label_maps", fn, x, y, 10) for y in _label_batches(seed, 4)]}


@check(_probe_label_maps)
def check_label_maps(r: dict, seed: int) -> str:
    """fn(x, y, n_classes) joins images (N, C, H, W) and one-hot label maps to (N, C + n_classes, H, W)."""
    x = torch.randn(4, 1, 6, 6, generator=generator(seed))
    for y, out in zip(_label_batches(seed, 4), r["out"], strict=True):
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (4, 11, 6, 6):
            fail(
                f"for x (4, 1, 6, 6), labels {y.tolist()} and 10 classes you returned {shape_of(out)}, expected "
                "(4, 11, 6, 6).\nHint: one map per class of the dataset, whatever labels this batch happens to hold "
                "(tell F.one_hot how many classes there are), stacked on the channel dimension."
            )
        if not torch.equal(out[:, :1].float(), x):
            fail("the first C channels should be the image unchanged.\nHint: the image's channels come first.")
        want = F.one_hot(y, 10).float()[:, :, None, None].expand(4, 10, 6, 6)  # (4, 10, 6, 6)
        if not torch.equal(out[:, 1:].float(), want):
            fail(
                "channel c + C should be all ones where the label is c and all zeros elsewhere.\n"
                "Hint: every pixel of a label map carries the same one-hot value."
            )
    return f"{OK} label_maps: the image plus one constant map per class, (N, C + n_classes, H, W)."


def _lesson_generator(seed: int, device: str = "cpu"):
    """The generator lesson 03 trains (``nets.ConditionalGenerator``, narrow), recording its labels and its mode."""
    seen: dict = {"labels": [], "modes": []}

    def label_input(z, y, n_classes):
        seen["labels"].append(y.detach().to("cpu", copy=True) if y.device.type != "meta" else None)
        return one_hot_input(z, y, n_classes)

    torch.manual_seed(seed)
    G = ConditionalGenerator(CGANConfig(width=4), label_input=label_input).to(device)
    G.register_forward_pre_hook(lambda module, args: seen["modes"].append(module.training))
    return G, seen


def _digit(seed: int) -> int:
    return 7 if seed == 0 else int(torch.randint(1, 10, (), generator=generator(seed)))  # never 0: a G fed zeros


def _probe_generate_digit(seed: int, fn) -> dict:
    G, seen = _lesson_generator(seed)
    out = run_student("generate_digit", fn, G, _digit(seed), 5)
    report = {
        "out": out,
        "labels": [y for y in seen["labels"] if y is not None],
        "modes": list(seen["modes"]),
        "training": G.training,
        "requires_grad": bool(getattr(out, "requires_grad", False)),
    }
    report["other_device"] = elsewhere(fn, _lesson_generator(seed, "meta")[0], _digit(seed), 3)
    return report


@check(_probe_generate_digit)
def check_generate_digit(r: dict, seed: int) -> str:
    """fn(G, digit, n) returns n images of that digit, made by G in eval mode."""
    digit, out = _digit(seed), r["out"]
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (5, 1, 28, 28):
        fail(
            f"generate_digit(G, {digit}, 5) gave {shape_of(out)}, expected (5, 1, 28, 28).\n"
            "Hint: one noise vector of the generator's noise size per image, and one label per image."
        )
    labels = r["labels"][-1] if r["labels"] else None
    if not isinstance(labels, torch.Tensor) or labels.dtype != torch.long or labels.tolist() != [digit] * 5:
        got = labels.tolist() if isinstance(labels, torch.Tensor) else labels
        fail(
            f"G was asked for labels {got}, not {[digit] * 5}.\n"
            "Hint: every one of the n labels is the digit asked for, as integer class indices."
        )
    same_device(r["other_device"], "G", "generate_digit", "the noise and the labels", "G's parameters")
    if not r["modes"] or any(m is not False for m in r["modes"]):
        fail(
            "G ran in training mode: its BatchNorm then uses this batch's statistics and the samples change.\n"
            "Hint: switch G to evaluation mode for sampling, and back to training mode afterwards."
        )
    if r["requires_grad"] is not False:
        fail("the samples carry a gradient graph.\nHint: sampling needs no gradients: turn autograd off around it.")
    if r["training"] is not True:
        fail("G was left in eval mode.\nHint: restore training mode after sampling, so training can go on.")
    return f"{OK} generate_digit: n images of the digit you asked for, in eval mode without gradients."


def _probe_label_input_hidden(seed: int, label_input) -> dict:
    z, y = torch.randn(1, 3, generator=generator(seed)), torch.tensor([2])
    return {"out": run_student("label_input", label_input, z, y, 4)}


@check(_probe_label_input_hidden)
def hidden_label_input_other_sizes(r: dict, seed: int) -> str:
    """label_input works for any number of classes and a batch of one."""
    z = torch.randn(1, 3, generator=generator(seed))
    want = torch.cat([z, torch.tensor([[0.0, 0.0, 1.0, 0.0]])], dim=1)  # (1, 7)
    out = r["out"]
    if not isinstance(out, torch.Tensor) or out.shape != want.shape or not torch.allclose(out.float(), want):
        fail(
            f"label_input(z, y, n_classes=4) for one sample gave {shape_of(out)}; it should be [z, one_hot(y, 4)] of "
            "shape (1, 7).\nHint: use the n_classes argument, not a fixed 10."
        )
    return f"{OK} hidden: label input for any number of classes."


HIDDEN = [("hidden: label input sizes", "hidden_label_input_other_sizes", ("label_input",)), TRAINS["03"]]
