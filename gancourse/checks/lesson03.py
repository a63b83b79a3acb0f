"""Checks for lesson 03: label conditioning in G and D, and generating a requested digit."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._common import OK, _fail, _run


def check_label_input(fn) -> None:
    """fn(z, y, n_classes) joins z (N, z_dim) and one-hot y to (N, z_dim + n_classes)."""
    z = torch.randn(5, 7)
    for y in (torch.tensor([0, 3, 9, 3, 1]), torch.tensor([2, 0, 2, 4, 1])):  # the second batch lacks classes 5..9
        out = _run("label_input", fn, z, y, 10)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (5, 17):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            _fail(f"for z (5, 7), labels {y.tolist()} and 10 classes you returned {shape}, expected (5, 17).\n"
                  "Hint: the one-hot part must have n_classes columns for every batch, also one that lacks the "
                  "highest classes: tell F.one_hot how many classes there are.")
        if not torch.equal(out[:, :7], z):
            _fail("the first z_dim columns should be z unchanged.\nHint: z comes first in the joined vector.")
        if not torch.equal(out[:, 7:], F.one_hot(y, 10).float()):
            _fail("the last n_classes columns should be the one-hot label: a 1 in column y, 0 elsewhere.\n"
                  "Hint: the label is an index, not a number to feed in; one-hot encode it as floats.")
    print(f"{OK} label_input: [z, one_hot(y)] of shape (N, z_dim + n_classes).")


def check_label_maps(fn) -> None:
    """fn(x, y, n_classes) joins images (N, C, H, W) and one-hot label maps to (N, C + n_classes, H, W)."""
    x = torch.randn(4, 1, 6, 6)
    for y in (torch.tensor([2, 0, 2, 9]), torch.tensor([2, 0, 2, 3])):  # the second batch lacks classes 4..9
        out = _run("label_maps", fn, x, y, 10)
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (4, 11, 6, 6):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            _fail(f"for x (4, 1, 6, 6), labels {y.tolist()} and 10 classes you returned {shape}, expected (4, 11, 6, 6).\n"
                  "Hint: one map per class of the dataset, whatever labels this batch happens to hold (tell F.one_hot "
                  "how many classes there are), stacked on the channel dimension.")
        if not torch.equal(out[:, :1], x):
            _fail("the first C channels should be the image unchanged.\nHint: the image's channels come first.")
        want = F.one_hot(y, 10).float()[:, :, None, None].expand(4, 10, 6, 6)
        if not torch.equal(out[:, 1:], want):
            _fail("channel c + C should be all ones where the label is c and all zeros elsewhere.\n"
                  "Hint: every pixel of a label map carries the same one-hot value.")
    print(f"{OK} label_maps: the image plus one constant map per class, (N, C + n_classes, H, W).")


class _LabelEcho(nn.Module):
    """A stand-in conditional G: draws the label as the image's brightness; records its mode."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.cfg = type("cfg", (), {"z_dim": 4, "n_classes": 10})()
        self.z_dim, self.n_classes = 4, 10
        self.modes: list[bool] = []

    def forward(self, z, y):
        if z.shape[1] != 4:
            raise ValueError(f"z should have shape (N, 4) for this generator, got {tuple(z.shape)}")
        self.modes.append(self.training)
        return (y.float() / 9 * 2 - 1).view(-1, 1, 1, 1).expand(len(y), 1, 28, 28) * self.scale + 0 * z.sum()


def check_generate_digit(fn) -> None:
    """fn(G, digit, n) returns n images of that digit, made by G in eval mode."""
    G = _LabelEcho()
    out = _run("generate_digit", fn, G, 7, 5)
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != (5, 1, 28, 28):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        _fail(f"generate_digit(G, 7, 5) gave {shape}, expected (5, 1, 28, 28).\n"
              "Hint: one noise vector of G.cfg.z_dim numbers per image, and one label per image.")
    labels = ((out[:, 0, 0, 0] + 1) / 2 * 9).round().long()
    if not torch.equal(labels, torch.full((5,), 7)):
        _fail(f"G was asked for labels {labels.tolist()}, not [7, 7, 7, 7, 7].\n"
              "Hint: every one of the n labels is the digit asked for, as integer class indices.")
    if any(G.modes):
        _fail("G ran in training mode: its BatchNorm then uses this batch's statistics and the samples change.\n"
              "Hint: switch G to evaluation mode for sampling, and back to training mode afterwards.")
    if out.requires_grad:
        _fail("the samples carry a gradient graph.\nHint: sampling needs no gradients: turn autograd off around it.")
    if not G.training:
        _fail("G was left in eval mode.\nHint: restore training mode after sampling, so training can go on.")
    print(f"{OK} generate_digit: n images of the digit you asked for, in eval mode without gradients.")
