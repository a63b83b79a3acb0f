"""Hidden checks: the grader runs them after a student's code; the lesson notebooks do not show them.

Each probes the same exercise as a public check from another side (other shapes, other
arguments, batch independence), so work that merely satisfies the visible check's numbers
is still caught. ``HIDDEN[lesson]`` lists ``(name, call)``; the call runs in the student's
namespace with ``hidden`` bound to this module.
"""

from __future__ import annotations

import torch
from torch import nn

from ._common import OK, _build, _close, _fail, _run


def hidden_generator_per_sample(Generator) -> None:
    """In eval mode, G(z)[i] must not depend on the other rows of the batch (no mixing by reshapes)."""
    torch.manual_seed(1)
    G = _build(Generator, "Generator").eval()
    z_dim = getattr(G, "z_dim", 100)
    z = torch.randn(5, z_dim)
    with torch.no_grad():
        full = _run("Generator", G, z)
        one = _run("Generator", G, z[2:3])
    if not torch.allclose(full[2:3], one, atol=1e-5):
        _fail("in eval mode, image 2 of a batch differs from the same z generated alone.\n"
              "Hint: reshape with x.view(-1, 1, 28, 28) (keep the batch dimension first).")
    print(f"{OK} hidden: G treats every sample on its own.")


def hidden_d_loss_is_a_mean(d_loss) -> None:
    """Repeating the batch must not change the loss: a mean over samples, not a sum."""
    real, fake = torch.tensor([1.5, -0.5, 2.0]), torch.tensor([-1.0, 0.3, 0.0])
    once = _run("d_loss", d_loss, real, fake)
    twice = _run("d_loss", d_loss, real.repeat(2), fake.repeat(2))
    if not _close(once, twice):
        _fail("the D loss grows with the batch size.\nHint: average over the batch (BCE's default reduction='mean').")
    print(f"{OK} hidden: the D loss is a mean over the batch.")


def hidden_conv_transpose_sizes(conv_transpose_out_size) -> None:
    """The formula agrees with nn.ConvTranspose2d on a grid of sizes, kernels, strides and paddings."""
    for size in (1, 4, 7):
        for kernel, stride, padding in ((3, 1, 1), (4, 2, 1), (5, 2, 2), (5, 3, 0)):
            for out_pad in range(stride):
                want = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding=out_pad)(torch.zeros(1, 1, size, size)).shape[-1]
                got = _run("conv_transpose_out_size", conv_transpose_out_size, size, kernel, stride, padding, out_pad)
                if got != want:
                    _fail(f"size {size}, kernel {kernel}, stride {stride}, padding {padding}, output_padding {out_pad}: "
                          f"you gave {got}, PyTorch gives {want}.\nHint: (size - 1)·stride - 2·padding + kernel + output_padding.")
    print(f"{OK} hidden: transposed-convolution sizes match PyTorch.")


def hidden_label_input_other_sizes(label_input) -> None:
    """label_input works for any number of classes and a batch of one."""
    z, y = torch.randn(1, 3), torch.tensor([2])
    out = _run("label_input", label_input, z, y, 4)
    want = torch.cat([z, torch.tensor([[0.0, 0.0, 1.0, 0.0]])], dim=1)
    if not isinstance(out, torch.Tensor) or out.shape != want.shape or not torch.allclose(out.float(), want):
        _fail("label_input(z, y, n_classes=4) for one sample should be [z, one_hot(y, 4)] of shape (1, 7).\n"
              "Hint: use the n_classes argument, not a fixed 10.")
    print(f"{OK} hidden: label input for any number of classes.")


def hidden_cycle_loss_images(cycle_loss) -> None:
    """The cycle loss on image batches (N, C, H, W) with another lambda."""
    torch.manual_seed(2)
    x, x_rec = torch.rand(2, 3, 4, 4) * 2 - 1, torch.rand(2, 3, 4, 4) * 2 - 1
    got = _run("cycle_loss", cycle_loss, x, x_rec, lam=0.5)
    if not _close(got, 0.5 * (x_rec - x).abs().mean()):
        _fail("on (2, 3, 4, 4) images with lam=0.5 the loss is wrong.\nHint: lam * (x_rec - x).abs().mean() over every pixel.")
    print(f"{OK} hidden: cycle loss on image batches.")


def hidden_hinge_margins(d_hinge, g_hinge) -> None:
    """No D loss once real logits are >= 1 and fake logits <= -1; G's loss is linear in the fake logits."""
    zero = _run("d_hinge", d_hinge, torch.tensor([1.0, 3.0]), torch.tensor([-1.0, -2.5]))
    if not _close(zero, 0.0):
        _fail("D's hinge loss should be 0 when every real logit is >= 1 and every fake logit <= -1.\n"
              "Hint: relu(1 - real) + relu(1 + fake), each averaged.")
    if not _close(_run("g_hinge", g_hinge, torch.tensor([-3.0, 5.0])), -1.0):
        _fail("G's hinge loss for fake logits (-3, 5) should be -mean = -1.\nHint: -fake_logits.mean(), no clipping.")
    print(f"{OK} hidden: hinge margins.")


HIDDEN = {
    "01": [("hidden: G per sample", "hidden.hidden_generator_per_sample(Generator)"),
           ("hidden: D loss is a mean", "hidden.hidden_d_loss_is_a_mean(d_loss)")],
    "02": [("hidden: transposed sizes", "hidden.hidden_conv_transpose_sizes(conv_transpose_out_size)")],
    "03": [("hidden: label input sizes", "hidden.hidden_label_input_other_sizes(label_input)")],
    "04": [("hidden: cycle loss on images", "hidden.hidden_cycle_loss_images(cycle_loss)")],
    "05": [("hidden: hinge margins", "hidden.hidden_hinge_margins(d_hinge, g_hinge)")],
}
