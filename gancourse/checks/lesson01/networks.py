"""Lesson 01's MNIST networks: shapes, output ranges, and every sample computed on its own (hidden)."""

from __future__ import annotations

import torch

from ..common import OK, build_module, fail, kinds, logit_range, output_range, own_sample, shaped_output
from ..probes import per_sample, probe_discriminator, probe_generator
from ..protocol import check, generator, tensor

# ------------------------------------------------------------------ networks


def _probe_generator(seed: int, Generator) -> dict:
    return probe_generator(seed, Generator, 16, gradients=True)


@check(_probe_generator)
def check_generator(r: dict, seed: int) -> str:
    """G maps (N, z_dim) noise to (N, 1, 28, 28) images in [-1, 1], with BatchNorm and a tanh output."""
    z_dim = int(r["z_dim"])
    shaped_output(
        r["out"],
        "Generator",
        (16, z_dim),
        (16, 1, 28, 28),
        "the last layer gives 784 numbers per image: reshape them to one 1x28x28 image each.",
    )
    if "BatchNorm1d" not in kinds(r["layers"]):
        fail(
            "the Generator has no BatchNorm1d.\nHint: the Keras model normalises every hidden layer's pre-activations "
            "(batch normalisation over the features of each layer); the output layer is not normalised."
        )
    output_range(tensor(r, "extreme", "Generator's output"), "Generator")
    own_sample(r.get("per_sample"), "the Generator")
    if r["no_grad"]:
        fail(f"no gradient reaches {r['no_grad'][0]}.\nHint: don't use torch.no_grad() or .detach() inside forward().")
    return f"{OK} Generator: (N, {z_dim}) noise -> (N, 1, 28, 28) images in [-1, 1]. Well done!"


def _probe_discriminator(seed: int, Discriminator) -> dict:
    return probe_discriminator(seed, Discriminator, 16)


@check(_probe_discriminator)
def check_discriminator(r: dict, seed: int) -> str:
    """D maps (N, 1, 28, 28) images to (N,) unbounded logits, with LeakyReLU."""
    shaped_output(
        r["out"],
        "Discriminator",
        (16, 1, 28, 28),
        (16,),
        "one logit per image: drop the size-1 dimension of the last layer's output.",
    )
    logit_range(tensor(r, "extreme", "Discriminator's output"), "Discriminator")
    if "LeakyReLU" not in kinds(r["layers"]):
        fail(
            "the Discriminator has no LeakyReLU.\n"
            "Hint: use nn.LeakyReLU(0.2) between layers, so G still gets a gradient where D's units are negative."
        )
    return f"{OK} Discriminator: (N, 1, 28, 28) images -> (N,) logits. Well done!"


# ------------------------------------------------------------------ losses


def _probe_per_sample(seed: int, Generator) -> dict:
    torch.manual_seed(seed)
    G = build_module(Generator, "Generator")
    z = torch.randn(5, int(getattr(G, "z_dim", 100)), generator=generator(seed))  # (5, z_dim)
    return {"pair": per_sample(G, z)}


@check(_probe_per_sample)
def hidden_generator_per_sample(r: dict, seed: int) -> str:
    """In eval mode, G(z)[i] must not depend on the other rows of the batch (no mixing by reshapes)."""
    own_sample(r["pair"], "the Generator")
    return f"{OK} hidden: G treats every sample on its own."
